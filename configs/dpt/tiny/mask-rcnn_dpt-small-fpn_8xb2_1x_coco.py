# Tiny twin of ../mask-rcnn_dpt-small-fpn_8xb2_1x_coco.py: tiny COCO (8 classes,
# 128-192 px images resized to at most 192), a narrow one-block-per-stage DPT,
# a 32-channel Mask R-CNN neck/head, no pretrained weights, short schedule.
_base_ = [
    '../mask-rcnn_dpt-small-fpn_8xb2_1x_coco.py',
    './_base_/tiny_coco_mask-rcnn_1x.py'
]

data_root = _base_.tiny_coco_data_root
classes = _base_.tiny_coco_classes
metainfo = _base_.tiny_coco_metainfo
img_scale = _base_.tiny_coco_img_scale
model = _base_.tiny_coco_model
train_pipeline = _base_.tiny_coco_train_pipeline
test_pipeline = _base_.tiny_coco_test_pipeline
train_dataloader = _base_.tiny_coco_train_dataloader
val_dataloader = _base_.tiny_coco_val_dataloader
test_dataloader = val_dataloader
val_evaluator = _base_.tiny_coco_val_evaluator
test_evaluator = val_evaluator
max_epochs = _base_.tiny_coco_max_epochs
train_cfg = _base_.tiny_coco_train_cfg
param_scheduler = _base_.tiny_coco_param_scheduler
default_hooks = _base_.tiny_coco_default_hooks
auto_scale_lr = _base_.tiny_coco_auto_scale_lr
