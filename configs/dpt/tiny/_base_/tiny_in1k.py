# Shared by the tiny twins of ../dpt-{tiny,small,medium}_8xb128_300e_in1k.py:
# tiny ImageNet (10 classes, 64x64), a narrow one-block-per-stage DPT, the same
# recipe (RandAugment, Mixup/CutMix, repeated augmentation, AdamW, warm-up +
# cosine, drop-path warm-up) on a short schedule (40 epochs of 13 iterations).
# Every name carries the tiny_in1k_ prefix so that it never clashes with a key
# of the full config; each twin assigns them to the real keys.
tiny_in1k_data_root = 'data/tiny/imagenet/'
tiny_in1k_classes = ('tench', 'goldfish', 'great white shark', 'tiger shark',
                     'hammerhead', 'electric ray', 'stingray', 'cock', 'hen',
                     'ostrich')
tiny_in1k_img_size = 64

tiny_in1k_model = dict(
    backbone=dict(
        arch=dict(
            _delete_=True,
            embed_dims=[16, 32, 64, 96],
            depths=[1, 1, 1, 1],
            num_heads=[1, 2, 2, 4],
            mlp_ratios=[2, 2, 2, 2],
            sr_ratios=[8, 4, 2, 1]),
        pretrain_img_size=tiny_in1k_img_size,
        init_cfg=None),
    head=dict(num_classes=10, in_channels=96, topk=(1, 5)))
tiny_in1k_data_preprocessor = dict(num_classes=10)

tiny_in1k_bgr_mean = [103.53, 116.28, 123.675]
tiny_in1k_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=tiny_in1k_img_size,
        crop_ratio_range=(0.35, 1.0),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(
        type='RandAugment',
        policies='timm_increasing',
        num_policies=2,
        total_level=10,
        magnitude_level=9,
        magnitude_std=0.5,
        hparams=dict(
            pad_val=[round(x) for x in tiny_in1k_bgr_mean],
            interpolation='bicubic')),
    dict(
        type='RandomErasing',
        erase_prob=0.25,
        mode='rand',
        min_area_ratio=0.02,
        max_area_ratio=1 / 3,
        fill_color=tiny_in1k_bgr_mean,
        fill_std=[57.375, 57.12, 58.395]),
    dict(type='PackInputs'),
]
tiny_in1k_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='ResizeEdge',
        scale=73,
        edge='short',
        backend='pillow',
        interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=tiny_in1k_img_size),
    dict(type='PackInputs'),
]
tiny_in1k_train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=tiny_in1k_data_root,
        metainfo=dict(classes=tiny_in1k_classes),
        pipeline=tiny_in1k_train_pipeline))
tiny_in1k_val_dataloader = dict(
    batch_size=50,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=tiny_in1k_data_root,
        metainfo=dict(classes=tiny_in1k_classes),
        pipeline=tiny_in1k_test_pipeline))

tiny_in1k_max_epochs = 40
tiny_in1k_warmup_epochs = 3
tiny_in1k_optim_wrapper = dict(optimizer=dict(lr=2e-3))
tiny_in1k_param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=True,
        begin=0,
        end=tiny_in1k_warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        eta_min=1e-5,
        by_epoch=True,
        begin=tiny_in1k_warmup_epochs,
        end=tiny_in1k_max_epochs)
]
tiny_in1k_train_cfg = dict(
    max_epochs=tiny_in1k_max_epochs, val_interval=tiny_in1k_max_epochs)
tiny_in1k_custom_hooks = [
    dict(type='DropPathWarmupHook', warmup_epochs=20, drop_path_rate=0.1)
]
tiny_in1k_default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=tiny_in1k_max_epochs, max_keep_ckpts=1))
tiny_in1k_auto_scale_lr = dict(base_batch_size=32)
