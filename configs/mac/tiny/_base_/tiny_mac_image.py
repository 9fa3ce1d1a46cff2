# Tiny Karpathy-layout images (data/tiny/coco_karpathy) as one-frame 32x32 clips.
__img_size = 32
__tokenize = dict(
    type='MACTokenize', vocab='data/tiny/msrvtt/vocab.txt', max_len=16)
__pack = dict(
    type='PackActionInputs',
    collect_keys=('imgs', 'text_ids', 'text_mask'),
    meta_keys=('video_idx', 'text_idx'))
__image_train_pipeline = [
    dict(type='MACLoadImageClip'),
    dict(type='RandomResizedCrop', area_range=(0.8, 1.0)),
    dict(type='Resize', scale=(__img_size, __img_size),
         keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'), __tokenize, __pack
]
__image_test_pipeline = [
    dict(type='MACLoadImageClip'),
    dict(type='Resize', scale=(__img_size, __img_size),
         keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'), __tokenize, __pack
]

tiny_image_train = dict(
    type='MACImageTextDataset',
    ann_file='dataset_coco.json',
    data_root='data/tiny/coco_karpathy',
    data_prefix=dict(img=''),
    split='train',
    caption_mode='random',
    pipeline=__image_train_pipeline)
tiny_image_test_loader = dict(
    batch_size=20,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='MACImageTextDataset',
        ann_file='dataset_coco.json',
        data_root='data/tiny/coco_karpathy',
        data_prefix=dict(img=''),
        split='test',
        caption_mode='all',
        pipeline=__image_test_pipeline,
        test_mode=True))
