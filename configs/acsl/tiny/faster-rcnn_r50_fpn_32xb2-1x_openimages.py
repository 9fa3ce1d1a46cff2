# Tiny twin of ../faster-rcnn_r50_fpn_32xb2-1x_openimages.py: tiny Open Images (11 boxable classes, 192 px, group-of boxes,
# image-level labels), ResNet-50 at 1/8 width, narrow FPN/RPN/RoI heads, few proposals,
# short schedule, no pretrained weights.
_base_ = [
    '../faster-rcnn_r50_fpn_32xb2-1x_openimages.py',
    './_base_/tiny_openimages_faster-rcnn.py'
]

data_root = _base_.tiny_oi_data_root
img_scale = _base_.tiny_oi_img_scale
model = _base_.tiny_oi_model
train_pipeline = _base_.tiny_oi_train_pipeline
test_pipeline = _base_.tiny_oi_test_pipeline
train_dataloader = _base_.tiny_oi_train_dataloader
val_dataloader = _base_.tiny_oi_val_dataloader
test_dataloader = val_dataloader
max_epochs = _base_.tiny_oi_max_epochs
train_cfg = _base_.tiny_oi_train_cfg
param_scheduler = _base_.tiny_oi_param_scheduler
optim_wrapper = _base_.tiny_oi_optim_wrapper
default_hooks = _base_.tiny_oi_default_hooks
auto_scale_lr = _base_.tiny_oi_auto_scale_lr
load_from = None
