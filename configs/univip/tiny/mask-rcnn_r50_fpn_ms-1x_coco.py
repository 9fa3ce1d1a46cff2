# Tiny twin of ../mask-rcnn_r50_fpn_ms-1x_coco.py: the shared tiny COCO transfer data,
# pipelines and short epoch schedule (../../_base_/tiny_vit_mask-rcnn_coco.py: 8 classes,
# images resized to at most 192x192, no AMP, no checkpoint loaded) with the tiny pre-training
# twins' quarter-width ResNet-18 (BN, trainable, all 4 stages into the FPN), 32-channel FPN
# and heads, SGD lr 0.01.
_base_ = [
    '../mask-rcnn_r50_fpn_ms-1x_coco.py',
    '../../_base_/tiny_vit_mask-rcnn_coco.py'
]

data_root = _base_.tiny_det_data_root
classes = _base_.tiny_det_classes
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(batch_augments=[
        dict(type='BatchFixedSizePad', size=_base_.tiny_det_image_size, pad_mask=True)
    ]),
    backbone=dict(depth=18, base_channels=16, norm_cfg=norm_cfg, init_cfg=None),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=32, norm_cfg=norm_cfg),
    rpn_head=dict(in_channels=32, feat_channels=32),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=32),
        bbox_head=dict(in_channels=32, conv_out_channels=32, fc_out_channels=64,
                       num_classes=len(classes), norm_cfg=norm_cfg),
        mask_roi_extractor=dict(out_channels=32),
        mask_head=dict(in_channels=32, conv_out_channels=32,
                       num_classes=len(classes), norm_cfg=norm_cfg)),
    train_cfg=_base_.tiny_det_model.train_cfg,
    test_cfg=_base_.tiny_det_model.test_cfg)
train_pipeline = _base_.tiny_det_train_pipeline
test_pipeline = _base_.tiny_det_test_pipeline
train_dataloader = _base_.tiny_det_train_dataloader
val_dataloader = _base_.tiny_det_val_dataloader
test_dataloader = _base_.tiny_det_test_dataloader
val_evaluator = _base_.tiny_det_val_evaluator
test_evaluator = _base_.tiny_det_test_evaluator
max_epochs = _base_.tiny_det_max_epochs
train_cfg = _base_.tiny_det_train_cfg
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(lr=0.01))
param_scheduler = _base_.tiny_det_param_scheduler
default_hooks = _base_.tiny_det_default_hooks
log_processor = _base_.tiny_det_log_processor
auto_scale_lr = _base_.tiny_det_auto_scale_lr
