# Shared by the tiny twins of the SAIM pre-training configs: tiny ImageNet (10 classes,
# 64x64 images) cropped to 32x32 with 4x4 patches (64 patches), a 64-d 4-block ViT with a
# 4-block query stream (step 1, as the full 12/12 model), the official 9x9 sigma-1 blur and a
# short schedule (20 epochs). The learning rate is the full recipe's 1.6e-3 at batch 32
# (linear scaling to 32 images would leave a tiny model untrained). AMP is off (CPU).
# Every name carries the tiny_pt_ prefix so that it never clashes with a key of the full
# config; each twin assigns them to the real keys.
tiny_pt_data_root = 'data/tiny/imagenet/'
tiny_pt_img_size, tiny_pt_patch_size = 32, 4

tiny_pt_model = dict(
    backbone=dict(
        arch=dict(
            _delete_=True,
            embed_dims=64,
            num_layers=4,
            num_heads=4,
            feedforward_channels=256),
        img_size=tiny_pt_img_size,
        patch_size=tiny_pt_patch_size),
    neck=dict(
        embed_dims=64, num_layers=4, num_heads=4, feedforward_channels=256),
    head=dict(patch_size=tiny_pt_patch_size, embed_dims=64))

tiny_pt_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=tiny_pt_img_size,
        crop_ratio_range=(0.2, 1.0),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackInputs')
]
tiny_pt_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='ResizeEdge',
        scale=36,
        edge='short',
        backend='pillow',
        interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=tiny_pt_img_size),
    dict(type='PackInputs'),
]
tiny_pt_train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=tiny_pt_data_root, pipeline=tiny_pt_train_pipeline))
tiny_pt_test_dataloader = dict(
    batch_size=50,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=tiny_pt_data_root, pipeline=tiny_pt_test_pipeline))

tiny_pt_max_epochs = 20
tiny_pt_warmup_epochs = 2
tiny_pt_optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1.6e-3, betas=(0.9, 0.95), weight_decay=0.5),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.))
tiny_pt_param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=tiny_pt_warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=tiny_pt_max_epochs - tiny_pt_warmup_epochs,
        eta_min=0.,
        by_epoch=True,
        begin=tiny_pt_warmup_epochs,
        end=tiny_pt_max_epochs,
        convert_to_iter_based=True)
]
tiny_pt_train_cfg = dict(max_epochs=tiny_pt_max_epochs)
tiny_pt_default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=tiny_pt_max_epochs, max_keep_ckpts=1))
tiny_pt_auto_scale_lr = dict(base_batch_size=32)
tiny_pt_resume = False
