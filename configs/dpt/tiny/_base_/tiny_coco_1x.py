# Shared by the tiny COCO detection twins of the DPT RetinaNet and Mask R-CNN
# 1x configs: tiny COCO (8 classes, 128-192 px images resized to at most 192),
# a narrow one-block-per-stage DPT backbone and FPN (the heads come from
# tiny_coco_retinanet_1x.py / tiny_coco_mask-rcnn_1x.py), box-only pipelines,
# no pretrained weights, short schedule. Every name carries the tiny_coco_
# prefix so that it never clashes with a key of the full config; each twin
# assigns them to the real keys.
tiny_coco_data_root = 'data/tiny/coco/'
tiny_coco_classes = ('person', 'bicycle', 'car', 'motorcycle', 'airplane',
                     'bus', 'train', 'truck')
tiny_coco_metainfo = dict(classes=tiny_coco_classes)
tiny_coco_img_scale = (192, 192)

tiny_coco_model = dict(
    backbone=dict(
        arch=dict(
            _delete_=True,
            embed_dims=[16, 32, 48, 64],
            depths=[1, 1, 1, 1],
            num_heads=[1, 2, 2, 4],
            mlp_ratios=[2, 2, 2, 2],
            sr_ratios=[8, 4, 2, 1]),
        pretrain_img_size=tiny_coco_img_scale,
        init_cfg=None),
    neck=dict(in_channels=[16, 32, 48, 64], out_channels=32))

tiny_coco_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=tiny_coco_img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
tiny_coco_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=tiny_coco_img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
tiny_coco_train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=tiny_coco_data_root,
        metainfo=tiny_coco_metainfo,
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(img='train2017/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=4),
        pipeline=tiny_coco_train_pipeline))
tiny_coco_val_dataloader = dict(
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=tiny_coco_data_root,
        metainfo=tiny_coco_metainfo,
        ann_file='annotations/instances_val2017.json',
        data_prefix=dict(img='val2017/'),
        pipeline=tiny_coco_test_pipeline))
tiny_coco_val_evaluator = dict(ann_file=tiny_coco_data_root +
                               'annotations/instances_val2017.json')

tiny_coco_max_epochs = 12
tiny_coco_train_cfg = dict(
    max_epochs=tiny_coco_max_epochs, val_interval=tiny_coco_max_epochs)
tiny_coco_param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=20),
    dict(
        type='MultiStepLR',
        begin=0,
        end=tiny_coco_max_epochs,
        by_epoch=True,
        milestones=[8, 11],
        gamma=0.1)
]
tiny_coco_default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=tiny_coco_max_epochs, max_keep_ckpts=1))
tiny_coco_auto_scale_lr = dict(base_batch_size=4)
