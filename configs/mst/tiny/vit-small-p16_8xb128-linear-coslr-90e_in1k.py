# Tiny twin of ../vit-small-p16_8xb128-linear-coslr-90e_in1k.py: linear probe of the tiny
# pre-training twins' ViT (64-d, 4 blocks, 4x4 patches, 32x32 crops of tiny ImageNet,
# 10 classes) with a short schedule; AMP off (CPU). The backbone starts from init_cfg=None
# so the twin runs alone; to probe a tiny pre-training run, chain:
#   python tools/train.py configs/mst/tiny/mst_deit-small-p16_16xb64-amp-coslr-100e_in1k.py \
#       --work-dir work_dirs/mst_tiny_pre
#   python tools/train.py configs/mst/tiny/vit-small-p16_8xb128-linear-coslr-90e_in1k.py \
#       --cfg-options load_from=work_dirs/mst_tiny_pre/epoch_4.pth
# (`load_from` fills the backbone.* weights; teacher, head and decoder keys are ignored.)
_base_ = ['../vit-small-p16_8xb128-linear-coslr-90e_in1k.py']
data_root = 'data/tiny/imagenet/'
img_size, patch_size = 32, 4

model = dict(
    backbone=dict(
        arch=dict(
            _delete_=True,
            embed_dims=64, num_layers=4, num_heads=4,
            feedforward_channels=256),
        img_size=img_size,
        patch_size=patch_size,
        frozen_stages=4,
        init_cfg=None),
    head=dict(num_classes=10, in_channels=64))
data_preprocessor = dict(num_classes=10)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=img_size, backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=36, edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=img_size),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=50,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

max_epochs = 10
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(lr=0.1))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, by_epoch=True,
         begin=1, end=max_epochs, eta_min=0.0, convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
auto_scale_lr = dict(base_batch_size=64)
