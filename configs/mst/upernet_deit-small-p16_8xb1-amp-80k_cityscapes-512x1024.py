# Cityscapes transfer of an MST DeiT-S/16 (100-epoch pre-training: the paper's 74.04 mIoU
# row): UperNet on blocks 4/6/8/12 through Feature2Pyramid (mmseg's MAE/BEiT layout) with
# mmseg's Cityscapes 512x1024 pipeline and 80k schedule, AdamW lr 1e-4, layer decay 0.65,
# weight decay 0.05, drop path 0.1, 8 x 1 images, whole-image test with sliding 512x1024
# windows. The MST paper's segmentation settings were not available. The backbone is
# mmpretrain's VisionTransformer (the pre-training architecture), loaded with `backbone.`.
_base_ = [
    'mmseg::_base_/models/upernet_mae.py', 'mmseg::_base_/datasets/cityscapes.py',
    'mmseg::_base_/default_runtime.py', 'mmseg::_base_/schedules/schedule_80k.py'
]

custom_imports = dict(
    imports=['projects.mst', 'projects.common.ssl_layer_decay', 'mmpretrain.models'],
    allow_failed_imports=False)

pretrained = 'work_dirs/mst_deit-small-p16_16xb64-amp-coslr-100e_in1k/epoch_100.pth'
crop_size = (512, 1024)
model = dict(
    data_preprocessor=dict(size=crop_size),
    pretrained=None,
    backbone=dict(
        _delete_=True,
        type='mmpretrain.VisionTransformer',
        arch='deit-small',
        img_size=crop_size,
        patch_size=16,
        out_indices=(3, 5, 7, 11),
        drop_path_rate=0.1,
        final_norm=False,
        out_type='featmap',
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(embed_dim=384, rescales=[4, 2, 1, 0.5]),
    decode_head=dict(in_channels=[384, 384, 384, 384], num_classes=19, channels=384),
    auxiliary_head=dict(in_channels=384, num_classes=19),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(341, 683)))

train_dataloader = dict(batch_size=1)
optim_wrapper = dict(
    _delete_=True,
    type='AmpOptimWrapper',
    constructor='BackboneLayerDecayOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(
        layer_decay_rate=0.65,
        norm_decay_mult=0.,
        custom_keys={
            '.pos_embed': dict(decay_mult=0.),
            '.cls_token': dict(decay_mult=0.)
        }))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=80000)
]
