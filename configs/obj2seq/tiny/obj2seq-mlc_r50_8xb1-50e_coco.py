# Tiny twin of ../obj2seq-mlc_r50_8xb1-50e_coco.py: tiny COCO (8 classes), 128 px, a
# quarter-width ResNet-18 without pretrained weights, d=32, 1 encoder layer, 1
# indicator block; only the indicator is trained (multi-label mAP).
_base_ = [
    '../obj2seq-mlc_r50_8xb1-50e_coco.py',
    './_base_/tiny_coco_det.py'
]

data_root = _base_.tiny_det_data_root
classes = _base_.tiny_det_classes
metainfo = _base_.tiny_det_metainfo
img_scale = _base_.tiny_det_img_scale
d = _base_.tiny_det_d
levels = _base_.tiny_det_levels

# the shared tiny model with a single decoder layer and no test-time box limit
model = {
    key: value
    for key, value in _base_.tiny_det_model.items() if key != 'test_cfg'
}
model['decoder'] = dict(_base_.tiny_det_model.decoder, num_layers=1)

train_pipeline = _base_.tiny_det_train_pipeline
test_pipeline = _base_.tiny_det_test_pipeline
train_dataloader = _base_.tiny_det_train_dataloader
val_dataloader = _base_.tiny_det_val_dataloader
test_dataloader = val_dataloader

max_epochs = 20
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[16], gamma=0.1)
]
optim_wrapper = _base_.tiny_det_optim_wrapper
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
auto_scale_lr = _base_.tiny_det_auto_scale_lr
