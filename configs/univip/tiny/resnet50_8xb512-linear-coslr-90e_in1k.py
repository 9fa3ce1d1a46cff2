# Tiny twin of ../resnet50_8xb512-linear-coslr-90e_in1k.py: linear probe of the tiny
# pre-training twins' ResNet-18 (quarter width, 128-d pooled feature, all stages frozen) on
# tiny ImageNet (10 classes, 64x64), LARS lr 0.4, a short cosine schedule. The backbone starts
# from init_cfg=None so the twin runs alone; to probe a tiny pre-training run, chain:
#   python tools/train.py configs/univip/tiny/univip_resnet50_8xb64-amp-coslr-800e_coco.py \
#       --work-dir work_dirs/univip_tiny_pre
#   python tools/train.py configs/univip/tiny/resnet50_8xb512-linear-coslr-90e_in1k.py \
#       --cfg-options load_from=work_dirs/univip_tiny_pre/epoch_4.pth
# (`load_from` fills the backbone.* weights; target, projector and predictor keys are ignored.)
_base_ = ['../resnet50_8xb512-linear-coslr-90e_in1k.py']

data_root = 'data/tiny/imagenet/'
max_epochs = 10
model = dict(
    backbone=dict(depth=18, stem_channels=16, base_channels=16, init_cfg=None),
    head=dict(num_classes=10, in_channels=128, topk=(1, 5)))
data_preprocessor = dict(num_classes=10)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=64, backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=64, edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=64),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=64, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=50, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=0.4))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True, begin=0,
         end=max_epochs)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
auto_scale_lr = dict(base_batch_size=64)
