# ADE20K transfer of a SAIM ViT-B/16: the same path as EMAE's (mmseg's MAE UperNet recipe on
# mmpretrain's plain VisionTransformer, 512x512, 160k iterations, layer decay 0.65; see
# ../emae/upernet_vit-base-p16_8xb2-amp-160k_ade20k-512x512.py), loading the SAIM encoder.
# The paper's segmentation numbers were not available.
_base_ = ['../emae/upernet_vit-base-p16_8xb2-amp-160k_ade20k-512x512.py']

custom_imports = dict(
    imports=[
        'projects.saim', 'projects.common.ssl_layer_decay', 'mmpretrain.models'
    ],
    allow_failed_imports=False)

pretrained = 'work_dirs/saim_vit-base-p16_32xb64-amp-coslr-800e_in1k/epoch_800.pth'
model = dict(backbone=dict(init_cfg=dict(checkpoint=pretrained)))
