# Stage 2 of the decoupled ACSL recipe (Wang et al., CVPR 2021) for Faster R-CNN R101-FPN
# on LVIS v1: start from the softmax baseline (stage 1), freeze every parameter except
# the classifier (fc_cls), and re-train it for 12 epochs with ACSL
# (xi = 0.7, official background sampling). Testing uses the sigmoid scores of all C + 1
# channels (ACSLLoss.get_activation).
_base_ = ['./faster-rcnn_r101_fpn_8xb2-1x_lvis-v1.py']

model = dict(
    roi_head=dict(
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True,
                type='ACSLLoss',
                score_thr=0.7,
                bg_mode='official',
                bg_sample_ratios=(0.01, 0.1, 1.0),
                loss_weight=1.0))))

custom_hooks = [
    # the decoupled recipe: only the classifier is trained (official `selectp = 1`)
    dict(type='FreezeAllButHook', trainable=['roi_head.bbox_head.fc_cls']),
    # rare / common / frequent groups from the training set's own LVIS annotation
    dict(type='ACSLFrequencyHook'),
]
# frozen parameters get no gradient; DDP must tolerate that
find_unused_parameters = True

optim_wrapper = dict(optimizer=dict(lr=0.02))

# the stage-1 checkpoint (train ./faster-rcnn_r101_fpn_8xb2-1x_lvis-v1.py first)
load_from = 'work_dirs/faster-rcnn_r101_fpn_8xb2-1x_lvis-v1/epoch_12.pth'
