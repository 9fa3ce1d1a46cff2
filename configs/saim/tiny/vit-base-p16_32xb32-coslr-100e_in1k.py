# Tiny twin of ../vit-base-p16_32xb32-coslr-100e_in1k.py: fine-tuning the tiny pre-training
# twins' ViT (64-d, 4 blocks, 4x4 patches, cls token after the final norm) on 32x32 crops of
# tiny ImageNet (10 classes) with the same recipe (layer decay, RandAugment, RandomErasing,
# Mixup/CutMix, label smoothing, drop path) and a short schedule. init_cfg=None so the twin
# runs alone; chain it after a tiny pre-training run with
#   --cfg-options load_from=work_dirs/saim_tiny_pre/epoch_20.pth
_base_ = ['../vit-base-p16_32xb32-coslr-100e_in1k.py', './_base_/tiny_probe.py']

img_size = _base_.tiny_lp_img_size
model = dict(
    backbone=dict(
        arch=dict(
            _delete_=True,
            embed_dims=64, num_layers=4, num_heads=4,
            feedforward_channels=256),
        img_size=img_size,
        patch_size=4,
        init_cfg=None),
    head=dict(num_classes=10, in_channels=64))
data_preprocessor = _base_.tiny_lp_data_preprocessor

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=img_size,
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(
        type='RandAugment',
        policies='timm_increasing',
        num_policies=2,
        total_level=10,
        magnitude_level=9,
        magnitude_std=0.5,
        hparams=dict(pad_val=[104, 116, 124], interpolation='bicubic')),
    dict(
        type='RandomErasing',
        erase_prob=0.25,
        mode='rand',
        min_area_ratio=0.02,
        max_area_ratio=1 / 3,
        fill_color=[103.53, 116.28, 123.675],
        fill_std=[57.375, 57.12, 58.395]),
    dict(type='PackInputs')
]
train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=_base_.tiny_lp_data_root, pipeline=train_pipeline))
val_dataloader = _base_.tiny_lp_val_dataloader
test_dataloader = val_dataloader

max_epochs = 10
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=2,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 2, by_epoch=True,
         begin=2, end=max_epochs, eta_min=1e-6, convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = _base_.tiny_lp_default_hooks
auto_scale_lr = dict(base_batch_size=32)
