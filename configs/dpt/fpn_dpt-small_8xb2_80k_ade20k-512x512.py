# Semantic FPN with a DPT-Small backbone on ADE20K, following PVT's segmentation
# recipe (AdamW 1e-4, wd 1e-4, poly 0.9, 80k iterations, 16 images of 512x512).
# Our addition: the DPT paper reports no segmentation results.
_base_ = [
    'mmseg::_base_/models/fpn_r50.py',
    'mmseg::_base_/datasets/ade20k.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_80k.py'
]
custom_imports = dict(imports=['projects.dpt'], allow_failed_imports=False)
default_scope = 'mmseg'

crop_size = (512, 512)
model = dict(
    pretrained=None,
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        _delete_=True,
        type='DeformablePatchTransformer',
        arch='small',
        drop_path_rate=0.1,
        out_indices=(0, 1, 2, 3),
        init_cfg=dict(
            type='Pretrained', checkpoint='checkpoints/dpt-small_in1k.pth')),
    neck=dict(in_channels=[64, 128, 320, 512], num_outs=4),
    decode_head=dict(num_classes=150))

train_dataloader = dict(batch_size=2)

optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=1e-4),
    clip_grad=None)
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=0.9,
        begin=0,
        end=80000,
        by_epoch=False)
]
