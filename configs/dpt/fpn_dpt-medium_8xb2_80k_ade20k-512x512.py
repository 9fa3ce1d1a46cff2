_base_ = ['./fpn_dpt-small_8xb2_80k_ade20k-512x512.py']

model = dict(
    backbone=dict(
        arch='medium',
        init_cfg=dict(checkpoint='checkpoints/dpt-medium_in1k.pth')))
