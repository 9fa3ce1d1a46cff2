# The tiny EMAE pre-training setup of tiny_pretrain_300e.py with an encoder one
# notch wider (96-d, 6 heads), standing in for ViT-L.
_base_ = ['./tiny_pretrain_300e.py']

tiny_pt_model = dict(
    backbone=dict(
        arch=dict(embed_dims=96, num_heads=6, feedforward_channels=384)),
    neck=dict(embed_dim=96))
