# Tiny twin of ../resnet18_8xb32_in1k.py: tiny ImageNet (10 classes, 64x64), ResNet-18 at quarter width,
# short schedule. Trains on CPU in about a minute.
_base_ = ['../resnet18_8xb32_in1k.py']

data_root = 'data/tiny/imagenet'

model = dict(
    backbone=dict(base_channels=16, stem_channels=16),
    head=dict(num_classes=10, in_channels=128, topk=(1, 5)))

data_preprocessor = dict(num_classes=10)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=56, crop_ratio_range=(0.6, 1.0)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=64, edge='short'),
    dict(type='CenterCrop', crop_size=56),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=32, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, split='train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, split='val', pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_evaluator = val_evaluator

max_epochs = 15
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = dict(
    _delete_=True, type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True,
    begin=0,
    end=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=5e-4))
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
auto_scale_lr = dict(base_batch_size=32)
