# COCO transfer of an EMAE ViT-B/16: Mask R-CNN with a plain ViT backbone, following
# the ViTDet recipe (LSJ 1024 crops, 100 effective epochs, AdamW lr 1e-4 wd 0.1, layer
# decay 0.7, drop path 0.1, 2-conv RPN, 4conv1fc box head, normalised heads).
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

train_dataloader = dict(batch_size=8)
optim_wrapper = dict(
    _delete_=True,
    type='AmpOptimWrapper',
    constructor='BackboneLayerDecayOptimWrapperConstructor',
    optimizer=dict(
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.1),
    paramwise_cfg=dict(
        layer_decay_rate=0.7,
        norm_decay_mult=0.,
        custom_keys={
            '.pos_embed': dict(decay_mult=0.),
            '.cls_token': dict(decay_mult=0.)
        }))
auto_scale_lr = dict(base_batch_size=64)
