# EMAE ViT-B/16 pre-training, 800 epochs (same recipe as the 300-epoch config).
_base_ = ['./emae_vit-base-p16_8xb128-amp-coslr-300e_in1k.py']

train_cfg = dict(max_epochs=800)
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.0001,
        by_epoch=True,
        begin=0,
        end=40,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=760,
        by_epoch=True,
        begin=40,
        end=800,
        convert_to_iter_based=True)
]
