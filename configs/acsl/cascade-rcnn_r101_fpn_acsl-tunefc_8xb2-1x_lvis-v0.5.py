# Stage 2 of the decoupled ACSL recipe (Wang et al., CVPR 2021) for Cascade R-CNN R101-FPN
# on LVIS v0.5: start from the softmax baseline (stage 1), freeze every parameter except
# the classifiers of the three stages (fc_cls), and re-train it for 12 epochs with ACSL
# (xi = 0.7, official background sampling, whose rare / common / frequent groups
# come from the LVIS category table alone). Testing uses the sigmoid scores of all
# C + 1 channels (ACSLLoss.get_activation).
_base_ = ['./cascade-rcnn_r101_fpn_8xb2-1x_lvis-v0.5.py']

cascade_target_stds = [[0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1],
                       [0.033, 0.033, 0.067, 0.067]]
# LVIS train and val share the category table and its `frequency` (r/c/f) field;
# ACSLLoss decodes only that table, never the annotations.
acsl_label_groups_file = 'data/lvis_v0.5/annotations/lvis_v0.5_val.json'
acsl_loss = dict(
    type='ACSLLoss',
    score_thr=0.7,
    bg_mode='official',
    bg_sample_ratios=(0.01, 0.1, 1.0),
    label_groups_file=acsl_label_groups_file,
    loss_weight=1.0)
model = dict(
    roi_head=dict(
        bbox_head=[
            dict(
                type='Shared2FCBBoxHead',
                in_channels=256,
                fc_out_channels=1024,
                roi_feat_size=7,
                num_classes=1230,
                bbox_coder=dict(
                    type='DeltaXYWHBBoxCoder',
                    target_means=[0., 0., 0., 0.],
                    target_stds=stds),
                reg_class_agnostic=True,
                loss_cls=acsl_loss,
                loss_bbox=dict(type='SmoothL1Loss', beta=1.0,
                               loss_weight=1.0))
            for stds in cascade_target_stds
        ]))

custom_hooks = [
    # the decoupled recipe: only the classifier is trained (official `selectp = 3`)
    dict(type='FreezeAllButHook', trainable=['roi_head.bbox_head.*.fc_cls']),
]
# frozen parameters get no gradient; DDP must tolerate that
find_unused_parameters = True

optim_wrapper = dict(optimizer=dict(lr=0.02))

# the stage-1 checkpoint (train ./cascade-rcnn_r101_fpn_8xb2-1x_lvis-v0.5.py first)
load_from = 'work_dirs/cascade-rcnn_r101_fpn_8xb2-1x_lvis-v0.5/epoch_12.pth'
