# Tiny twin of ../upernet_deit-small-p16_8xb1-amp-80k_cityscapes-512x1024.py:
# the shared tiny UperNet setup
# (../../_base_/tiny_vit_upernet_cityscapes.py: tiny Cityscapes, 128x128 crops, 64-d 4-block
# ViT/16, narrow heads, 200 iterations, whole-image test, no AMP, no checkpoint) under the
# full config of an MST DeiT-S encoder.
_base_ = [
    '../upernet_deit-small-p16_8xb1-amp-80k_cityscapes-512x1024.py',
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
