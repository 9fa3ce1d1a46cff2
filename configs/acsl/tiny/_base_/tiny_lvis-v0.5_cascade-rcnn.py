# The tiny LVIS v0.5 setup of tiny_lvis-v0.5_faster-rcnn.py with a three-stage
# Cascade R-CNN RoI head (class-agnostic regression, per-stage target stds) for
# the Cascade R-CNN tiny twins; the ACSL fine-tuning twins use
# tiny_cascade_acsl_model, the same model with the ACSL loss in every stage.
# Every name carries a tiny_ prefix so that it never clashes with a key of the
# full config; each twin assigns them to the real keys.
_base_ = ['./tiny_lvis-v0.5_faster-rcnn.py']

tiny_cascade_target_stds = [[0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1],
                            [0.033, 0.033, 0.067, 0.067]]
tiny_cascade_model = dict(
    backbone=_base_.tiny_lvis_model.backbone,
    neck=_base_.tiny_lvis_model.neck,
    rpn_head=_base_.tiny_lvis_model.rpn_head,
    roi_head=dict(
        bbox_roi_extractor=_base_.tiny_lvis_model.roi_head.bbox_roi_extractor,
        bbox_head=[
            dict(
                type='Shared2FCBBoxHead',
                in_channels=32,
                fc_out_channels=64,
                roi_feat_size=4,
                num_classes=len(_base_.tiny_lvis_classes),
                bbox_coder=dict(
                    type='DeltaXYWHBBoxCoder',
                    target_means=[0., 0., 0., 0.],
                    target_stds=stds),
                reg_class_agnostic=True,
                loss_cls=dict(
                    type='CrossEntropyLoss', use_sigmoid=False,
                    loss_weight=1.0),
                loss_bbox=dict(type='SmoothL1Loss', beta=1.0,
                               loss_weight=1.0))
            for stds in tiny_cascade_target_stds
        ]),
    train_cfg=dict(
        rpn=_base_.tiny_lvis_model.train_cfg.rpn,
        rpn_proposal=_base_.tiny_lvis_model.train_cfg.rpn_proposal),
    test_cfg=_base_.tiny_lvis_model.test_cfg)

tiny_cascade_acsl_loss = dict(
    type='ACSLLoss',
    score_thr=0.7,
    bg_mode='official',
    bg_sample_ratios=(0.01, 0.1, 1.0),
    label_groups_file=_base_.tiny_lvis_label_groups_file,
    loss_weight=1.0)
tiny_cascade_acsl_model = dict(
    tiny_cascade_model,
    roi_head=dict(
        tiny_cascade_model['roi_head'],
        bbox_head=[
            dict(head, loss_cls=tiny_cascade_acsl_loss)
            for head in tiny_cascade_model['roi_head']['bbox_head']
        ]))
