# Tiny twin of ../emae_vit-base-p16_8xb128-amp-coslr-800e_in1k.py: the data, model and
# CPU settings of the tiny 300-epoch twin with a schedule 2.5x longer.
# Tiny ImageNet (10 classes, 64x64 images) cropped to 32x32 with 4x4 patches, a 64-d
# 4-block ViT and a 32-d 1-block decoder; AMP off (CPU).
_base_ = [
    '../emae_vit-base-p16_8xb128-amp-coslr-800e_in1k.py',
    './_base_/tiny_pretrain_800e.py'
]

data_root = _base_.tiny_pt_data_root
img_size, patch_size = _base_.tiny_pt_img_size, _base_.tiny_pt_patch_size
model = _base_.tiny_pt_model
train_pipeline = _base_.tiny_pt_train_pipeline
test_pipeline = _base_.tiny_pt_test_pipeline
train_dataloader = _base_.tiny_pt_train_dataloader
test_dataloader = _base_.tiny_pt_test_dataloader
max_epochs = _base_.tiny_pt_max_epochs
optim_wrapper = _base_.tiny_pt_optim_wrapper
param_scheduler = _base_.tiny_pt_param_scheduler
train_cfg = _base_.tiny_pt_train_cfg
default_hooks = _base_.tiny_pt_default_hooks
auto_scale_lr = _base_.tiny_pt_auto_scale_lr
resume = _base_.tiny_pt_resume
