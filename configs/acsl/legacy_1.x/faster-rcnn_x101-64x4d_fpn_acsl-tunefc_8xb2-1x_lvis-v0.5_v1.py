# Evaluation config for an official ACSL checkpoint (mmdetection v1.0rc0),
# converted with tools/model_converters/acsl_official_to_mmdet3.py. mmdet v1 used other
# box conventions than mmdet 3 (anchors centred at (stride - 1) / 2 with the "+1"
# box width, "+1" delta decoding, RoIAlign without the half-pixel shift and with 2
# samples per bin); the converted weights are evaluated with those conventions, so
# this config switches to mmdet's legacy components. Test-only: train with
# ../faster-rcnn_x101-64x4d_fpn_acsl-tunefc_8xb2-1x_lvis-v0.5.py.
_base_ = [
    '../faster-rcnn_x101-64x4d_fpn_acsl-tunefc_8xb2-1x_lvis-v0.5.py',
    './_base_/mmdet_v1_conventions.py'
]

model = dict(
    rpn_head=_base_.v1_rpn_head,
    roi_head=dict(
        bbox_roi_extractor=_base_.v1_bbox_roi_extractor,
        bbox_head=dict(bbox_coder=_base_.v1_bbox_coder)),
    # the official test keeps every score (score_thr 0.0) before NMS and top 300
    test_cfg=dict(rcnn=dict(score_thr=0.0)))
