# Tiny twin of ../pass_vit-small-p16_8xb128-amp-coslr-100e_luperson.py: tiny LUPerson
# (192 synthetic persons, 100-160 px high), globals 64x32 and locals 32x16 with 8x8
# patches (8x4 / 4x2 grids), a 48-d 2-block ViT, K = 64 prototypes, 3 epochs. AMP is
# switched off (CPU). The test monitors frozen teacher features on tiny Market-1501.
_base_ = ['../pass_vit-small-p16_8xb128-amp-coslr-100e_luperson.py']

num_prototypes = 64
max_epochs = 3
model = dict(
    backbone=dict(
        arch=dict(
            _delete_=True,
            embed_dims=48,
            num_layers=2,
            num_heads=3,
            feedforward_channels=192),
        img_size=(64, 32),
        patch_size=8),
    neck=dict(
        in_channels=48,
        out_channels=num_prototypes,
        hidden_channels=64,
        bottleneck_channels=32),
    head=dict(loss=dict(out_channels=num_prototypes)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='PASSMultiCrop',
        num_parts=3,
        global_crop_size=(64, 32),
        local_crop_size=(32, 16),
        num_local_crops=9,
        local_crop_scale=(0.1, 0.8)),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root='data/tiny/luperson', pipeline=train_pipeline))
optim_wrapper = dict(type='PerParameterClipOptimWrapper',
                     optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-9, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min=1e-6,
         by_epoch=True, begin=1, end=max_epochs, convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))

test_pipeline = _base_.test_pipeline
test_pipeline[1].scale = (32, 64)
test_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root='data/tiny/market1501', pipeline=test_pipeline))
