# MAC fine-tuning for DiDeMo paragraph-to-video retrieval: the sentences of a video are
# joined in order into one query (train 8,395 / test 1,004 videos). MAC's frame count
# and text length for DiDeMo are not in the available text: 8 frames and 64 tokens
# [INF]; the 4-frame temporal embedding of a pre-training checkpoint is interpolated to
# 8 frames on load. Optimiser and schedule as for MSR-VTT (Frozen's recipe).
# Layout: data/video_retrieval/didemo/{train.json, test.json, videos/}, each JSON
# {video file: [sentence, ...]} (mmaction2's retrieval layout).
_base_ = ['./mac_vit-base-p16-res224-webvid2m-cc3m-pre_4xb16-u4-100e_msrvtt-9k-rgb.py']

num_frames = 8
max_len = 64
data_root = 'data/video_retrieval/didemo'
model = dict(video_encoder=dict(num_frames=num_frames))

train_pipeline = _base_.train_pipeline
train_pipeline[1]['clip_len'] = num_frames
train_pipeline[-2]['max_len'] = max_len
test_pipeline = _base_.test_pipeline
test_pipeline[1]['clip_len'] = num_frames
test_pipeline[-2]['max_len'] = max_len

train_dataloader = dict(
    dataset=dict(
        ann_file='train.json',
        data_root=data_root,
        caption_mode='paragraph',
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        ann_file='test.json',
        data_root=data_root,
        caption_mode='paragraph',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
