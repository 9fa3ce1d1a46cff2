# Stage 1 of the decoupled ACSL recipe: softmax Cascade R-CNN X101-64x4d-FPN on LVIS v0.5
# (the baseline of Wang et al., CVPR 2021); same recipe as ./cascade-rcnn_r101_fpn_8xb2-1x_lvis-v0.5.py.
_base_ = ['./cascade-rcnn_r101_fpn_8xb2-1x_lvis-v0.5.py']

model = dict(
    backbone=dict(
        type='ResNeXt',
        depth=101,
        groups=64,
        base_width=4,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True),
        style='pytorch',
        init_cfg=dict(
            type='Pretrained', checkpoint='open-mmlab://resnext101_64x4d')),
)

# COCO-trained Cascade R-CNN X101-64x4d-FPN; the classifier and box regressor (80 classes) are
# re-initialised.
load_from = 'https://download.openmmlab.com/mmdetection/v2.0/cascade_rcnn/cascade_rcnn_x101_64x4d_fpn_20e_coco/cascade_rcnn_x101_64x4d_fpn_20e_coco_20200509_224357-051557b1.pth'  # noqa: E501
