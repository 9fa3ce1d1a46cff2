# Tiny twin of ../obj2seq-refine_r50_8xb1-50e_coco.py: the same shrinking as
# tiny/obj2seq_r50_8xb1-50e_coco.py (shared through _base_/tiny_coco_det.py),
# with iterative box refinement on.
_base_ = [
    '../obj2seq-refine_r50_8xb1-50e_coco.py',
    './_base_/tiny_coco_det.py'
]

data_root = _base_.tiny_det_data_root
classes = _base_.tiny_det_classes
metainfo = _base_.tiny_det_metainfo
img_scale = _base_.tiny_det_img_scale
d = _base_.tiny_det_d
levels = _base_.tiny_det_levels
model = _base_.tiny_det_model
train_pipeline = _base_.tiny_det_train_pipeline
test_pipeline = _base_.tiny_det_test_pipeline
train_dataloader = _base_.tiny_det_train_dataloader
val_dataloader = _base_.tiny_det_val_dataloader
test_dataloader = val_dataloader
val_evaluator = _base_.tiny_det_val_evaluator
test_evaluator = val_evaluator
max_epochs = _base_.tiny_det_max_epochs
train_cfg = _base_.tiny_det_train_cfg
param_scheduler = _base_.tiny_det_param_scheduler
optim_wrapper = _base_.tiny_det_optim_wrapper
default_hooks = _base_.tiny_det_default_hooks
auto_scale_lr = _base_.tiny_det_auto_scale_lr
