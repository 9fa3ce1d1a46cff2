# Linear probe of a SAIM ViT-B/16, the official recipe (main_linprobe.py + README command):
# frozen encoder, cls token after the final norm, BatchNorm1d(affine=False, eps 1e-6) before
# the linear head (head init std 0.01), 32 GPUs x 64 = 2048, SGD momentum 0.9, lr
# 0.1 * 2048 / 256 = 0.8, weight decay 0, 90 epochs of cosine decay to 0 without warm-up,
# RandomResizedCrop 224 (bicubic) + flip; test: resize 256 (bicubic), centre crop 224.
# mmpretrain's LARS variant is vit-base-p16_8xb2048-linear-coslr-90e_in1k.py.
_base_ = ['./vit-base-p16_8xb2048-linear-coslr-90e_in1k.py']

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=224,
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
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
train_dataloader = dict(batch_size=64, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(
    _delete_=True,
    type='AmpOptimWrapper',
    optimizer=dict(
        type='SGD', lr=0.1 * 2048 / 256, momentum=0.9, weight_decay=0.))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=90,
        by_epoch=True,
        begin=0,
        end=90,
        eta_min=0.,
        convert_to_iter_based=True)
]
auto_scale_lr = dict(base_batch_size=2048)
