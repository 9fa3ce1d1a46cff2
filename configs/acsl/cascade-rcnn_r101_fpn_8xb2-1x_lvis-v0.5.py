# Stage 1 of the decoupled ACSL recipe: softmax Cascade R-CNN R101-FPN on LVIS v0.5
# (the baseline of Wang et al., CVPR 2021). Official recipe: init from a COCO-trained
# detector, no repeat-factor sampling, single scale (1333, 800), bbox only, lr 0.01 at
# 8x2 images, grad clip 35, warmup 500 iters (1/3), steps at epochs 8 and 11, 300
# detections per image at test.
_base_ = [
    'mmdet::_base_/models/cascade-rcnn_r50_fpn.py',
    'mmdet::_base_/datasets/lvis_v0.5_instance.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py',
]
custom_imports = dict(imports=['projects.acsl'], allow_failed_imports=False)
default_scope = 'mmdet'

cascade_target_stds = [[0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1],
                       [0.033, 0.033, 0.067, 0.067]]
model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')),
    roi_head=dict(
        bbox_head=[
            dict(
                type='Shared2FCBBoxHead',
                in_channels=256,
                fc_out_channels=1024,
                roi_feat_size=7,
                num_classes=1230,
                bbox_coder=dict(
                    type='DeltaXYWHBBoxCoder',
                    target_means=[0., 0., 0., 0.],
                    target_stds=stds),
                reg_class_agnostic=True,
                loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
                loss_bbox=dict(type='SmoothL1Loss', beta=1.0,
                               loss_weight=1.0))
            for stds in cascade_target_stds
        ]),
    test_cfg=dict(
        rcnn=dict(
            score_thr=0.001,
            nms=dict(type='nms', iou_threshold=0.5),
            max_per_img=300)))

dataset_type = 'LVISV05Dataset'
data_root = 'data/lvis_v0.5/'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=False),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=False),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor')),
]
# The released recipe trains on the plain LVIS train set (no ClassBalancedDataset).
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/lvis_v0.5_train.json',
        data_prefix=dict(img='train2017/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(metric='bbox')
test_evaluator = val_evaluator

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001),
    clip_grad=dict(max_norm=35, norm_type=2))
param_scheduler = [
    dict(
        type='LinearLR', start_factor=1.0 / 3, by_epoch=False, begin=0,
        end=500),
    dict(
        type='MultiStepLR', begin=0, end=12, by_epoch=True,
        milestones=[8, 11], gamma=0.1)
]
auto_scale_lr = dict(enable=False, base_batch_size=16)

# COCO-trained Cascade R-CNN R101-FPN; the classifier and box regressor (80 classes) are
# re-initialised.
load_from = 'https://download.openmmlab.com/mmdetection/v2.0/cascade_rcnn/cascade_rcnn_r101_fpn_20e_coco/cascade_rcnn_r101_fpn_20e_coco_bbox_mAP-0.425_20200504_231812-5057dcc5.pth'  # noqa: E501
