# Shared tiny settings for the MAC tiny twins: the synthetic moving-shapes sets written by
# tools/dataset_converters/make_tiny_datasets.py (data/tiny/msrvtt in mmaction2's MSR-VTT
# layout, data/tiny/coco_karpathy in Karpathy's layout), 4 frames of 32x32 with 8x8
# patches (16 a frame; rho_v 0.6 keeps 6), a 64-d 2-block video encoder, a 64-d 2-layer
# text encoder on the sets' word vocabulary ([PAD] 0, [CLS] 2, [SEP] 3, [MASK] 4) and
# CPU settings (no AMP, no workers); data in tiny_mac_video.py and tiny_mac_image.py.
__num_frames = 4
__img_size = 32
__max_len = 16
tiny_msrvtt_root = 'data/tiny/msrvtt'

tiny_model = dict(
    video_encoder=dict(
        img_size=__img_size,
        patch_size=8,
        num_frames=__num_frames,
        embed_dims=64,
        depth=2,
        num_heads=4),
    text_encoder=dict(
        vocab_size=128,
        embed_dims=64,
        depth=2,
        num_heads=4,
        ffn_dims=128,
        max_position=__max_len,
        dropout=0.0),
    proj_dims=32,
    mask_token_id=4,
    special_token_ids=(0, 2, 3))

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
