# Shared by the tiny twins of ../faster-rcnn_r50_fpn*_32xb2-1x_openimages.py: tiny
# Open Images (11 boxable classes, 192 px, group-of boxes, image-level labels),
# ResNet-50 at 1/8 width, narrow FPN/RPN/RoI heads, few proposals, short
# schedule, no pretrained weights. Every name carries the tiny_oi_ prefix so
# that it never clashes with a key of the full config; each twin assigns them to
# the real keys.
tiny_oi_data_root = 'data/tiny/OpenImages/'
tiny_oi_img_scale = (192, 192)

tiny_oi_model = dict(
    backbone=dict(
        base_channels=8, frozen_stages=-1, norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[32, 64, 128, 256], out_channels=32),
    rpn_head=dict(
        in_channels=32,
        feat_channels=32,
        anchor_generator=dict(scales=[4], strides=[4, 8, 16, 32, 64])),
    roi_head=dict(
        bbox_roi_extractor=dict(
            out_channels=32, roi_layer=dict(output_size=4)),
        bbox_head=dict(
            in_channels=32,
            fc_out_channels=64,
            roi_feat_size=4,
            num_classes=11)),
    train_cfg=dict(
        rpn=dict(sampler=dict(num=64)),
        rpn_proposal=dict(nms_pre=300, max_per_img=100),
        rcnn=dict(sampler=dict(num=64))),
    test_cfg=dict(
        rpn=dict(nms_pre=300, max_per_img=100), rcnn=dict(max_per_img=50)))

tiny_oi_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=tiny_oi_img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
tiny_oi_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=tiny_oi_img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor', 'instances', 'image_level_labels')),
]
tiny_oi_train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=tiny_oi_data_root, pipeline=tiny_oi_train_pipeline))
tiny_oi_val_dataloader = dict(
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=tiny_oi_data_root, pipeline=tiny_oi_test_pipeline))

tiny_oi_max_epochs = 12
tiny_oi_train_cfg = dict(
    max_epochs=tiny_oi_max_epochs, val_interval=tiny_oi_max_epochs)
tiny_oi_param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(
        type='MultiStepLR',
        begin=0,
        end=tiny_oi_max_epochs,
        by_epoch=True,
        milestones=[8, 11],
        gamma=0.1),
]
tiny_oi_optim_wrapper = dict(optimizer=dict(lr=0.04))
tiny_oi_default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=tiny_oi_max_epochs, max_keep_ckpts=1))
tiny_oi_auto_scale_lr = dict(base_batch_size=4)
