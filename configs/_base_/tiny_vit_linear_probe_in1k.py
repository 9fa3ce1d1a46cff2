# The tiny linear-probe setup shared by the tiny twins of the ViT linear-probe configs (EMAE,
# MST): the tiny pre-training twins' ViT (64-d, 4 blocks, 4x4 patches, frozen) on 32x32 crops
# of tiny ImageNet (10 classes), a short schedule, AMP off (CPU), init_cfg=None. Every name
# carries the tiny_lin_ prefix so that it never clashes with a key of the full config; each
# twin assigns them to the real keys.

tiny_lin_data_root = 'data/tiny/imagenet/'
tiny_lin_img_size, tiny_lin_patch_size = 32, 4

tiny_lin_backbone = dict(
    arch=dict(
        _delete_=True,
        embed_dims=64, num_layers=4, num_heads=4,
        feedforward_channels=256),
    img_size=tiny_lin_img_size,
    patch_size=tiny_lin_patch_size,
    frozen_stages=4,
    init_cfg=None)
tiny_lin_head = dict(num_classes=10, in_channels=64)
tiny_lin_data_preprocessor = dict(num_classes=10)

tiny_lin_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=tiny_lin_img_size, backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
tiny_lin_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=36, edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=tiny_lin_img_size),
    dict(type='PackInputs'),
]
tiny_lin_train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=tiny_lin_data_root, pipeline=tiny_lin_train_pipeline))
tiny_lin_val_dataloader = dict(
    batch_size=50,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=tiny_lin_data_root, pipeline=tiny_lin_test_pipeline))

tiny_lin_max_epochs = 10
tiny_lin_optim_wrapper = dict(type='OptimWrapper', optimizer=dict(lr=0.1))
tiny_lin_param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=tiny_lin_max_epochs - 1, by_epoch=True,
         begin=1, end=tiny_lin_max_epochs, eta_min=0.0, convert_to_iter_based=True)
]
tiny_lin_train_cfg = dict(max_epochs=tiny_lin_max_epochs, val_interval=tiny_lin_max_epochs)
tiny_lin_default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=tiny_lin_max_epochs, max_keep_ckpts=1))
tiny_lin_auto_scale_lr = dict(base_batch_size=64)
