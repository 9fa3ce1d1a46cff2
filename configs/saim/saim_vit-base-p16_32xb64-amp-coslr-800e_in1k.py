# SAIM ViT-B/16 pre-training, 800 epochs (the official README command; same recipe as the
# 300-epoch config: 30 warm-up epochs, cosine over the remaining 770).
_base_ = ['./saim_vit-base-p16_32xb64-amp-coslr-300e_in1k.py']

train_cfg = dict(max_epochs=800)
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=30,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=770,
        eta_min=0.,
        by_epoch=True,
        begin=30,
        end=800,
        convert_to_iter_based=True)
]
