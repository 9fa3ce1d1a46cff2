# Shared by the tiny twins of the PASS ReID fine-tuning configs: a 48-d 2-block ViT
# with 8x8 patches for the 48 tiny identities, P x K = 4 x 4 batches, SGD lr 0.01 with
# 1 warm-up epoch over 16 epochs, no AMP (CPU), trained from scratch (no pre-trained
# checkpoint). Every name carries the tiny_reid_ prefix so it never clashes with a key
# of the full config.
tiny_reid_max_epochs = 16
tiny_reid_model = dict(
    backbone=dict(
        arch=dict(
            _delete_=True,
            embed_dims=48,
            num_layers=2,
            num_heads=3,
            feedforward_channels=192),
        patch_size=8,
        init_cfg=None),
    neck=dict(in_channels=48),
    head=dict(num_classes=48, in_channels=96))
tiny_reid_batch_size = 16
tiny_reid_loader = dict(
    batch_size=tiny_reid_batch_size,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(batch_size=tiny_reid_batch_size))
tiny_reid_test_loader = dict(
    batch_size=32, num_workers=0, persistent_workers=False)
tiny_reid_optim_wrapper = dict(type='OptimWrapper', optimizer=dict(lr=0.01))
tiny_reid_param_scheduler = [
    dict(
        type='WarmupCosineLR',
        max_epochs=tiny_reid_max_epochs,
        warmup_epochs=1,
        warmup_value=1e-4,
        eta_min=2e-5,
        t_offset=1)
]
tiny_reid_train_cfg = dict(
    max_epochs=tiny_reid_max_epochs, val_interval=tiny_reid_max_epochs)
tiny_reid_default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=tiny_reid_max_epochs, max_keep_ckpts=1))
