# Tiny twin of ../dpt-tiny_8xb128_300e_in1k.py: tiny ImageNet (10 classes, 64x64),
# a narrow one-block-per-stage DPT, the same recipe on a short schedule; the
# settings are shared with the other DPT ImageNet twins in _base_/tiny_in1k.py.
_base_ = ['../dpt-tiny_8xb128_300e_in1k.py', './_base_/tiny_in1k.py']

data_root = _base_.tiny_in1k_data_root
classes = _base_.tiny_in1k_classes
img_size = _base_.tiny_in1k_img_size
model = _base_.tiny_in1k_model
data_preprocessor = _base_.tiny_in1k_data_preprocessor
bgr_mean = _base_.tiny_in1k_bgr_mean
train_pipeline = _base_.tiny_in1k_train_pipeline
test_pipeline = _base_.tiny_in1k_test_pipeline
train_dataloader = _base_.tiny_in1k_train_dataloader
val_dataloader = _base_.tiny_in1k_val_dataloader
test_dataloader = val_dataloader
max_epochs = _base_.tiny_in1k_max_epochs
warmup_epochs = _base_.tiny_in1k_warmup_epochs
optim_wrapper = _base_.tiny_in1k_optim_wrapper
param_scheduler = _base_.tiny_in1k_param_scheduler
train_cfg = _base_.tiny_in1k_train_cfg
custom_hooks = _base_.tiny_in1k_custom_hooks
default_hooks = _base_.tiny_in1k_default_hooks
auto_scale_lr = _base_.tiny_in1k_auto_scale_lr
