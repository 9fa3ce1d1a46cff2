# Linear probe of a SAIM ViT-B/16 with mmpretrain's MAE protocol (frozen 12 blocks, cls
# token after the final norm, BN neck without affine, LARS lr 6.4 at batch 16384, 10 warm-up
# epochs + cosine, 90 epochs): mmpretrain's benchmark unchanged except for the checkpoint.
# The official SAIM probe (SGD 0.8 at 2048, no warm-up) is
# vit-base-p16_32xb64-linear-sgd-coslr-90e_in1k.py. Pass another checkpoint with
#   --cfg-options model.backbone.init_cfg.checkpoint=<work_dir>/epoch_800.pth
_base_ = ['mmpretrain::mae/benchmarks/vit-base-p16_8xb2048-linear-coslr-90e_in1k.py']

custom_imports = dict(imports=['projects.saim'], allow_failed_imports=False)

pretrained = 'work_dirs/saim_vit-base-p16_32xb64-amp-coslr-800e_in1k/epoch_800.pth'
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(eps=1e-6, affine=False))
