# PASS ViT-S/16 part-aware self-distillation, 100 epochs on LUPerson (official
# PASS/script/vit-s_full_lup-pass.sh + main_pass.py defaults): 2 global crops 256x128 and
# 3 local crops 128x64 from each of 3 overlapping horizontal areas, CLS + 3 PART tokens,
# 4 DINO heads with K = 65536 unit-norm prototypes, 44-term loss with 4 centers
# (T_s 0.1, T_t 0.04, center momentum 0.9), EMA teacher tau 0.996 -> 1 on the globals,
# AdamW lr 5e-4 x 1024/256 with 10 warm-up epochs and cosine to 1e-6 per iteration,
# weight decay 0.04 -> 0.4 (cosine, per iteration) on the >= 2-D non-bias parameters,
# per-parameter gradient clipping at 3.0, prototypes frozen during epoch 0, fp16, seed 0.
# Test: frozen teacher features cat(z_cls, mean z_part) on Market-1501 (Market protocol).
_base_ = ['mmpretrain::_base_/default_runtime.py']

custom_imports = dict(imports=['projects.pass'], allow_failed_imports=False)

num_prototypes = 65536
embed_dims = 384
batch_size = 128  # per GPU, 8 GPUs
max_epochs = 100
warmup_epochs = 10

model = dict(
    type='PASS',
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor',
        mean=[123.675, 116.28, 103.53],  # ImageNet statistics in pre-training
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='PASSViT',
        arch='deit-small',
        img_size=(256, 128),
        patch_size=16,
        num_parts=3,
        drop_path_rate=0.1,
        pos_embed_mode='pretrain'),
    neck=dict(
        type='PASSProjector',
        in_channels=embed_dims,
        out_channels=num_prototypes,
        num_parts=3,
        hidden_channels=2048,
        bottleneck_channels=256,
        num_layers=3,
        use_bn=False,
        norm_last_layer=True),
    head=dict(
        type='PASSHead',
        num_parts=3,
        num_global=2,
        loss=dict(
            type='CenteredCrossEntropyLoss',
            out_channels=num_prototypes,
            num_centers=4,
            student_temp=0.1,
            teacher_temp=0.04,
            warmup_teacher_temp=0.04,
            warmup_teacher_temp_epochs=0,
            center_momentum=0.9)),
    base_momentum=0.004,  # mmpretrain EMA momentum = 1 - tau (tau 0.996 -> 1)
    end_momentum=0.0)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='PASSMultiCrop',
        num_parts=3,
        area_starts=(0.0, 0.25, 0.5),
        area_height=0.5,
        global_crop_size=(256, 128),
        global_crop_scale=(0.4, 1.0),
        local_crop_size=(128, 64),
        num_local_crops=9,
        local_crop_scale=(0.1, 0.8),
        global_blur_probs=(1.0, 0.1),
        global_solarize_probs=(0.0, 0.2),
        local_blur_prob=0.5,
        blur_radius_range=(0.1, 2.0)),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=10,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='CustomDataset',
        data_root='data/LUPerson',
        data_prefix='images',
        with_label=False,
        pipeline=train_pipeline))

optim_wrapper = dict(
    type='PerParameterClipAmpOptimWrapper',
    optimizer=dict(type='AdamW', lr=5e-4 * 1024 / 256, weight_decay=0.04),
    clip_grad=dict(max_norm=3.0),
    # official get_params_groups: biases and all 1-D parameters get no decay;
    # tokens and position embeddings (3-D) are decayed
    paramwise_cfg=dict(
        norm_decay_mult=0.0, bias_decay_mult=0.0, flat_decay_mult=0.0))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-9,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - warmup_epochs,
        eta_min=1e-6,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs,
        convert_to_iter_based=True)
]
custom_hooks = [
    dict(type='CosineWeightDecayHook', end_weight_decay=0.4),
    dict(type='FreezeLastLayerHook', freeze_epochs=1),
    dict(type='TeacherTempScheduleHook'),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=1024, enable=False)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=4,
                    save_last=True))
randomness = dict(seed=0)

# Frozen-feature ReID monitor: teacher features on Market-1501 (`tools/test.py`).
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(128, 256), interpolation='bicubic',
         backend='pillow'),
    dict(type='PackInputs',
         meta_keys=('sample_idx', 'img_path', 'pid', 'camid', 'query')),
]
test_dataloader = dict(
    batch_size=256,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='Market1501Dataset',
        data_root='data/market1501',
        split='test',
        pipeline=test_pipeline))
test_evaluator = dict(type='ReIDMetric')
test_cfg = dict()
