# Tiny twin of ../mac_vit-base-p16-res224-webvid2m-cc3m-pre_4xb16-u8-100e_didemo-rgb.py:
# paragraph-to-video retrieval on the synthetic MSR-VTT clips (each clip's captions
# joined), 8 frames of 32x32, tiny encoders, 2 epochs on CPU.
_base_ = [
    '../mac_vit-base-p16-res224-webvid2m-cc3m-pre_4xb16-u8-100e_didemo-rgb.py',
    './_base_/tiny_mac.py', './_base_/tiny_mac_paragraph.py'
]

model = _base_.tiny_model
model.video_encoder.num_frames = _base_.tiny_paragraph_frames
model.text_encoder.max_position = _base_.tiny_paragraph_max_len
train_pipeline = _base_.tiny_paragraph_train.pipeline
test_pipeline = _base_.tiny_paragraph_test_loader.dataset.pipeline
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    dataset=_base_.tiny_paragraph_train)
val_dataloader = _base_.tiny_paragraph_test_loader
test_dataloader = val_dataloader
optim_wrapper = _base_.tiny_optim_wrapper
train_cfg = dict(max_epochs=_base_.tiny_max_epochs)
param_scheduler = _base_.tiny_param_scheduler
env_cfg = _base_.tiny_env_cfg
