# Tiny twin of ../pass-reid_vit-small-p16_1xb64-amp-120e_market1501-256x128.py: tiny
# market1501 (12 training identities) at 64x32 (256x128 / 4), see ./_base_/tiny_reid.py.
_base_ = [
    '../pass-reid_vit-small-p16_1xb64-amp-120e_market1501-256x128.py',
    './_base_/tiny_reid.py'
]

img_size = (64, 32)
data_root = 'data/tiny/market1501'
model = dict(
    backbone=dict(
        arch=dict(
            _delete_=True,
            embed_dims=48,
            num_layers=2,
            num_heads=3,
            feedforward_channels=192),
        img_size=img_size,
        patch_size=8,
        init_cfg=None),
    neck=dict(in_channels=48),
    head=dict(num_classes=12, in_channels=96))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_size[::-1], interpolation='bicubic',
         backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=img_size, padding=2, pad_val=0),
    dict(type='RandomErasing', erase_prob=0.5, mode='rand',
         min_area_ratio=0.02, max_area_ratio=1 / 3, aspect_range=(0.3, 1 / 0.3),
         fill_color=(127.5, 127.5, 127.5), fill_std=(127.5, 127.5, 127.5)),
    dict(type='PackInputs', meta_keys=_base_.meta_keys),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_size[::-1], interpolation='bicubic',
         backend='pillow'),
    dict(type='PackInputs', meta_keys=_base_.meta_keys),
]
train_dataloader = dict(
    dataset=dict(data_root=data_root, pipeline=train_pipeline),
    **_base_.tiny_reid_loader)
test_dataloader = dict(
    dataset=dict(data_root=data_root, pipeline=test_pipeline),
    **_base_.tiny_reid_test_loader)
val_dataloader = test_dataloader
optim_wrapper = _base_.tiny_reid_optim_wrapper
param_scheduler = _base_.tiny_reid_param_scheduler
train_cfg = _base_.tiny_reid_train_cfg
default_hooks = _base_.tiny_reid_default_hooks
