# Tiny twin of ../obj2seq-pose_r50_8xb1-50e_coco-keypoint.py: tiny COCO stick-figure
# persons, 128 px, quarter-width ResNet-18 without pretrained weights, d=32, 2 levels,
# 1 encoder / 2 decoder layers, 10 queries per image, the full 38-step sequence.
_base_ = ['../obj2seq-pose_r50_8xb1-50e_coco-keypoint.py']

data_root = 'data/tiny/coco/'
img_scale = (128, 128)
d = 32
levels = 2

model = dict(
    num_queries=10,
    num_feature_levels=levels,
    backbone=dict(
        depth=18, base_channels=16, out_indices=(2, 3), frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[64, 128], out_channels=d, num_outs=levels,
              norm_cfg=dict(type='GN', num_groups=8)),
    encoder=dict(
        num_layers=1,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=d, num_heads=4, num_levels=levels,
                               num_points=2),
            ffn_cfg=dict(embed_dims=d, feedforward_channels=64))),
    decoder=dict(
        num_layers=2,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=d, num_heads=4),
            cross_attn_cfg=dict(embed_dims=d, num_heads=4, num_levels=levels,
                                num_points=2),
            ffn_cfg=dict(embed_dims=d, feedforward_channels=64))),
    positional_encoding=dict(num_feats=d // 2),
    bbox_head=dict(embed_dims=d, num_heads=4, num_levels=levels, num_points=2),
    test_cfg=dict(max_per_img=20))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadKeypointAnnotations', with_bbox=True),
    dict(type='KeypointResize', scale=img_scale, keep_ratio=True),
    dict(type='KeypointRandomFlip', prob=0.5),
    dict(type='PackKeypointDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='KeypointResize', scale=img_scale, keep_ratio=True),
    dict(type='LoadKeypointAnnotations', with_bbox=True),
    dict(type='PackKeypointDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor')),
]
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(
        data_root=data_root, min_visible_keypoints=0,
        ann_file='annotations/person_keypoints_train2017.json',
        data_prefix=dict(img='train2017/'), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/person_keypoints_val2017.json',
        data_prefix=dict(img='val2017/'), pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator

max_epochs = 30
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[24], gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=1e-3), clip_grad=dict(max_norm=1.0))
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
auto_scale_lr = dict(base_batch_size=4)
