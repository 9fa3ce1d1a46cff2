# SAIM ViT-B/16 pre-training, 300 epochs on ImageNet-1k (Qi et al., AAAI 2023): the official
# recipe (README command + argparse defaults of qiy20/SAIM). Two streams of 12 blocks each,
# random generation order per image and step, MLP predictor, 9x9 sigma-1 Gaussian-blurred
# per-patch-normalised L2 target. 32 GPUs x 64 = 2048 images, AdamW betas (0.9, 0.95),
# lr 2e-4 * 2048 / 256 = 1.6e-3, weight decay 0.5 with no decay for norms and biases only
# (timm add_weight_decay: the 3-D cls_token is decayed, pos_embed is frozen), 30 warm-up
# epochs then half-cycle cosine to 0, per iteration, AMP, no gradient clipping.
# The MAE base supplies the data pipeline (RandomResizedCrop 224, scale 0.2-1, bicubic, flip,
# ImageNet mean/std) and the runtime.
_base_ = ['mmpretrain::mae/mae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py']

custom_imports = dict(
    imports=['projects.saim', 'projects.emae'], allow_failed_imports=False)

model = dict(
    _delete_=True,
    type='SAIM',
    backbone=dict(
        type='SAIMViT',
        arch='b',
        img_size=224,
        patch_size=16,
        drop_path_rate=0.,
        generation_order='random'),
    neck=dict(
        type='SAIMQueryDecoder',
        embed_dims=768,
        num_layers=12,
        num_heads=12,
        feedforward_channels=3072,
        share_weights=False),
    head=dict(
        type='SAIMPretrainHead',
        norm_pix=True,
        patch_size=16,
        embed_dims=768,
        predictor='mlp',
        blur_kernel_size=9,
        blur_sigma=1.,
        loss=dict(type='PixelReconstructionLoss', criterion='L2')))

# Package-scoped bases tag every typed dict with `_scope_`, which mmengine would pass
# to the collate function as a keyword; re-declare it locally.
train_dataloader = dict(
    batch_size=64, collate_fn=dict(_delete_=True, type='default_collate'))

optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(
        type='AdamW', lr=2e-4 * 2048 / 256, betas=(0.9, 0.95),
        weight_decay=0.5),
    paramwise_cfg=dict(_delete_=True, norm_decay_mult=0., bias_decay_mult=0.))

# Official: lr = base * iter / warm-up iters from 0 (mmengine's LinearLR needs a
# start factor > 0), then lr * 0.5 * (1 + cos(pi * t)) down to min_lr 0.
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=30,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=270,
        eta_min=0.,
        by_epoch=True,
        begin=30,
        end=300,
        convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=300)
auto_scale_lr = dict(base_batch_size=2048)

# Held-out monitoring (`tools/test.py CONFIG CKPT`): next-patch prediction MSE to the
# blurred, normalised target on ImageNet val, with orders drawn from a fixed seed
# (mmpretrain has no pre-training metric; EMAE's ReconstructionMetric averages the
# per-image field).
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='ResizeEdge',
        scale=256,
        edge='short',
        backend='pillow',
        interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
test_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='ImageNet',
        data_root='data/imagenet/',
        ann_file='meta/val.txt',
        data_prefix=dict(img_path='val/'),
        pipeline=test_pipeline))
test_evaluator = dict(type='ReconstructionMetric', keys=('mse', ))
test_cfg = dict()
