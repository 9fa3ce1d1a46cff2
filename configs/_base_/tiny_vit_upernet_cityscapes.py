# The tiny UperNet transfer setup shared by the tiny twins of the ViT-B ADE20K UperNet
# configs (EMAE, SAIM). ADE20K has no tiny generator, so it uses the tiny Cityscapes set
# (19 classes, 128x256 images, 128x128 crops): a 64-d 4-block ViT/16 (all four blocks feed
# the pyramid), narrow UperNet and auxiliary heads, 200 iterations, no AMP (CPU);
# init_cfg=None, no checkpoint. Every name carries the tiny_seg_ prefix so that it never
# clashes with a key of the full config; each twin assigns them to the real keys.

tiny_seg_data_root = 'data/tiny/cityscapes/'
tiny_seg_crop_size = (128, 128)
tiny_seg_norm_cfg = dict(type='BN', requires_grad=True)

tiny_seg_model = dict(
    data_preprocessor=dict(size=tiny_seg_crop_size),
    backbone=dict(
        arch=dict(
            _delete_=True,
            embed_dims=64, num_layers=4, num_heads=4,
            feedforward_channels=256),
        img_size=tiny_seg_crop_size,
        out_indices=(0, 1, 2, 3),
        init_cfg=None),
    neck=dict(embed_dim=64, norm_cfg=tiny_seg_norm_cfg),
    decode_head=dict(
        in_channels=[64, 64, 64, 64],
        channels=32,
        num_classes=19,
        norm_cfg=tiny_seg_norm_cfg),
    auxiliary_head=dict(
        in_channels=64, channels=16, num_classes=19, norm_cfg=tiny_seg_norm_cfg),
    test_cfg=dict(mode='whole'))

tiny_seg_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(256, 128),
        ratio_range=(0.75, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=tiny_seg_crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
tiny_seg_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(256, 128), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
tiny_seg_train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        type='CityscapesDataset',
        data_root=tiny_seg_data_root,
        data_prefix=dict(
            img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
        pipeline=tiny_seg_train_pipeline))
tiny_seg_val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        type='CityscapesDataset',
        data_root=tiny_seg_data_root,
        data_prefix=dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
        pipeline=tiny_seg_test_pipeline))
tiny_seg_test_dataloader = tiny_seg_val_dataloader

tiny_seg_max_iters = 200
tiny_seg_train_cfg = dict(max_iters=tiny_seg_max_iters, val_interval=tiny_seg_max_iters)
tiny_seg_optim_wrapper = dict(type='OptimWrapper', optimizer=dict(lr=5e-4))
tiny_seg_param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=20),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=1.0,
        begin=20,
        end=tiny_seg_max_iters,
        by_epoch=False)
]
tiny_seg_default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=tiny_seg_max_iters, max_keep_ckpts=1))
