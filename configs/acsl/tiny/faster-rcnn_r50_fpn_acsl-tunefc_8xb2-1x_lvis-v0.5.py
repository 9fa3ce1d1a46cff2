# Tiny twin of ../faster-rcnn_r50_fpn_acsl-tunefc_8xb2-1x_lvis-v0.5.py: tiny LVIS v0.5 (30 classes, 10 rare /
# 10 common / 10 frequent, 128-160 px), ResNet-50 at 1/8 width, narrow FPN/RPN/RoI heads,
# few proposals, short schedule, no pretrained weights.
_base_ = [
    '../faster-rcnn_r50_fpn_acsl-tunefc_8xb2-1x_lvis-v0.5.py',
    './_base_/tiny_lvis-v0.5_faster-rcnn.py'
]

data_root = _base_.tiny_lvis_data_root
classes = _base_.tiny_lvis_classes
metainfo = _base_.tiny_lvis_metainfo
img_scale = _base_.tiny_lvis_img_scale
model = _base_.tiny_lvis_acsl_model
train_pipeline = _base_.tiny_lvis_train_pipeline
test_pipeline = _base_.tiny_lvis_test_pipeline
train_dataloader = _base_.tiny_lvis_train_dataloader
val_dataloader = _base_.tiny_lvis_val_dataloader
test_dataloader = val_dataloader
val_evaluator = _base_.tiny_lvis_val_evaluator
test_evaluator = val_evaluator
max_epochs = _base_.tiny_lvis_max_epochs
train_cfg = _base_.tiny_lvis_train_cfg
param_scheduler = _base_.tiny_lvis_param_scheduler
optim_wrapper = _base_.tiny_lvis_acsl_optim_wrapper
default_hooks = _base_.tiny_lvis_default_hooks
auto_scale_lr = _base_.tiny_lvis_auto_scale_lr
# no stage-1 checkpoint here; the benchmark chains both tiny stages (tools/analysis_tools/acsl_benchmark.py)
load_from = None
