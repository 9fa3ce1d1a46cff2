# Stage 1 of the decoupled ACSL recipe: softmax Faster R-CNN R101-FPN on LVIS v1
# (the baseline of Wang et al., CVPR 2021); same recipe as ./faster-rcnn_r50_fpn_8xb2-1x_lvis-v1.py.
_base_ = ['./faster-rcnn_r50_fpn_8xb2-1x_lvis-v1.py']

model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')),
)

# COCO-trained Faster R-CNN R101-FPN; the classifier and box regressor (80 classes) are
# re-initialised.
load_from = 'https://download.openmmlab.com/mmdetection/v2.0/faster_rcnn/faster_rcnn_r101_fpn_2x_coco/faster_rcnn_r101_fpn_2x_coco_bbox_mAP-0.398_20200504_210455-1d2dac9c.pth'  # noqa: E501
