# COCO transfer of an MST DeiT-S/16 (100-epoch pre-training: the paper's 42.7 box mAP row):
# the Mask R-CNN + ViT recipe of ../emae/mask-rcnn_vit-base-p16_8xb8-lsj-100e_coco.py
# (ViTDet-style LSJ 1024 crops, 100 epochs, AdamW lr 1e-4 wd 0.1, layer decay 0.7, drop path
# 0.1, Feature2Pyramid + FPN, GroupNorm heads) with the ViT-S encoder (384-d, blocks
# 4/6/8/12). The MST paper's detector settings were not available.
_base_ = ['../emae/mask-rcnn_vit-base-p16_8xb8-lsj-100e_coco.py']

custom_imports = dict(
    imports=[
        'projects.mst', 'projects.common.ssl_layer_decay', 'mmpretrain.models',
        'mmseg.models'
    ],
    allow_failed_imports=False)

pretrained = 'work_dirs/mst_deit-small-p16_16xb64-amp-coslr-100e_in1k/epoch_100.pth'
model = dict(
    backbone=dict(
        arch='deit-small',
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=[
        dict(
            type='mmseg.Feature2Pyramid',
            embed_dim=384,
            rescales=[4, 2, 1, 0.5],
            norm_cfg=dict(type='SyncBN', requires_grad=True)),
        dict(
            type='FPN',
            in_channels=[384, 384, 384, 384],
            out_channels=256,
            norm_cfg=dict(type='GN', num_groups=32, requires_grad=True),
            num_outs=5)
    ])
