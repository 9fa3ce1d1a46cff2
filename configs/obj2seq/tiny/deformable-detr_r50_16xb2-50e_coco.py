# Tiny twin of ../deformable-detr_r50_16xb2-50e_coco.py (mmdet's Deformable DETR):
# tiny COCO (8 classes), 128 px, quarter-width ResNet-18 without pretrained weights,
# d=32, 2 levels, 1 encoder / 2 decoder layers, 30 queries.
_base_ = [
    '../deformable-detr_r50_16xb2-50e_coco.py',
    './_base_/tiny_coco_det.py'
]

data_root = _base_.tiny_det_data_root
classes = _base_.tiny_det_classes
metainfo = _base_.tiny_det_metainfo
img_scale = _base_.tiny_det_img_scale
d = _base_.tiny_det_d
levels = _base_.tiny_det_levels

# the shared tiny model without the class indicator, 30 plain queries and
# mmdet's Deformable DETR head
model = {
    key: value
    for key, value in _base_.tiny_det_model.items() if key != 'indicator'
}
model.update(
    num_queries=30,
    bbox_head=dict(num_classes=len(classes), embed_dims=d))

train_pipeline = _base_.tiny_det_train_pipeline
test_pipeline = _base_.tiny_det_test_pipeline
train_dataloader = _base_.tiny_det_train_dataloader
val_dataloader = _base_.tiny_det_val_dataloader
test_dataloader = val_dataloader
val_evaluator = _base_.tiny_det_val_evaluator
test_evaluator = val_evaluator

max_epochs = _base_.tiny_det_max_epochs
train_cfg = _base_.tiny_det_train_cfg
param_scheduler = _base_.tiny_det_param_scheduler
optim_wrapper = _base_.tiny_det_optim_wrapper
default_hooks = _base_.tiny_det_default_hooks
auto_scale_lr = _base_.tiny_det_auto_scale_lr
