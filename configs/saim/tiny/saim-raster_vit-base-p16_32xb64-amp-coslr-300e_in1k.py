# Tiny twin of ../saim-raster_vit-base-p16_32xb64-amp-coslr-300e_in1k.py: the tiny SAIM
# pre-training twin (32x32 tiny ImageNet, 4x4 patches, 64-d 4+4 blocks, 20 epochs) with the
# raster generation order (ViT-iGPT baseline); AMP off (CPU).
_base_ = [
    '../saim-raster_vit-base-p16_32xb64-amp-coslr-300e_in1k.py',
    './_base_/tiny_pretrain.py'
]

data_root = _base_.tiny_pt_data_root
model = _base_.tiny_pt_model
train_pipeline = _base_.tiny_pt_train_pipeline
test_pipeline = _base_.tiny_pt_test_pipeline
train_dataloader = _base_.tiny_pt_train_dataloader
test_dataloader = _base_.tiny_pt_test_dataloader
optim_wrapper = _base_.tiny_pt_optim_wrapper
param_scheduler = _base_.tiny_pt_param_scheduler
train_cfg = _base_.tiny_pt_train_cfg
default_hooks = _base_.tiny_pt_default_hooks
auto_scale_lr = _base_.tiny_pt_auto_scale_lr
resume = _base_.tiny_pt_resume
