# Tiny twin of ../pass-reid_vit-small-p16_1xb64-amp-120e_market1501-256x128.py:
# tiny market1501 (48 training identities) at 64x32 (256x128 / 4); model and schedule in
# ./_base_/tiny_reid.py.
_base_ = [
    '../pass-reid_vit-small-p16_1xb64-amp-120e_market1501-256x128.py',
    './_base_/tiny_reid.py'
]

img_size = (64, 32)
data_root = 'data/tiny/market1501'
model = _base_.tiny_reid_model
model.backbone.img_size = img_size
train_pipeline, test_pipeline = _base_.train_pipeline, _base_.test_pipeline
train_pipeline[1].scale = test_pipeline[1].scale = img_size[::-1]
train_pipeline[3].update(crop_size=img_size, padding=2)
train_dataloader = dict(
    dataset=dict(data_root=data_root, pipeline=train_pipeline),
    **_base_.tiny_reid_loader)
test_dataloader = dict(
    dataset=dict(data_root=data_root, pipeline=test_pipeline),
    **_base_.tiny_reid_test_loader)
val_dataloader = test_dataloader
optim_wrapper = _base_.tiny_reid_optim_wrapper
param_scheduler = _base_.tiny_reid_param_scheduler
train_cfg = _base_.tiny_reid_train_cfg
default_hooks = _base_.tiny_reid_default_hooks
