# Tiny twin of ../mst_deit-small-p16_16xb64-amp-coslr-100e_in1k.py: tiny ImageNet (10 classes,
# 64x64) with 2 x 32 global and 2 x 16 local crops, 4x4 patches, a 64-d 4-block ViT, 256
# prototypes, x4 decoder, fp32 and a short schedule (see ./_base_/tiny_pretrain.py).
# `tools/test.py` on it reports the 20-NN accuracy against the tiny training split.
_base_ = ['../mst_deit-small-p16_16xb64-amp-coslr-100e_in1k.py', './_base_/tiny_pretrain.py']

model = _base_.tiny_pt_model
train_pipeline = _base_.tiny_pt_train_pipeline
test_pipeline = _base_.tiny_pt_test_pipeline
train_dataloader = _base_.tiny_pt_train_dataloader
test_dataloader = _base_.tiny_pt_test_dataloader
test_cfg = dict(bank_dataloader=_base_.tiny_pt_bank_dataloader)
max_epochs = _base_.tiny_pt_max_epochs
optim_wrapper = _base_.tiny_pt_optim_wrapper
param_scheduler = _base_.tiny_pt_param_scheduler
train_cfg = dict(max_epochs=max_epochs)
default_hooks = _base_.tiny_pt_default_hooks
auto_scale_lr = _base_.tiny_pt_auto_scale_lr
