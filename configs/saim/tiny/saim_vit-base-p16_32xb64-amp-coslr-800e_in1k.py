# Tiny twin of ../saim_vit-base-p16_32xb64-amp-coslr-800e_in1k.py: the tiny 300-epoch twin's
# data and model (32x32 tiny ImageNet, 4x4 patches, 64-d 4+4 blocks) with a 2.5x longer
# schedule (50 epochs); AMP off (CPU).
_base_ = [
    '../saim_vit-base-p16_32xb64-amp-coslr-800e_in1k.py',
    './_base_/tiny_pretrain_800e.py'
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
