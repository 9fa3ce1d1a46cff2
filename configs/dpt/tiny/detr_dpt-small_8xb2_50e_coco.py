# Tiny twin of ../detr_dpt-small_8xb2_50e_coco.py: tiny COCO (8 classes, multi-scale
# short sides 128-192 + flip, no crop, pad 32), a narrow one-block-per-stage DPT, a one-layer
# 32-wide transformer with 20 queries, no pretrained weights, short schedule.
_base_ = ['../detr_dpt-small_8xb2_50e_coco.py']

data_root = 'data/tiny/coco/'
classes = ('person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus',
           'train', 'truck')
metainfo = dict(classes=classes)
img_scale = (192, 192)

model = dict(
    num_queries=20,
    backbone=dict(
        arch=dict(
            _delete_=True,
            embed_dims=[16, 32, 48, 64],
            depths=[1, 1, 1, 1],
            num_heads=[1, 2, 2, 4],
            mlp_ratios=[2, 2, 2, 2],
            sr_ratios=[8, 4, 2, 1]),
        pretrain_img_size=img_scale,
        init_cfg=None),
    neck=dict(in_channels=[64], out_channels=32),
    encoder=dict(
        num_layers=1,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=32, num_heads=2),
            ffn_cfg=dict(embed_dims=32, feedforward_channels=64))),
    decoder=dict(
        num_layers=1,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=32, num_heads=2),
            cross_attn_cfg=dict(embed_dims=32, num_heads=2),
            ffn_cfg=dict(embed_dims=32, feedforward_channels=64))),
    positional_encoding=dict(num_feats=16),
    bbox_head=dict(num_classes=len(classes), embed_dims=32),
    test_cfg=dict(max_per_img=20))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='RandomChoiceResize',
        scales=[(320, 128), (320, 160), (320, 192)],
        keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
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
        metainfo=metainfo,
        ann_file='annotations/instances_val2017.json',
        data_prefix=dict(img='val2017/'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator

max_epochs = 12
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[8],
        gamma=0.1)
]
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
auto_scale_lr = dict(base_batch_size=4)
