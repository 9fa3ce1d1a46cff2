# Shared by the tiny twins of
# ../retinanet_dpt-{tiny,small,medium}-fpn_8xb2_ms-3x_coco.py: the 1x tiny setup
# with multi-scale short sides 128-192 and 18 epochs.
_base_ = ['./tiny_coco_retinanet_1x.py']

tiny_coco_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='RandomChoiceResize',
        scales=[(320, 128), (320, 160), (320, 192)],
        keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
tiny_coco_train_dataloader = dict(
    dataset=dict(pipeline=tiny_coco_train_pipeline))

tiny_coco_max_epochs = 18
tiny_coco_train_cfg = dict(
    max_epochs=tiny_coco_max_epochs, val_interval=tiny_coco_max_epochs)
tiny_coco_param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=20),
    dict(
        type='MultiStepLR',
        begin=0,
        end=tiny_coco_max_epochs,
        by_epoch=True,
        milestones=[14, 17],
        gamma=0.1)
]
tiny_coco_default_hooks = dict(
    checkpoint=dict(interval=tiny_coco_max_epochs))
