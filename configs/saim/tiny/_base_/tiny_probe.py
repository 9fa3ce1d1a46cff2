# Shared by the tiny twins of the SAIM linear probes: the tiny pre-training twins' ViT
# (64-d, 4 blocks, 4x4 patches) frozen, on 32x32 crops of tiny ImageNet (10 classes), with a
# short schedule. Names carry the tiny_lp_ prefix; each twin assigns them to the real keys.
tiny_lp_data_root = 'data/tiny/imagenet/'
tiny_lp_img_size = 32
tiny_lp_model = dict(
    backbone=dict(
        arch=dict(
            _delete_=True,
            embed_dims=64,
            num_layers=4,
            num_heads=4,
            feedforward_channels=256),
        img_size=tiny_lp_img_size,
        patch_size=4,
        frozen_stages=4,
        init_cfg=None),
    neck=dict(input_features=64),
    head=dict(num_classes=10, in_channels=64))
tiny_lp_data_preprocessor = dict(num_classes=10)
tiny_lp_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=tiny_lp_img_size,
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
tiny_lp_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='ResizeEdge',
        scale=36,
        edge='short',
        backend='pillow',
        interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=tiny_lp_img_size),
    dict(type='PackInputs'),
]
tiny_lp_train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=tiny_lp_data_root, pipeline=tiny_lp_train_pipeline))
tiny_lp_val_dataloader = dict(
    batch_size=50,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=tiny_lp_data_root, pipeline=tiny_lp_test_pipeline))
tiny_lp_max_epochs = 10
tiny_lp_train_cfg = dict(max_epochs=tiny_lp_max_epochs,
                         val_interval=tiny_lp_max_epochs)
tiny_lp_default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=tiny_lp_max_epochs, max_keep_ckpts=1))
tiny_lp_auto_scale_lr = dict(base_batch_size=64)
