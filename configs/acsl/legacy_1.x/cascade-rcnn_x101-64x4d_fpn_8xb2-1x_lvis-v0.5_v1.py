# Evaluation config for an official softmax baseline checkpoint of ACSL (mmdet v1.0rc0),
# converted with tools/model_converters/acsl_official_to_mmdet3.py. mmdet v1 used other
# box conventions than mmdet 3 (anchors centred at (stride - 1) / 2 with the "+1"
# box width, "+1" delta decoding, RoIAlign without the half-pixel shift and with 2
# samples per bin); the converted weights reproduce the official AP only with them,
# so this config switches to mmdet's legacy components. Test-only: train with
# ../cascade-rcnn_x101-64x4d_fpn_8xb2-1x_lvis-v0.5.py.
_base_ = ['../cascade-rcnn_x101-64x4d_fpn_8xb2-1x_lvis-v0.5.py']

cascade_target_stds = [[0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1],
                       [0.033, 0.033, 0.067, 0.067]]
model = dict(
    rpn_head=dict(
        anchor_generator=dict(type='LegacyAnchorGenerator', center_offset=0.5),
        bbox_coder=dict(type='LegacyDeltaXYWHBBoxCoder')),
    roi_head=dict(
        bbox_roi_extractor=dict(
            roi_layer=dict(
                type='RoIAlign', output_size=7, sampling_ratio=2,
                aligned=False)),
        bbox_head=[
            dict(
                type='Shared2FCBBoxHead',
                in_channels=256,
                fc_out_channels=1024,
                roi_feat_size=7,
                num_classes=1230,
                bbox_coder=dict(
                    type='LegacyDeltaXYWHBBoxCoder',
                    target_means=[0., 0., 0., 0.],
                    target_stds=stds),
                reg_class_agnostic=True,
                loss_cls=dict(
                    type='CrossEntropyLoss', use_sigmoid=False,
                    loss_weight=1.0),
                loss_bbox=dict(type='SmoothL1Loss', beta=1.0,
                               loss_weight=1.0))
            for stds in cascade_target_stds
        ]))
