# MAC fine-tuning for ActivityNet Captions paragraph-to-video retrieval: a video's
# captions joined in order (train 10,009 videos, test val1 4,917). 8 frames and 128
# tokens [INF: not in the available text]; otherwise the DiDeMo / MSR-VTT recipe.
# Layout: data/video_retrieval/activitynet/{train.json, val_1.json, videos/}, each JSON
# {video file: [caption, ...]} (mmaction2's retrieval layout).
_base_ = ['./mac_vit-base-p16-res224-webvid2m-cc3m-pre_4xb16-u8-100e_didemo-rgb.py']

max_len = 128
data_root = 'data/video_retrieval/activitynet'

train_pipeline = _base_.train_pipeline
train_pipeline[-2]['max_len'] = max_len
test_pipeline = _base_.test_pipeline
test_pipeline[-2]['max_len'] = max_len

train_dataloader = dict(
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        ann_file='val_1.json', data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
