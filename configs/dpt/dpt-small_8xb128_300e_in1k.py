# DPT-Small on ImageNet-1k, the official DeiT-style recipe (8 GPUs x 128 images,
# AdamW 1e-3, 300 epochs, cosine, RandAugment, Mixup/CutMix, repeated augmentation,
# drop-path warm-up).
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs64_swin_224.py',
    'mmpretrain::_base_/schedules/imagenet_bs1024_adamw_swin.py',
    'mmpretrain::_base_/default_runtime.py',
]
custom_imports = dict(imports=['projects.dpt'], allow_failed_imports=False)
default_scope = 'mmpretrain'

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='DeformablePatchTransformer',
        arch='small',
        drop_path_rate=0.1,
        out_type='cls_token',
        out_indices=(3, ),
        final_norm=True),
    neck=None,
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=512,
        loss=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        init_cfg=dict(type='TruncNormal', layer='Linear', std=.02, bias=0.)),
    train_cfg=dict(augments=[
        dict(type='Mixup', alpha=0.8),
        dict(type='CutMix', alpha=1.0)
    ]))

train_dataloader = dict(
    batch_size=128,
    sampler=dict(type='RepeatAugSampler', shuffle=True))

# timm's weight-decay rule: no decay on 1-D parameters (norms, biases, DePatch's
# wh_bias) and the cls token; position embeddings keep their decay.
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
    paramwise_cfg=dict(
        _delete_=True,
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        flat_decay_mult=0.0,
        custom_keys={'.cls_token': dict(decay_mult=0.0)}))

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=True,
        begin=0,
        end=5,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        eta_min=1e-5,
        by_epoch=True,
        begin=5,
        end=300)
]
train_cfg = dict(by_epoch=True, max_epochs=300, val_interval=1)

# The official training turns stochastic depth on only from epoch 100.
custom_hooks = [
    dict(type='DropPathWarmupHook', warmup_epochs=100, drop_path_rate=0.1)
]
auto_scale_lr = dict(base_batch_size=1024)
