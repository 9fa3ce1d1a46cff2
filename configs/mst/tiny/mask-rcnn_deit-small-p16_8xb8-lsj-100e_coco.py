# Tiny twin of ../mask-rcnn_deit-small-p16_8xb8-lsj-100e_coco.py: tiny COCO instance set
# (8 classes, images resized to at most 192x192), the tiny MST pre-training twins' 64-d
# 4-block ViT at patch 16 (all four blocks feed the pyramid), 32-channel FPN and heads, few
# proposals and RoIs, a short schedule and no AMP (CPU). init_cfg=None: no checkpoint.
_base_ = ['../mask-rcnn_deit-small-p16_8xb8-lsj-100e_coco.py']
data_root = 'data/tiny/coco/'
classes = ('person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train',
           'truck')
image_size = (192, 192)
head_norm_cfg = dict(type='GN', num_groups=8, requires_grad=True)

model = dict(
    data_preprocessor=dict(batch_augments=[
        dict(type='BatchFixedSizePad', size=image_size, pad_mask=True)
    ]),
    backbone=dict(
        arch=dict(
            _delete_=True,
            embed_dims=64, num_layers=4, num_heads=4,
            feedforward_channels=256),
        img_size=image_size[0],
        out_indices=(0, 1, 2, 3),
        init_cfg=None),
    neck=[
        dict(
            type='mmseg.Feature2Pyramid',
            embed_dim=64,
            rescales=[4, 2, 1, 0.5],
            norm_cfg=dict(type='BN', requires_grad=True)),
        dict(
            type='FPN',
            in_channels=[64, 64, 64, 64],
            out_channels=32,
            norm_cfg=head_norm_cfg,
            num_outs=5)
    ],
    rpn_head=dict(in_channels=32, feat_channels=32),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=32),
        bbox_head=dict(
            in_channels=32,
            conv_out_channels=32,
            fc_out_channels=64,
            num_classes=len(classes),
            norm_cfg=head_norm_cfg),
        mask_roi_extractor=dict(out_channels=32),
        mask_head=dict(
            in_channels=32,
            conv_out_channels=32,
            num_classes=len(classes),
            norm_cfg=head_norm_cfg)),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=100, max_per_img=50),
        rcnn=dict(sampler=dict(num=32))),
    test_cfg=dict(
        rpn=dict(nms_pre=100, max_per_img=50), rcnn=dict(max_per_img=20)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(
        type='RandomResize',
        scale=image_size,
        ratio_range=(0.5, 1.5),
        keep_ratio=True),
    dict(
        type='RandomCrop',
        crop_type='absolute_range',
        crop_size=image_size,
        recompute_bbox=True,
        allow_negative_crop=True),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1e-2, 1e-2)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_size, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
train_dataloader = dict(
    _delete_=True,
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='CocoDataset',
        data_root=data_root,
        metainfo=dict(classes=classes),
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(img='train2017/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=4),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        metainfo=dict(classes=classes),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator

max_epochs = 4
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(lr=4e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=10),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[3],
        gamma=0.1)
]
default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
auto_scale_lr = dict(base_batch_size=4)
