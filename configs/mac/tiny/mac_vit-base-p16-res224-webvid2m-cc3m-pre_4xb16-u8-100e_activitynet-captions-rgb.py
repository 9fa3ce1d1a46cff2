# Tiny twin of
# ../mac_vit-base-p16-res224-webvid2m-cc3m-pre_4xb16-u8-100e_activitynet-captions-rgb.py:
# as the DiDeMo twin (paragraphs of the synthetic clips' captions, 8 frames of 32x32) with
# the longer text budget of ActivityNet paragraphs.
_base_ = [
    '../mac_vit-base-p16-res224-webvid2m-cc3m-pre_4xb16-u8-100e_activitynet-captions-rgb.py',  # noqa: E501
    './_base_/tiny_mac.py', './_base_/tiny_mac_video.py'
]

num_frames = 8
max_len = 96
model = _base_.tiny_model
model.video_encoder.num_frames = num_frames
model.text_encoder.max_position = max_len
train_pipeline = _base_.tiny_video_train.pipeline
train_pipeline[1]['clip_len'] = num_frames
train_pipeline[-2]['max_len'] = max_len
test_pipeline = _base_.tiny_video_test_loader.dataset.pipeline
test_pipeline[1]['clip_len'] = num_frames
test_pipeline[-2]['max_len'] = max_len
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        ann_file='train_9k.json',
        data_root=_base_.tiny_msrvtt_root,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=20,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        ann_file='test_JSFUSION.json',
        data_root=_base_.tiny_msrvtt_root,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = _base_.tiny_optim_wrapper
train_cfg = dict(max_epochs=_base_.tiny_max_epochs)
param_scheduler = _base_.tiny_param_scheduler
env_cfg = _base_.tiny_env_cfg
