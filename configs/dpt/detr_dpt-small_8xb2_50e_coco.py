# DETR with DPT-Small (the official ``dpt_small_f4``: only the stride-32 map, 512
# channels, projected to 256). AdamW 1e-4, backbone lr x0.1, grad clip 0.1,
# 50 epochs with one step after epoch 33. The official DPT DETR pipeline replaces
# mmdet's DETR augmentation (random crop, 480-800 resize): multi-scale resize to a
# short side of 640..800 (step 32, max 1333) + flip, no crop, images padded to a
# multiple of 32; test at (1333, 800).
_base_ = ['mmdet::detr/detr_r50_8xb2-150e_coco.py']
custom_imports = dict(imports=['projects.dpt'], allow_failed_imports=False)
default_scope = 'mmdet'

model = dict(
    backbone=dict(
        _delete_=True,
        type='DeformablePatchTransformer',
        arch='small',
        drop_path_rate=0.1,
        out_indices=(3, ),
        init_cfg=dict(
            type='Pretrained', checkpoint='checkpoints/dpt-small_in1k.pth')),
    data_preprocessor=dict(pad_size_divisor=32),
    neck=dict(in_channels=[512]))

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='RandomChoiceResize',
        scales=[(1333, 640), (1333, 672), (1333, 704), (1333, 736),
                (1333, 768), (1333, 800)],
        keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

max_epochs = 50
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[33],
        gamma=0.1)
]
