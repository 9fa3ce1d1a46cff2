# Stage 2 of the decoupled ACSL recipe on Open Images: freeze the stage-1 detector except
# its classifier (fc_cls) and re-train that with ACSL for 12 epochs. Open Images has no
# LVIS "frequency" field, so the rare / common / frequent groups used by the official
# background sampling come from the number of training images per class with the LVIS
# thresholds (<= 10 rare, <= 100 common): ACSLFrequencyHook(source='image_counts').
_base_ = ['./faster-rcnn_r50_fpn_32xb2-1x_openimages.py']

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
    dict(type='FreezeAllButHook', trainable=['roi_head.bbox_head.fc_cls']),
    dict(type='ACSLFrequencyHook', source='image_counts'),
]
find_unused_parameters = True

# lr 0.02 at 16 images in the LVIS recipe -> 0.08 at 32x2 images; short warmup as only
# the classifier is trained
optim_wrapper = dict(optimizer=dict(lr=0.08))
param_scheduler = [
    dict(
        type='LinearLR', start_factor=1.0 / 3, by_epoch=False, begin=0,
        end=500),
    dict(
        type='MultiStepLR', begin=0, end=12, by_epoch=True,
        milestones=[8, 11], gamma=0.1)
]

# the stage-1 checkpoint (train ./faster-rcnn_r50_fpn_32xb2-1x_openimages.py first)
load_from = 'work_dirs/faster-rcnn_r50_fpn_32xb2-1x_openimages/epoch_12.pth'
