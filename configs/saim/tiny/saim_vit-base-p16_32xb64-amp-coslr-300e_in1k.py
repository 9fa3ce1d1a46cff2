# Tiny twin of ../saim_vit-base-p16_32xb64-amp-coslr-300e_in1k.py: tiny ImageNet cropped to
# 32x32, 4x4 patches, a 64-d 4-block ViT with a 4-block query stream, the official blur and
# norm_pix target, 20 epochs; AMP off (CPU). See ./_base_/tiny_pretrain.py.
_base_ = [
    '../saim_vit-base-p16_32xb64-amp-coslr-300e_in1k.py',
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
