# Shared by the tiny twins of the MST pre-training configs: tiny ImageNet (10 classes, 64x64
# images), 2 x 32 global crops (4x4 patches, 64 tokens) and 2 x 16 local crops, a 64-d
# 4-block ViT, a 256-prototype DINO head, a x4 deconvolution decoder, fp32 (CPU) and a short
# schedule whose warm-ups keep the full recipe's order (lr warm-up, teacher-temperature
# warm-up, prototypes frozen in epoch 1). Names carry the tiny_pt_ prefix so that they never
# clash with a key of the full config; each twin assigns them to the real keys.
tiny_pt_data_root = 'data/tiny/imagenet/'
tiny_pt_patch_size = 4
tiny_pt_out_dim = 256
tiny_pt_max_epochs = 4

tiny_pt_model = dict(
    backbone=dict(
        arch=dict(
            _delete_=True,
            embed_dims=64, num_layers=4, num_heads=4, feedforward_channels=256),
        img_size=32,
        patch_size=tiny_pt_patch_size,
        drop_path_rate=0.0),
    neck=dict(in_channels=64, out_channels=tiny_pt_out_dim, hidden_channels=128,
              bottleneck_channels=32),
    head=dict(dino_loss=dict(out_channels=tiny_pt_out_dim,
                             warmup_teacher_temp_epochs=2)),
    decoder=dict(in_channels=64, patch_size=tiny_pt_patch_size, channels=32,
                 num_groups=4))

tiny_pt_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='MSTMultiCrop',
        patch_size=tiny_pt_patch_size,
        global_crop_size=32,
        local_crop_size=16,
        num_local_crops=2,
        global_crop_scale=(0.4, 1.0),
        local_crop_scale=(0.1, 0.4)),
    dict(type='PackInputs')
]
tiny_pt_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=36, edge='short', backend='pillow',
         interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=32),
    dict(type='PackInputs')
]
tiny_pt_train_dataloader = dict(
    batch_size=16, num_workers=0, persistent_workers=False, pin_memory=False,
    dataset=dict(data_root=tiny_pt_data_root, pipeline=tiny_pt_train_pipeline))
tiny_pt_test_dataloader = dict(
    batch_size=50, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=tiny_pt_data_root, pipeline=tiny_pt_test_pipeline))
tiny_pt_bank_dataloader = dict(
    batch_size=50, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='ImageNet', data_root=tiny_pt_data_root, split='train',
                 pipeline=tiny_pt_test_pipeline))
tiny_pt_optim_wrapper = dict(type='OptimWrapper', _delete_=True,
                             optimizer=dict(type='AdamW', lr=5e-4 * 16 / 256,
                                            betas=(0.9, 0.999), weight_decay=0.04),
                             clip_grad=dict(max_norm=3.0),
                             paramwise_cfg=dict(
                                 norm_decay_mult=0.0, bias_decay_mult=0.0,
                                 custom_keys={
                                     'pos_embed': dict(decay_mult=0.0),
                                     'cls_token': dict(decay_mult=0.0),
                                     'mask_token': dict(decay_mult=0.0)
                                 }))
tiny_pt_param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=tiny_pt_max_epochs - 1, eta_min=1e-6,
         by_epoch=True, begin=1, end=tiny_pt_max_epochs, convert_to_iter_based=True)
]
tiny_pt_default_hooks = dict(
    logger=dict(type='LoggerHook', interval=5),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1))
tiny_pt_auto_scale_lr = dict(base_batch_size=16)
