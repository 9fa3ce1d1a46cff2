# MST pre-training of DeiT-S/16 (ViT-S: 384-d, 12 blocks, 6 heads) on ImageNet-1k, 100 epochs.
# MST (NeurIPS 2021) publishes no code and its hyper-parameter tables were unavailable, so the
# DINO ViT-S/16 recipe is the default: 16 GPUs x 64 = 1024 images per step, AdamW
# lr 5e-4 x 1024 / 256 with 10 linear warm-up epochs then cosine to 1e-6, weight decay
# cosine 0.04 -> 0.4 (none on norms, biases, position embedding, [CLS] and [MASK] tokens),
# gradient clip 3.0, drop path 0.1, fp16, teacher tau 0.996 -> 1, student temperature 0.1,
# teacher 0.04 -> 0.07 over 30 epochs, centre momentum 0.9, prototypes frozen in epoch 1,
# 2 x 224 global + 8 x 96 local crops. MST's inferred settings (spec section 1.3-1.4, every one
# a config key): candidate set = lowest-attention half (low_attn_ratio 0.5), each candidate
# masked with p 0.5, mean head attention of the last block, deconvolution decoder restoring
# the whole crop, L1 loss with weight 1.0.
# `tools/test.py <this config> <checkpoint>` reports the 20-NN accuracy (T = 0.07) of the
# frozen [CLS] feature, the training split serving as the labelled bank.
_base_ = ['mmpretrain::_base_/default_runtime.py']

custom_imports = dict(imports=['projects.mst'], allow_failed_imports=False)

data_root = 'data/imagenet/'
patch_size = 16
out_dim = 65536
max_epochs = 100
warmup_epochs = 10
base_lr = 5e-4 * 1024 / 256

model = dict(
    type='MST',
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='MSTViT',
        arch='deit-small',
        img_size=224,
        patch_size=patch_size,
        drop_path_rate=0.1,
        out_type='raw',
        attn_layer=-1,
        head_reduce='mean'),
    neck=dict(
        type='DINOProjectionHead',
        in_channels=384,
        out_channels=out_dim,
        hidden_channels=2048,
        bottleneck_channels=256,
        num_layers=3,
        norm_last_layer=True),
    head=dict(
        type='MSTHead',
        dino_loss=dict(
            type='CenteredCrossEntropyLoss',
            out_channels=out_dim,
            student_temp=0.1,
            teacher_temp=0.07,
            warmup_teacher_temp=0.04,
            warmup_teacher_temp_epochs=30,
            center_momentum=0.9),
        restore_loss=dict(
            type='ImageRestoreLoss',
            criterion='L1',
            restore_region='all',
            loss_weight=1.0)),
    decoder=dict(
        type='MSTGlobalDecoder',
        in_channels=384,
        patch_size=patch_size,
        decoder_type='deconv',
        channels=256),
    masker=dict(
        type='AttentionGuidedMasker',
        low_attn_ratio=0.5,
        mask_prob=0.5,
        guidance='attention'),
    num_global_crops=2,
    teacher_momentum=0.004,
    teacher_end_momentum=0.0)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='MSTMultiCrop',
        patch_size=patch_size,
        global_crop_size=224,
        local_crop_size=96,
        num_local_crops=8,
        global_crop_scale=(0.4, 1.0),
        local_crop_scale=(0.05, 0.4),
        global_blur_probs=(1.0, 0.1),
        global_solarize_probs=(0.0, 0.2),
        local_blur_prob=0.5),
    dict(type='PackInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow',
         interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs')
]
train_dataloader = dict(
    batch_size=64,
    num_workers=10,
    persistent_workers=True,
    pin_memory=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='ImageNet', data_root=data_root, split='train',
        pipeline=train_pipeline))
test_dataloader = dict(
    batch_size=128,
    num_workers=10,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='ImageNet', data_root=data_root, split='val',
        pipeline=test_pipeline))
knn_bank_dataloader = dict(
    test_dataloader,
    dataset=dict(test_dataloader['dataset'], split='train'))
test_cfg = dict(type='FrozenFeatureTestLoop', bank_dataloader=knn_bank_dataloader)
test_evaluator = [dict(type='KNNAccuracy', k=20, temperature=0.07, topk=(1, 5))]

optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(type='AdamW', lr=base_lr, betas=(0.9, 0.999), weight_decay=0.04),
    clip_grad=dict(max_norm=3.0),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={
            'pos_embed': dict(decay_mult=0.0),
            'cls_token': dict(decay_mult=0.0),
            'mask_token': dict(decay_mult=0.0)
        }))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=1e-6,
         by_epoch=True, begin=warmup_epochs, end=max_epochs,
         convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
custom_hooks = [
    dict(type='TeacherTempScheduleHook'),
    dict(type='FreezeLastLayerHook', freeze_epochs=1),
    dict(type='CosineWeightDecayHook', end_weight_decay=0.4)
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=3))
randomness = dict(seed=0, diff_rank_seed=True)
auto_scale_lr = dict(base_batch_size=1024)
find_unused_parameters = False
