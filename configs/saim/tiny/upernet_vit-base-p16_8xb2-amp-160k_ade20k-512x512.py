# Tiny twin of ../upernet_vit-base-p16_8xb2-amp-160k_ade20k-512x512.py:
# the shared tiny UperNet setup
# (../../_base_/tiny_vit_upernet_cityscapes.py: tiny Cityscapes, as ADE20K has no tiny
# generator; 128x128 crops, 64-d 4-block ViT/16, narrow heads, 200 iterations, no AMP, no
# checkpoint) under the full config of a SAIM ViT-B encoder.
_base_ = [
    '../upernet_vit-base-p16_8xb2-amp-160k_ade20k-512x512.py',
    '../../_base_/tiny_vit_upernet_cityscapes.py'
]

data_root = _base_.tiny_seg_data_root
crop_size = _base_.tiny_seg_crop_size
norm_cfg = _base_.tiny_seg_norm_cfg
model = _base_.tiny_seg_model
train_pipeline = _base_.tiny_seg_train_pipeline
test_pipeline = _base_.tiny_seg_test_pipeline
train_dataloader = _base_.tiny_seg_train_dataloader
val_dataloader = _base_.tiny_seg_val_dataloader
test_dataloader = _base_.tiny_seg_test_dataloader
max_iters = _base_.tiny_seg_max_iters
train_cfg = _base_.tiny_seg_train_cfg
optim_wrapper = _base_.tiny_seg_optim_wrapper
param_scheduler = _base_.tiny_seg_param_scheduler
default_hooks = _base_.tiny_seg_default_hooks
