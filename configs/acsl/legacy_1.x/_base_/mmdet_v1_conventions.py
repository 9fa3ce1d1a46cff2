# mmdetection v1 box conventions, for testing converted official ACSL checkpoints:
# anchors centred at (stride - 1) / 2 (LegacyAnchorGenerator, center_offset 0.5), box
# widths that count both end pixels (LegacyDeltaXYWHBBoxCoder, RPN and R-CNN), RoIAlign
# without the half-pixel shift and with 2 samples per bin (the official sample_num 2).
# The names carry a v1_ prefix so that they never clash with the full config's keys.
v1_rpn_head = dict(
    anchor_generator=dict(type='LegacyAnchorGenerator', center_offset=0.5),
    bbox_coder=dict(type='LegacyDeltaXYWHBBoxCoder'))
v1_bbox_roi_extractor = dict(
    roi_layer=dict(
        type='RoIAlign', output_size=7, sampling_ratio=2, aligned=False))
v1_bbox_coder = dict(type='LegacyDeltaXYWHBBoxCoder')
