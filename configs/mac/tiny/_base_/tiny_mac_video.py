# Tiny MSR-VTT-layout clips (data/tiny/msrvtt): 4 frames of 32x32, no flip (captions
# name left / right).
__num_frames = 4
__img_size = 32
__tokenize = dict(
    type='MACTokenize', vocab='data/tiny/msrvtt/vocab.txt', max_len=16)
__pack = dict(
    type='PackActionInputs',
    collect_keys=('imgs', 'text_ids', 'text_mask'),
    meta_keys=('video_idx', 'text_idx'))
__train_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len=__num_frames, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='RandomResizedCrop', area_range=(0.8, 1.0)),
    dict(type='Resize', scale=(__img_size, __img_size),
         keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'), __tokenize, __pack
]
__test_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len=__num_frames, num_clips=1,
         test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(__img_size, __img_size),
         keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'), __tokenize, __pack
]
tiny_video_train = dict(
    type='MACVideoTextDataset',
    ann_file='train_9k.json',
    data_root='data/tiny/msrvtt',
    data_prefix=dict(video='videos'),
    caption_mode='random',
    pipeline=__train_pipeline)
tiny_video_test_loader = dict(
    batch_size=20,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='MACVideoTextDataset',
        ann_file='test_JSFUSION.json',
        data_root='data/tiny/msrvtt',
        data_prefix=dict(video='videos'),
        caption_mode='all',
        pipeline=__test_pipeline,
        test_mode=True))
