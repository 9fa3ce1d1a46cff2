# Shared by the tiny twins of ../fpn_dpt-{tiny,small,medium}_8xb2_80k_ade20k-512x512.py.
# ADE20K has no tiny copy, so the twins swap the dataset for tiny Cityscapes
# (mmseg's CityscapesDataset, 19 classes, 128x256 images, 128x128 crops); a
# narrow one-block-per-stage DPT, a 32-channel FPN and head, no pretrained
# weights, 200 iterations. Every name carries the tiny_seg_ prefix so that it
# never clashes with a key of the full config; each twin assigns them to the
# real keys.
tiny_seg_data_root = 'data/tiny/cityscapes/'
tiny_seg_crop_size = (128, 128)
tiny_seg_model = dict(
    data_preprocessor=dict(size=tiny_seg_crop_size),
    backbone=dict(
        arch=dict(
            _delete_=True,
            embed_dims=[16, 32, 48, 64],
            depths=[1, 1, 1, 1],
            num_heads=[1, 2, 2, 4],
            mlp_ratios=[2, 2, 2, 2],
            sr_ratios=[8, 4, 2, 1]),
        pretrain_img_size=tiny_seg_crop_size,
        init_cfg=None),
    neck=dict(in_channels=[16, 32, 48, 64], out_channels=32),
    decode_head=dict(
        in_channels=[32, 32, 32, 32],
        channels=16,
        num_classes=19,
        norm_cfg=dict(type='BN', requires_grad=True)))

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
    dict(type='PhotoMetricDistortion'),
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
        _delete_=True,
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
        _delete_=True,
        type='CityscapesDataset',
        data_root=tiny_seg_data_root,
        data_prefix=dict(
            img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
        pipeline=tiny_seg_test_pipeline))

tiny_seg_iters = 200
tiny_seg_train_cfg = dict(
    max_iters=tiny_seg_iters, val_interval=tiny_seg_iters)
tiny_seg_param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=0.9,
        begin=0,
        end=tiny_seg_iters,
        by_epoch=False)
]
tiny_seg_optim_wrapper = dict(optimizer=dict(lr=1e-3))
tiny_seg_default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(by_epoch=False, interval=tiny_seg_iters))
