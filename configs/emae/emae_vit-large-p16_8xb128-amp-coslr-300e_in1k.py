# EMAE ViT-L/16 pre-training, 300 epochs (mmpretrain's MAE ViT-L recipe + EMAE).
_base_ = ['./emae_vit-base-p16_8xb128-amp-coslr-300e_in1k.py']

model = dict(
    backbone=dict(arch='l'),
    neck=dict(embed_dim=1024))
