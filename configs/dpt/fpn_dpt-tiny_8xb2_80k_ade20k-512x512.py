_base_ = ['./fpn_dpt-small_8xb2_80k_ade20k-512x512.py']

model = dict(
    backbone=dict(
        arch='tiny',
        init_cfg=dict(checkpoint='checkpoints/dpt-tiny_in1k.pth')))
