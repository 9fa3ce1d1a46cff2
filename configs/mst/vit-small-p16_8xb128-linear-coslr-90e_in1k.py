# Linear probe of an MST DeiT-S/16 (frozen 12 blocks, [CLS] token of the last block, SGD
# lr 12 with cosine decay, 90 epochs, 8 x 128 images): mmpretrain's ViT-S linear benchmark
# (MoCo v3) with the backbone swapped for the pre-training architecture, mmpretrain's
# VisionTransformer, so the MST checkpoint loads with the `backbone.` prefix (the [MASK]
# token is ignored). The MST paper's probe protocol was not available; DINO's (last 4 [CLS]
# tokens, 100 epochs) differs. Pass another checkpoint with
#   --cfg-options model.backbone.init_cfg.checkpoint=<work_dir>/epoch_100.pth
_base_ = ['mmpretrain::mocov3/benchmarks/vit-small-p16_8xb128-linear-coslr-90e_in1k.py']

custom_imports = dict(imports=['projects.mst'], allow_failed_imports=False)

pretrained = 'work_dirs/mst_deit-small-p16_16xb64-amp-coslr-300e_in1k/epoch_300.pth'
model = dict(
    backbone=dict(
        _delete_=True,
        type='VisionTransformer',
        arch='deit-small',
        img_size=224,
        patch_size=16,
        out_type='cls_token',
        frozen_stages=12,
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')))
