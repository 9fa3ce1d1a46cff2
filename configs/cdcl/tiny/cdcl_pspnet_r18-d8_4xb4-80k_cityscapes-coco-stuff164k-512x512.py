_base_ = [
    '../cdcl_pspnet_r18-d8_4xb4-80k_cityscapes-coco-stuff164k-512x512.py',
    '../_base_/tiny_datasets.py',
    './_base_/tiny_pspnet.py'
]

# Tiny twin: 128x128 crops of the tiny datasets, a 16-channel ResNet-18, no pretrained
# weights, 300 iterations (shared through _base_/tiny_pspnet.py).
crop_size = _base_.tiny_pspnet_crop_size
model = _base_.tiny_pspnet_model
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(batch_size=8),
    dataset=dict(datasets=[
        {{_base_.tiny_cityscapes_train}},
        {{_base_.tiny_coco_stuff_train}}
    ]))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(datasets=[
        {{_base_.tiny_cityscapes_val}},
        {{_base_.tiny_coco_stuff_val}}
    ]))
test_dataloader = val_dataloader
train_cfg = _base_.tiny_pspnet_train_cfg
param_scheduler = _base_.tiny_pspnet_param_scheduler
default_hooks = _base_.tiny_pspnet_default_hooks
