# One-frame clip pipelines for image-text data (CC3M, COCO): Frozen in Time's image
# augmentation (RandomResizedCrop scale 0.5-1, flip; eval: short side 256, centre crop
# 256, resize 224), images loaded as T = 1 clips by MACLoadImageClip.
__img_size = 224
__pack = dict(
    type='PackActionInputs',
    collect_keys=('imgs', 'text_ids', 'text_mask'),
    meta_keys=('video_idx', 'text_idx'))
__tokenize = dict(type='MACTokenize', vocab='bert-base-uncased', max_len=32)
image_train_pipeline = [
    dict(type='MACLoadImageClip'),
    dict(type='RandomResizedCrop', area_range=(0.5, 1.0)),
    dict(type='Resize', scale=(__img_size, __img_size), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'), __tokenize, __pack
]
image_test_pipeline = [
    dict(type='MACLoadImageClip'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=256),
    dict(type='Resize', scale=(__img_size, __img_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'), __tokenize, __pack
]
