# Obj2Seq R50 human pose, 150 epochs (lr drop at 120). Paper: 58.1 box AP / 65.1
# keypoint AP on val2017 (abstract: 65.0).
_base_ = ['./obj2seq-pose_r50_8xb1-50e_coco-keypoint.py']

max_epochs = 150
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[120], gamma=0.1)
]
