# Tiny twin of ../obj2seq_r50_8xb1-50e_coco.py: tiny COCO (8 classes), 128 px images,
# ResNet-18 at quarter width without pretrained weights, d=32, 2 feature levels,
# 1 encoder / 1 indicator block / 2 decoder layers, K=3 classes x N=10 queries.
_base_ = ['../obj2seq_r50_8xb1-50e_coco.py', './_base_/tiny_coco_det.py']

data_root = _base_.tiny_det_data_root
classes = _base_.tiny_det_classes
metainfo = _base_.tiny_det_metainfo
img_scale = _base_.tiny_det_img_scale
d = _base_.tiny_det_d
levels = _base_.tiny_det_levels
model = _base_.tiny_det_model
train_pipeline = _base_.tiny_det_train_pipeline
test_pipeline = _base_.tiny_det_test_pipeline
train_dataloader = _base_.tiny_det_train_dataloader
val_dataloader = _base_.tiny_det_val_dataloader
test_dataloader = val_dataloader
val_evaluator = _base_.tiny_det_val_evaluator
test_evaluator = val_evaluator
max_epochs = _base_.tiny_det_max_epochs
train_cfg = _base_.tiny_det_train_cfg
param_scheduler = _base_.tiny_det_param_scheduler
optim_wrapper = _base_.tiny_det_optim_wrapper
default_hooks = _base_.tiny_det_default_hooks
auto_scale_lr = _base_.tiny_det_auto_scale_lr
