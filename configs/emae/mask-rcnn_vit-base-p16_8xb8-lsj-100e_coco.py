# COCO transfer of an EMAE ViT-B/16: Mask R-CNN with a plain ViT backbone, following
# the ViTDet recipe (LSJ 1024 crops, 100 epochs = 184,375 iterations of 64 images, AdamW
# lr 1e-4 wd 0.1 without decay on 1-D parameters, layer decay 0.7, drop path 0.1,
# 250-iteration warm-up, test at 1024, 2-conv RPN, 4conv1fc box head, normalised heads).
# Differences, because mmdet's wheel ships neither ViTDet's window-attention ViT nor its
# simple pyramid: the backbone is mmpretrain's VisionTransformer (global attention, the
# exact pre-training architecture, so the checkpoint loads unchanged), the pyramid is
# mmseg's Feature2Pyramid on blocks 4/6/8/12 (as in BEiT/MAE segmentation) followed by
# an FPN, and GroupNorm replaces ViTDet's LayerNorm2d in the heads.
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    'mmdet::common/lsj-100e_coco-instance.py'
]

custom_imports = dict(
    imports=[
        'projects.emae', 'projects.common.ssl_layer_decay', 'mmpretrain.models',
        'mmseg.models'
    ],
    allow_failed_imports=False)

pretrained = 'work_dirs/emae_vit-base-p16_8xb128-amp-coslr-300e_in1k/epoch_300.pth'
image_size = (1024, 1024)
head_norm_cfg = dict(type='GN', num_groups=32, requires_grad=True)

model = dict(
    data_preprocessor=dict(
        pad_size_divisor=32,
        batch_augments=[
            dict(type='BatchFixedSizePad', size=image_size, pad_mask=True)
        ]),
    backbone=dict(
        _delete_=True,
        type='mmpretrain.VisionTransformer',
        arch='base',
        img_size=image_size[0],
        patch_size=16,
        out_indices=(3, 5, 7, 11),
        drop_path_rate=0.1,
        final_norm=False,
        out_type='featmap',
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=[
        dict(
            type='mmseg.Feature2Pyramid',
            embed_dim=768,
            rescales=[4, 2, 1, 0.5],
            norm_cfg=dict(type='SyncBN', requires_grad=True)),
        dict(
            type='FPN',
            in_channels=[768, 768, 768, 768],
            out_channels=256,
            norm_cfg=head_norm_cfg,
            num_outs=5)
    ],
    rpn_head=dict(num_convs=2),
    roi_head=dict(
        bbox_head=dict(
            type='Shared4Conv1FCBBoxHead',
            conv_out_channels=256,
            norm_cfg=head_norm_cfg),
        mask_head=dict(norm_cfg=head_norm_cfg)))

# ViTDet's data and schedule (mmdet projects/ViTDet/configs/lsj-100e_coco-instance.py):
# LSJ (flip, resize 0.1-2.0, 1024 crop, pad with 114), test at 1024 padded with 114,
# 184,375 iterations of 64 images (100 epochs) with steps at 163,889 / 177,546 (88 / 96
# epochs), 250-iteration linear warm-up from 0.001.
backend_args = None
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='RandomResize',
        scale=image_size,
        ratio_range=(0.1, 2.0),
        keep_ratio=True),
    dict(
        type='RandomCrop',
        crop_type='absolute_range',
        crop_size=image_size,
        recompute_bbox=True,
        allow_negative_crop=True),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1e-2, 1e-2)),
    dict(type='Pad', size=image_size, pad_val=dict(img=(114, 114, 114))),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=image_size, keep_ratio=True),
    dict(type='Pad', size=image_size, pad_val=dict(img=(114, 114, 114))),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    dataset=dict(
        _delete_=True,
        type='CocoDataset',
        data_root='data/coco/',
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(img='train2017/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

# no weight decay on biases, norms and other 1-D parameters, position embedding and
# cls token (mmdet's LayerDecayOptimizerConstructor of ViTDet)
optim_wrapper = dict(
    _delete_=True,
    type='AmpOptimWrapper',
    constructor='BackboneLayerDecayOptimWrapperConstructor',
    optimizer=dict(
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.1),
    paramwise_cfg=dict(
        layer_decay_rate=0.7,
        norm_decay_mult=0.,
        bias_decay_mult=0.,
        flat_decay_mult=0.,
        custom_keys={
            '.pos_embed': dict(decay_mult=0.),
            '.cls_token': dict(decay_mult=0.)
        }))

max_iters = 184375
interval = 5000
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=250),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_iters,
        by_epoch=False,
        milestones=[163889, 177546],
        gamma=0.1)
]
train_cfg = dict(
    _delete_=True,
    type='IterBasedTrainLoop',
    max_iters=max_iters,
    val_interval=interval,
    dynamic_intervals=[(max_iters // interval * interval + 1, max_iters)])
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        save_last=True,
        interval=interval,
        max_keep_ckpts=5))
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=False)
auto_scale_lr = dict(base_batch_size=64)
