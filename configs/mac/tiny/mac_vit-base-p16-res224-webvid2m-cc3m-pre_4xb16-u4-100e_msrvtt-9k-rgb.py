# Tiny twin of ../mac_vit-base-p16-res224-webvid2m-cc3m-pre_4xb16-u4-100e_msrvtt-9k-rgb.py:
# the synthetic moving-shapes MSR-VTT (400 train clips x 5 captions, 100 test pairs),
# 4 frames of 32x32, a 64-d 2-block video / 2-layer text encoder, 2 epochs on CPU.
# Like the full config, masks are off in fine-tuning.
_base_ = [
    '../mac_vit-base-p16-res224-webvid2m-cc3m-pre_4xb16-u4-100e_msrvtt-9k-rgb.py',
    './_base_/tiny_mac.py', './_base_/tiny_mac_video.py'
]

model = _base_.tiny_model
train_pipeline = _base_.tiny_video_train.pipeline
test_pipeline = _base_.tiny_video_test_loader.dataset.pipeline
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    dataset=_base_.tiny_video_train)
val_dataloader = _base_.tiny_video_test_loader
test_dataloader = val_dataloader
optim_wrapper = _base_.tiny_optim_wrapper
train_cfg = dict(max_epochs=_base_.tiny_max_epochs)
param_scheduler = _base_.tiny_param_scheduler
env_cfg = _base_.tiny_env_cfg
