_base_ = ['./mask-rcnn_dpt-tiny-fpn_8xb2_1x_coco.py']

model = dict(
    backbone=dict(
        arch='small',
        init_cfg=dict(checkpoint='checkpoints/dpt-small_in1k.pth')))
