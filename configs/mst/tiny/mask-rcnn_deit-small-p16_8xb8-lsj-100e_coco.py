# Tiny twin of ../mask-rcnn_deit-small-p16_8xb8-lsj-100e_coco.py:
# the shared tiny COCO transfer setup
# (../../_base_/tiny_vit_mask-rcnn_coco.py: 8 classes, images resized to at most 192x192,
# 64-d 4-block ViT/16, 32-channel FPN and heads, short epoch-based schedule, no AMP, no
# checkpoint) under the full config of an MST DeiT-S encoder.
_base_ = [
    '../mask-rcnn_deit-small-p16_8xb8-lsj-100e_coco.py',
    '../../_base_/tiny_vit_mask-rcnn_coco.py'
]

data_root = _base_.tiny_det_data_root
classes = _base_.tiny_det_classes
image_size = _base_.tiny_det_image_size
head_norm_cfg = _base_.tiny_det_head_norm_cfg
model = _base_.tiny_det_model
train_pipeline = _base_.tiny_det_train_pipeline
test_pipeline = _base_.tiny_det_test_pipeline
train_dataloader = _base_.tiny_det_train_dataloader
val_dataloader = _base_.tiny_det_val_dataloader
test_dataloader = _base_.tiny_det_test_dataloader
val_evaluator = _base_.tiny_det_val_evaluator
test_evaluator = _base_.tiny_det_test_evaluator
max_epochs = _base_.tiny_det_max_epochs
train_cfg = _base_.tiny_det_train_cfg
optim_wrapper = _base_.tiny_det_optim_wrapper
param_scheduler = _base_.tiny_det_param_scheduler
default_hooks = _base_.tiny_det_default_hooks
log_processor = _base_.tiny_det_log_processor
auto_scale_lr = _base_.tiny_det_auto_scale_lr
