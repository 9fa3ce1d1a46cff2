# Tiny twin of ../upernet_deit-small-p16_8xb1-amp-80k_cityscapes-512x1024.py: tiny Cityscapes
# (19 classes, 128x256 images, 128x128 crops), a 64-d 4-block ViT/16 (all four blocks feed
# the pyramid), narrow UperNet and auxiliary heads, 200 iterations, whole-image test, no AMP
# (CPU). init_cfg=None: no checkpoint.
_base_ = ['../upernet_deit-small-p16_8xb1-amp-80k_cityscapes-512x1024.py']
data_root = 'data/tiny/cityscapes/'
crop_size = (128, 128)
norm_cfg = dict(type='BN', requires_grad=True)

model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        arch=dict(
            _delete_=True,
            embed_dims=64, num_layers=4, num_heads=4,
            feedforward_channels=256),
        img_size=crop_size,
        out_indices=(0, 1, 2, 3),
        init_cfg=None),
    neck=dict(embed_dim=64, norm_cfg=norm_cfg),
    decode_head=dict(
        in_channels=[64, 64, 64, 64],
        channels=32,
        num_classes=19,
        norm_cfg=norm_cfg),
    auxiliary_head=dict(
        in_channels=64, channels=16, num_classes=19, norm_cfg=norm_cfg),
    test_cfg=dict(mode='whole'))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(256, 128),
        ratio_range=(0.75, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(256, 128), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        type='CityscapesDataset',
        data_root=data_root,
        data_prefix=dict(
            img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        type='CityscapesDataset',
        data_root=data_root,
        data_prefix=dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader

max_iters = 200
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(lr=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=20),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=1.0,
        begin=20,
        end=max_iters,
        by_epoch=False)
]
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=max_iters, max_keep_ckpts=1))
