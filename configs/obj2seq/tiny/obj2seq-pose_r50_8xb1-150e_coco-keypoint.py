# Tiny twin of ../obj2seq-pose_r50_8xb1-150e_coco-keypoint.py: the same shrinking as
# tiny/obj2seq-pose_r50_8xb1-50e_coco-keypoint.py, shared through _base_/tiny_pose.py.
_base_ = [
    '../obj2seq-pose_r50_8xb1-150e_coco-keypoint.py',
    './_base_/tiny_pose.py'
]

data_root = _base_.tiny_pose_data_root
img_scale = _base_.tiny_pose_img_scale
d = _base_.tiny_pose_d
levels = _base_.tiny_pose_levels
model = _base_.tiny_pose_model
train_pipeline = _base_.tiny_pose_train_pipeline
test_pipeline = _base_.tiny_pose_test_pipeline
train_dataloader = _base_.tiny_pose_train_dataloader
val_dataloader = _base_.tiny_pose_val_dataloader
test_dataloader = val_dataloader
val_evaluator = _base_.tiny_pose_val_evaluator
test_evaluator = val_evaluator
max_epochs = _base_.tiny_pose_max_epochs
train_cfg = _base_.tiny_pose_train_cfg
param_scheduler = _base_.tiny_pose_param_scheduler
optim_wrapper = _base_.tiny_pose_optim_wrapper
default_hooks = _base_.tiny_pose_default_hooks
auto_scale_lr = _base_.tiny_pose_auto_scale_lr
