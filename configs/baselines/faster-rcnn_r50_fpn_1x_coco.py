# Faster R-CNN R50-FPN 1x on COCO 2017: mmdet's own recipe, kept here as the reference detector
# that the detection methods in MMVRL are compared with (and the proof of the training path).
_base_ = ['mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py']

default_scope = 'mmdet'
