# Shared tiny settings for the MAC tiny twins: the synthetic moving-shapes sets written by
# tools/dataset_converters/make_tiny_datasets.py (data/tiny/msrvtt in mmaction2's MSR-VTT
# layout, data/tiny/coco_karpathy in Karpathy's layout), 4 frames of 32x32 with 8x8
# patches (16 a frame; rho_v 0.6 keeps 6), a 64-d 2-block video encoder, a 64-d 2-layer
# text encoder on the sets' word vocabulary ([PAD] 0, [CLS] 2, [SEP] 3, [MASK] 4) and
# CPU settings (no AMP, no workers). No horizontal flip: the captions name left / right.
tiny_num_frames = 4
tiny_img_size = 32
tiny_max_len = 16
tiny_msrvtt_root = 'data/tiny/msrvtt'
tiny_coco_root = 'data/tiny/coco_karpathy'
tiny_vocab = tiny_msrvtt_root + '/vocab.txt'

tiny_model = dict(
    video_encoder=dict(
        img_size=tiny_img_size,
        patch_size=8,
        num_frames=tiny_num_frames,
        embed_dims=64,
        depth=2,
        num_heads=4),
    text_encoder=dict(
        vocab_size=128,
        embed_dims=64,
        depth=2,
        num_heads=4,
        ffn_dims=128,
        max_position=tiny_max_len,
        dropout=0.0),
    proj_dims=32,
    mask_token_id=4,
    special_token_ids=(0, 2, 3))

__tokenize = dict(type='MACTokenize', vocab=tiny_vocab, max_len=tiny_max_len)
__pack = dict(
    type='PackActionInputs',
    collect_keys=('imgs', 'text_ids', 'text_mask'),
    meta_keys=('video_idx', 'text_idx'))
__train_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len=tiny_num_frames, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='RandomResizedCrop', area_range=(0.8, 1.0)),
    dict(type='Resize', scale=(tiny_img_size, tiny_img_size),
         keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'), __tokenize, __pack
]
__test_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len=tiny_num_frames, num_clips=1,
         test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(tiny_img_size, tiny_img_size),
         keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'), __tokenize, __pack
]
__image_train_pipeline = [
    dict(type='MACLoadImageClip'),
    dict(type='RandomResizedCrop', area_range=(0.8, 1.0)),
    dict(type='Resize', scale=(tiny_img_size, tiny_img_size),
         keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'), __tokenize, __pack
]
__image_test_pipeline = [
    dict(type='MACLoadImageClip'),
    dict(type='Resize', scale=(tiny_img_size, tiny_img_size),
         keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'), __tokenize, __pack
]

tiny_video_train = dict(
    type='MACVideoTextDataset',
    ann_file='train_9k.json',
    data_root=tiny_msrvtt_root,
    data_prefix=dict(video='videos'),
    caption_mode='random',
    pipeline=__train_pipeline)
tiny_image_train = dict(
    type='MACImageTextDataset',
    ann_file='dataset_coco.json',
    data_root=tiny_coco_root,
    data_prefix=dict(img=''),
    split='train',
    caption_mode='random',
    pipeline=__image_train_pipeline)
tiny_video_test_loader = dict(
    batch_size=20,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='MACVideoTextDataset',
        ann_file='test_JSFUSION.json',
        data_root=tiny_msrvtt_root,
        data_prefix=dict(video='videos'),
        caption_mode='all',
        pipeline=__test_pipeline,
        test_mode=True))
tiny_image_test_loader = dict(
    batch_size=20,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='MACImageTextDataset',
        ann_file='dataset_coco.json',
        data_root=tiny_coco_root,
        data_prefix=dict(img=''),
        split='test',
        caption_mode='all',
        pipeline=__image_test_pipeline,
        test_mode=True))
tiny_optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.01))
tiny_max_epochs = 2
tiny_param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1,
         end=tiny_max_epochs, T_max=tiny_max_epochs - 1, eta_min=0,
         convert_to_iter_based=True)
]
tiny_env_cfg = dict(dist_cfg=dict(backend='gloo'))
