# COCO transfer of a SAIM ViT-B/16: the same path as EMAE's (Mask R-CNN with mmpretrain's
# plain VisionTransformer, Feature2Pyramid + FPN, LSJ 1024, 100 epochs, AdamW lr 1e-4,
# layer decay 0.7; see ../emae/mask-rcnn_vit-base-p16_8xb8-lsj-100e_coco.py), loading the
# SAIM encoder. The paper's detection numbers were not available.
_base_ = ['../emae/mask-rcnn_vit-base-p16_8xb8-lsj-100e_coco.py']

custom_imports = dict(
    imports=[
        'projects.saim', 'projects.common.ssl_layer_decay', 'mmpretrain.models',
        'mmseg.models'
    ],
    allow_failed_imports=False)

pretrained = 'work_dirs/saim_vit-base-p16_32xb64-amp-coslr-800e_in1k/epoch_800.pth'
model = dict(backbone=dict(init_cfg=dict(checkpoint=pretrained)))
