# Shared by the PSPNet and CDCL tiny twins: 128x128 crops of the tiny datasets,
# a 16-channel ResNet-18, no pretrained weights, 300 iterations. Every name
# carries the tiny_pspnet_ prefix so that it never clashes with a key of the
# full config or of ../../_base_/tiny_datasets.py; each twin assigns them to the
# real keys.
tiny_pspnet_crop_size = (128, 128)
tiny_pspnet_model = dict(
    data_preprocessor=dict(size=tiny_pspnet_crop_size),
    backbone=dict(stem_channels=16, base_channels=16, init_cfg=None),
    decode_head=dict(in_channels=128, channels=32),
    auxiliary_head=dict(in_channels=64, channels=16))
tiny_pspnet_train_cfg = dict(max_iters=300, val_interval=300)
tiny_pspnet_param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=0.9,
        begin=0,
        end=300,
        by_epoch=False)
]
tiny_pspnet_default_hooks = dict(
    logger=dict(interval=20), checkpoint=dict(interval=300))
