# 100-epoch end-to-end fine-tuning of an EMAE ViT-B/16 on ImageNet-1k: mmpretrain's MAE
# recipe (avg-pooled tokens, layer decay 0.65, RandAugment, Mixup/CutMix, label smoothing,
# drop path 0.1) unchanged except for the checkpoint. Pass another one with
#   --cfg-options model.backbone.init_cfg.checkpoint=<work_dir>/epoch_300.pth
_base_ = ['mmpretrain::mae/benchmarks/vit-base-p16_8xb128-coslr-100e_in1k.py']

custom_imports = dict(imports=['projects.emae'], allow_failed_imports=False)

pretrained = 'work_dirs/emae_vit-base-p16_8xb128-amp-coslr-300e_in1k/epoch_300.pth'
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')))
