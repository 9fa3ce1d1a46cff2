# Tiny twin of ../vit-base-p16_8xb2048-linear-coslr-90e_in1k.py (LARS probe): the frozen
# tiny pre-training ViT (64-d, 4 blocks, 4x4 patches) on 32x32 tiny ImageNet, 10 epochs, no
# AMP (CPU). init_cfg=None so the twin runs alone; to probe a tiny pre-training run:
#   python tools/train.py configs/saim/tiny/saim_vit-base-p16_32xb64-amp-coslr-300e_in1k.py \
#       --work-dir work_dirs/saim_tiny_pre
#   python tools/train.py configs/saim/tiny/vit-base-p16_8xb2048-linear-coslr-90e_in1k.py \
#       --cfg-options load_from=work_dirs/saim_tiny_pre/epoch_20.pth
# (load_from fills the backbone.* weights; the query stream and predictor are ignored).
_base_ = [
    '../vit-base-p16_8xb2048-linear-coslr-90e_in1k.py', './_base_/tiny_probe.py'
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
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=_base_.tiny_lp_max_epochs - 1,
         by_epoch=True, begin=1, end=_base_.tiny_lp_max_epochs, eta_min=0.0,
         convert_to_iter_based=True)
]
