# 100-epoch fine-tuning of a SAIM ViT-B/16 on ImageNet-1k, the official recipe
# (README command): cls token after the final norm (`--cls_token`), 32 GPUs x 32 = 1024,
# AdamW lr 5e-4 * 1024 / 256 = 2e-3, weight decay 0.05 (none for norms, biases, cls_token,
# pos_embed), layer decay 0.65, 20 warm-up epochs then cosine to 1e-6, drop path 0.1,
# RandAugment m9-mstd0.5, RandomErasing 0.25, Mixup 0.8 / CutMix 1.0, label smoothing 0.1,
# head init std 2e-5. Everything else is mmpretrain's MAE fine-tuning config. Pass another
# pre-training checkpoint with
#   --cfg-options model.backbone.init_cfg.checkpoint=<work_dir>/epoch_800.pth
# (an official checkpoint: convert it with tools/model_converters/saim2mmvrl.py first).
_base_ = ['mmpretrain::mae/benchmarks/vit-base-p16_8xb128-coslr-100e_in1k.py']

custom_imports = dict(imports=['projects.saim'], allow_failed_imports=False)

pretrained = 'work_dirs/saim_vit-base-p16_32xb64-amp-coslr-800e_in1k/epoch_800.pth'
model = dict(
    backbone=dict(
        drop_path_rate=0.1,
        out_type='cls_token',
        final_norm=True,
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    head=dict(
        in_channels=768,
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=2e-5)]))

train_dataloader = dict(batch_size=32)
optim_wrapper = dict(
    optimizer=dict(
        type='AdamW', lr=5e-4 * 1024 / 256, weight_decay=0.05,
        betas=(0.9, 0.999)),
    paramwise_cfg=dict(layer_decay_rate=0.65))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=20,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=80,
        by_epoch=True,
        begin=20,
        end=100,
        eta_min=1e-6,
        convert_to_iter_based=True)
]
train_cfg = dict(by_epoch=True, max_epochs=100)
auto_scale_lr = dict(base_batch_size=1024)
