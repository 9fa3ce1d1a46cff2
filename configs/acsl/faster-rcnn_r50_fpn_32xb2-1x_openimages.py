# Stage 1 of the decoupled ACSL recipe on Open Images: mmdet's softmax Faster R-CNN R50-FPN
# (601 boxable classes, 32x2 images, Open Images AP@0.5 with group-of boxes). The paper
# reports +5.2 AP on Open Images with R50-FPN; its exact split and schedule are not in
# the released code, so mmdet's own Open Images recipe is the baseline here.
_base_ = ['mmdet::openimages/faster-rcnn_r50_fpn_32xb2-1x_openimages.py']
custom_imports = dict(imports=['projects.acsl'], allow_failed_imports=False)
default_scope = 'mmdet'
