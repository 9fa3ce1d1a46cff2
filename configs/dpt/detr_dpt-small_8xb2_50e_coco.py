# DETR with DPT-Small (the official ``dpt_small_f4``: only the stride-32 map, 512
# channels, projected to 256). AdamW 1e-4, backbone lr x0.1, grad clip 0.1,
# 50 epochs with one step after epoch 33.
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
    neck=dict(in_channels=[512]))

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
