# Tiny twin of ../fpn_dpt-medium_8xb2_80k_ade20k-512x512.py. ADE20K has no tiny copy, so
# this twin swaps the dataset for tiny Cityscapes (mmseg's CityscapesDataset, 19
# classes, 128x256 images, 128x128 crops); a narrow one-block-per-stage DPT, a
# 32-channel FPN and head, no pretrained weights, 200 iterations.
_base_ = [
    '../fpn_dpt-medium_8xb2_80k_ade20k-512x512.py',
    './_base_/tiny_ade20k.py'
]

data_root = _base_.tiny_seg_data_root
crop_size = _base_.tiny_seg_crop_size
model = _base_.tiny_seg_model
train_pipeline = _base_.tiny_seg_train_pipeline
test_pipeline = _base_.tiny_seg_test_pipeline
train_dataloader = _base_.tiny_seg_train_dataloader
val_dataloader = _base_.tiny_seg_val_dataloader
test_dataloader = val_dataloader
iters = _base_.tiny_seg_iters
train_cfg = _base_.tiny_seg_train_cfg
param_scheduler = _base_.tiny_seg_param_scheduler
optim_wrapper = _base_.tiny_seg_optim_wrapper
default_hooks = _base_.tiny_seg_default_hooks
