# Shared by the tiny twins of the Obj2Seq detection configs (and of mmdet's
# Deformable DETR): tiny COCO (8 classes), 128 px images, ResNet-18 at quarter
# width without pretrained weights, d=32, 2 feature levels, 1 encoder / 1
# indicator block / 2 decoder layers, K=3 classes x N=10 queries. Every name
# carries the tiny_det_ prefix so that it never clashes with a key of the full
# config; each twin assigns them to the real keys (and may keep its own model or
# schedule).
tiny_det_data_root = 'data/tiny/coco/'
tiny_det_classes = ('person', 'bicycle', 'car', 'motorcycle', 'airplane',
                    'bus', 'train', 'truck')
tiny_det_metainfo = dict(classes=tiny_det_classes)
tiny_det_img_scale = (128, 128)
tiny_det_d = 32
tiny_det_levels = 2

tiny_det_model = dict(
    num_queries=10,
    num_feature_levels=tiny_det_levels,
    backbone=dict(
        depth=18,
        base_channels=16,
        out_indices=(2, 3),
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        init_cfg=None),
    neck=dict(
        in_channels=[64, 128],
        out_channels=tiny_det_d,
        num_outs=tiny_det_levels,
        norm_cfg=dict(type='GN', num_groups=8)),
    encoder=dict(
        num_layers=1,
        layer_cfg=dict(
            self_attn_cfg=dict(
                embed_dims=tiny_det_d,
                num_heads=4,
                num_levels=tiny_det_levels,
                num_points=2),
            ffn_cfg=dict(embed_dims=tiny_det_d, feedforward_channels=64))),
    decoder=dict(
        num_layers=2,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=tiny_det_d, num_heads=4),
            cross_attn_cfg=dict(
                embed_dims=tiny_det_d,
                num_heads=4,
                num_levels=tiny_det_levels,
                num_points=2),
            ffn_cfg=dict(embed_dims=tiny_det_d, feedforward_channels=64))),
    positional_encoding=dict(num_feats=tiny_det_d // 2),
    indicator=dict(
        num_blocks=1,
        num_heads=4,
        ffn_dims=64,
        retain_topk=3,
        prompt_file=None,
        prompt_dims=64),
    bbox_head=dict(
        num_classes=len(tiny_det_classes),
        embed_dims=tiny_det_d,
        num_heads=4,
        num_levels=tiny_det_levels,
        num_points=2),
    test_cfg=dict(max_per_img=20))

tiny_det_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=tiny_det_img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
tiny_det_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=tiny_det_img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor')),
]
tiny_det_train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=tiny_det_data_root,
        metainfo=tiny_det_metainfo,
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(img='train2017/'),
        pipeline=tiny_det_train_pipeline))
tiny_det_val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=tiny_det_data_root,
        metainfo=tiny_det_metainfo,
        ann_file='annotations/instances_val2017.json',
        data_prefix=dict(img='val2017/'),
        pipeline=tiny_det_test_pipeline))
tiny_det_val_evaluator = dict(ann_file=tiny_det_data_root +
                              'annotations/instances_val2017.json')

tiny_det_max_epochs = 30
tiny_det_train_cfg = dict(
    max_epochs=tiny_det_max_epochs, val_interval=tiny_det_max_epochs)
tiny_det_param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=tiny_det_max_epochs,
        by_epoch=True,
        milestones=[24],
        gamma=0.1)
]
tiny_det_optim_wrapper = dict(
    optimizer=dict(lr=1e-3), clip_grad=dict(max_norm=1.0))
tiny_det_default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=tiny_det_max_epochs, max_keep_ckpts=1))
tiny_det_auto_scale_lr = dict(base_batch_size=4)
