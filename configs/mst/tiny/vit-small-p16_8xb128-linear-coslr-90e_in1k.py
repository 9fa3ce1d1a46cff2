# Tiny twin of ../vit-small-p16_8xb128-linear-coslr-90e_in1k.py: linear probe of the tiny
# pre-training twins' ViT (64-d, 4 blocks, 4x4 patches, 32x32 crops of tiny ImageNet,
# 10 classes) with a short schedule; AMP off (CPU). The backbone starts from init_cfg=None
# so the twin runs alone; to probe a tiny pre-training run, chain:
#   python tools/train.py configs/mst/tiny/mst_deit-small-p16_16xb64-amp-coslr-100e_in1k.py \
#       --work-dir work_dirs/mst_tiny_pre
#   python tools/train.py configs/mst/tiny/vit-small-p16_8xb128-linear-coslr-90e_in1k.py \
#       --cfg-options load_from=work_dirs/mst_tiny_pre/epoch_4.pth
# (`load_from` fills the backbone.* weights; teacher, head and decoder keys are ignored.)
_base_ = [
    '../vit-small-p16_8xb128-linear-coslr-90e_in1k.py',
    '../../_base_/tiny_vit_linear_probe_in1k.py'
]

data_root = _base_.tiny_lin_data_root
img_size, patch_size = _base_.tiny_lin_img_size, _base_.tiny_lin_patch_size
model = dict(
    backbone=_base_.tiny_lin_backbone,
    head=_base_.tiny_lin_head)
data_preprocessor = _base_.tiny_lin_data_preprocessor
train_pipeline = _base_.tiny_lin_train_pipeline
test_pipeline = _base_.tiny_lin_test_pipeline
train_dataloader = _base_.tiny_lin_train_dataloader
val_dataloader = _base_.tiny_lin_val_dataloader
test_dataloader = val_dataloader
max_epochs = _base_.tiny_lin_max_epochs
optim_wrapper = _base_.tiny_lin_optim_wrapper
param_scheduler = _base_.tiny_lin_param_scheduler
train_cfg = _base_.tiny_lin_train_cfg
default_hooks = _base_.tiny_lin_default_hooks
auto_scale_lr = _base_.tiny_lin_auto_scale_lr
