# Shared by the tiny twins of ../obj2seq-pose_r50_8xb1-{50e,150e}_coco-keypoint.py:
# tiny COCO stick-figure persons, 128 px, quarter-width ResNet-18 without
# pretrained weights, d=32, 2 levels, 1 encoder / 2 decoder layers, 10 queries
# per image, the full 38-step sequence. Every name carries the tiny_pose_ prefix
# so that it never clashes with a key of the full config; each twin assigns them
# to the real keys.
tiny_pose_data_root = 'data/tiny/coco/'
tiny_pose_img_scale = (128, 128)
tiny_pose_d = 32
tiny_pose_levels = 2

tiny_pose_model = dict(
    num_queries=10,
    num_feature_levels=tiny_pose_levels,
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
        out_channels=tiny_pose_d,
        num_outs=tiny_pose_levels,
        norm_cfg=dict(type='GN', num_groups=8)),
    encoder=dict(
        num_layers=1,
        layer_cfg=dict(
            self_attn_cfg=dict(
                embed_dims=tiny_pose_d,
                num_heads=4,
                num_levels=tiny_pose_levels,
                num_points=2),
            ffn_cfg=dict(embed_dims=tiny_pose_d, feedforward_channels=64))),
    decoder=dict(
        num_layers=2,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=tiny_pose_d, num_heads=4),
            cross_attn_cfg=dict(
                embed_dims=tiny_pose_d,
                num_heads=4,
                num_levels=tiny_pose_levels,
                num_points=2),
            ffn_cfg=dict(embed_dims=tiny_pose_d, feedforward_channels=64))),
    positional_encoding=dict(num_feats=tiny_pose_d // 2),
    bbox_head=dict(
        embed_dims=tiny_pose_d,
        num_heads=4,
        num_levels=tiny_pose_levels,
        num_points=2),
    test_cfg=dict(max_per_img=20))

tiny_pose_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadKeypointAnnotations', with_bbox=True),
    dict(type='KeypointResize', scale=tiny_pose_img_scale, keep_ratio=True),
    dict(type='KeypointRandomFlip', prob=0.5),
    dict(type='PackKeypointDetInputs'),
]
tiny_pose_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='KeypointResize', scale=tiny_pose_img_scale, keep_ratio=True),
    dict(type='LoadKeypointAnnotations', with_bbox=True),
    dict(
        type='PackKeypointDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor')),
]
tiny_pose_train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=tiny_pose_data_root,
        min_visible_keypoints=0,
        ann_file='annotations/person_keypoints_train2017.json',
        data_prefix=dict(img='train2017/'),
        pipeline=tiny_pose_train_pipeline))
tiny_pose_val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=tiny_pose_data_root,
        ann_file='annotations/person_keypoints_val2017.json',
        data_prefix=dict(img='val2017/'),
        pipeline=tiny_pose_test_pipeline))
tiny_pose_val_evaluator = dict(ann_file=tiny_pose_data_root +
                               'annotations/person_keypoints_val2017.json')

tiny_pose_max_epochs = 30
tiny_pose_train_cfg = dict(
    max_epochs=tiny_pose_max_epochs, val_interval=tiny_pose_max_epochs)
tiny_pose_param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=tiny_pose_max_epochs,
        by_epoch=True,
        milestones=[24],
        gamma=0.1)
]
tiny_pose_optim_wrapper = dict(
    optimizer=dict(lr=1e-3), clip_grad=dict(max_norm=1.0))
tiny_pose_default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=tiny_pose_max_epochs, max_keep_ckpts=1))
tiny_pose_auto_scale_lr = dict(base_batch_size=4)
