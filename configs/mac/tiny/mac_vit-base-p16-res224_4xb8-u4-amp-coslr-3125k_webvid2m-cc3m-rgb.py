# Tiny twin of ../mac_vit-base-p16-res224_4xb8-u4-amp-coslr-3125k_webvid2m-cc3m-rgb.py:
# masked (rho_v 0.6, rho_t 0.3) pre-training on the synthetic clips (T = 4) and images
# (T = 1) with single-source batches, zero-shot retrieval on the synthetic MSR-VTT test.
_base_ = [
    '../mac_vit-base-p16-res224_4xb8-u4-amp-coslr-3125k_webvid2m-cc3m-rgb.py',
    './_base_/tiny_mac.py', './_base_/tiny_mac_video.py',
    './_base_/tiny_mac_image.py'
]

max_iters = 60
model = _base_.tiny_model
train_pipeline = _base_.tiny_video_train.pipeline
test_pipeline = _base_.tiny_video_test_loader.dataset.pipeline
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        datasets=[_base_.tiny_video_train, _base_.tiny_image_train]))
val_dataloader = _base_.tiny_video_test_loader
test_dataloader = val_dataloader
optim_wrapper = _base_.tiny_optim_wrapper
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=10),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=10, end=max_iters,
         T_max=max_iters - 10, eta_min=0)
]
default_hooks = dict(checkpoint=dict(interval=max_iters))
env_cfg = _base_.tiny_env_cfg
