# Classifier init of the released code for training WITH ACSL from the start
# (end-to-end): fc_cls weight N(0, 0.01), every one of the C + 1 biases at the prior
# p = 0.01, i.e. -log((1 - 0.01) / 0.01) = -4.595, so all sigmoid scores start low.
# The decoupled recipe does not need it (stage 2 loads the softmax classifier of
# stage 1). Use it from a config that trains with ACSLLoss:
#   _base_ = ['./faster-rcnn_r50_fpn_8xb2-1x_lvis-v0.5.py', './_base_/acsl_prior_init.py']
#   model = dict(roi_head=dict(bbox_head=dict(
#       init_cfg=_base_.acsl_bbox_head_init_cfg,
#       loss_cls=dict(_delete_=True, type='ACSLLoss', ...))))
# The other entries are mmdet's defaults for Shared2FCBBoxHead.
acsl_prior_prob = 0.01
acsl_bbox_head_init_cfg = [
    dict(
        type='Normal',
        std=0.01,
        bias_prob=acsl_prior_prob,
        override=dict(name='fc_cls')),
    dict(type='Normal', std=0.001, override=dict(name='fc_reg')),
    dict(
        type='Xavier',
        distribution='uniform',
        override=[
            dict(name='shared_fcs'),
            dict(name='cls_fcs'),
            dict(name='reg_fcs')
        ])
]
