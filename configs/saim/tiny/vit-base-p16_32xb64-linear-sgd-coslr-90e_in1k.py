# Tiny twin of ../vit-base-p16_32xb64-linear-sgd-coslr-90e_in1k.py (official SGD probe): the
# frozen tiny pre-training ViT (64-d, 4 blocks, 4x4 patches) on 32x32 tiny ImageNet, SGD
# (momentum 0.9, no weight decay) lr 0.1 at batch 64, cosine without warm-up, 10 epochs, no
# AMP (CPU). init_cfg=None: chain it after a tiny pre-training run with
#   --cfg-options load_from=work_dirs/saim_tiny_pre/epoch_20.pth
_base_ = [
    '../vit-base-p16_32xb64-linear-sgd-coslr-90e_in1k.py',
    './_base_/tiny_probe.py'
]

model = _base_.tiny_lp_model
data_preprocessor = _base_.tiny_lp_data_preprocessor
train_dataloader = _base_.tiny_lp_train_dataloader
val_dataloader = _base_.tiny_lp_val_dataloader
test_dataloader = val_dataloader
train_cfg = _base_.tiny_lp_train_cfg
default_hooks = _base_.tiny_lp_default_hooks
auto_scale_lr = _base_.tiny_lp_auto_scale_lr
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(lr=0.1))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=_base_.tiny_lp_max_epochs,
         by_epoch=True, begin=0, end=_base_.tiny_lp_max_epochs, eta_min=0.,
         convert_to_iter_based=True)
]
