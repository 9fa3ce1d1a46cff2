# Stage 2 of the decoupled ACSL recipe (Wang et al., CVPR 2021) for Faster R-CNN R101-FPN
# on LVIS v1: start from the softmax baseline (stage 1), freeze every parameter except
# the classifier (fc_cls), and re-train it for 12 epochs with ACSL
# (xi = 0.7, official background sampling, whose rare / common / frequent groups
# come from the LVIS category table alone). Testing uses the sigmoid scores of all
# C + 1 channels (ACSLLoss.get_activation).
_base_ = ['./faster-rcnn_r101_fpn_8xb2-1x_lvis-v1.py']

# LVIS train and val share the category table and its `frequency` (r/c/f) field;
# ACSLLoss decodes only that table, never the annotations.
acsl_label_groups_file = 'data/lvis_v1/annotations/lvis_v1_val.json'
model = dict(
    roi_head=dict(
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True,
                type='ACSLLoss',
                score_thr=0.7,
                bg_mode='official',
                bg_sample_ratios=(0.01, 0.1, 1.0),
                label_groups_file=acsl_label_groups_file,
                loss_weight=1.0))))

custom_hooks = [
    # the decoupled recipe: only the classifier is trained (official `selectp = 1`)
    dict(type='FreezeAllButHook', trainable=['roi_head.bbox_head.fc_cls']),
]
# frozen parameters get no gradient; DDP must tolerate that
find_unused_parameters = True

optim_wrapper = dict(optimizer=dict(lr=0.02))

# the stage-1 checkpoint (train ./faster-rcnn_r101_fpn_8xb2-1x_lvis-v1.py first)
load_from = 'work_dirs/faster-rcnn_r101_fpn_8xb2-1x_lvis-v1/epoch_12.pth'
