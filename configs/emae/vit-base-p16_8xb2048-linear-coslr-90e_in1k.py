# Linear probe of an EMAE ViT-B/16 (frozen 12 blocks, cls token, BN neck, LARS, 90 epochs):
# mmpretrain's MAE benchmark unchanged except for the checkpoint. Pass another
# pre-training checkpoint with
#   --cfg-options model.backbone.init_cfg.checkpoint=<work_dir>/epoch_300.pth
_base_ = ['mmpretrain::mae/benchmarks/vit-base-p16_8xb2048-linear-coslr-90e_in1k.py']

custom_imports = dict(imports=['projects.emae'], allow_failed_imports=False)

pretrained = 'work_dirs/emae_vit-base-p16_8xb128-amp-coslr-300e_in1k/epoch_300.pth'
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')))
