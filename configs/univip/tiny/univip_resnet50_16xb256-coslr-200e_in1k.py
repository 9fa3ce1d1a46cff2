# Tiny twin of ../univip_resnet50_16xb256-coslr-200e_in1k.py: 64x64 multi-object scenes with
# offline proposals, K = 3 instances of 32 px, a quarter-width ResNet-18, LARS lr 0.3 with the BYOL exclusions,
# fp32 and a short schedule (see ./_base_/tiny_pretrain.py). `tools/test.py` on it reports
# the 20-NN accuracy on tiny ImageNet against its training split.
_base_ = ['../univip_resnet50_16xb256-coslr-200e_in1k.py', './_base_/tiny_pretrain.py']

model = _base_.tiny_pt_model
train_pipeline = _base_.train_pipeline
train_pipeline[1].update(_base_.tiny_pt_sampler)
train_dataloader = dict(_base_.tiny_pt_train_dataloader,
                        dataset=dict(_base_.tiny_pt_train_dataloader.dataset,
                                     pipeline=train_pipeline))
test_dataloader = _base_.tiny_pt_test_dataloader
test_cfg = dict(bank_dataloader=_base_.tiny_pt_bank_dataloader)
max_epochs = _base_.tiny_pt_max_epochs
optim_wrapper = dict(optimizer=dict(lr=0.3))
param_scheduler = _base_.tiny_pt_param_scheduler
train_cfg = dict(max_epochs=max_epochs)
default_hooks = _base_.tiny_pt_default_hooks
auto_scale_lr = _base_.tiny_pt_auto_scale_lr
