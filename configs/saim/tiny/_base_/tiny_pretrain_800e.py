# The tiny SAIM pre-training setup of tiny_pretrain.py with a schedule 2.5x longer
# (50 epochs), for the tiny twin of the 800-epoch config.
_base_ = ['./tiny_pretrain.py']

tiny_pt_max_epochs = 50
tiny_pt_param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=5,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=tiny_pt_max_epochs - 5,
        eta_min=0.,
        by_epoch=True,
        begin=5,
        end=tiny_pt_max_epochs,
        convert_to_iter_based=True)
]
tiny_pt_train_cfg = dict(max_epochs=tiny_pt_max_epochs)
tiny_pt_default_hooks = dict(checkpoint=dict(interval=tiny_pt_max_epochs))
