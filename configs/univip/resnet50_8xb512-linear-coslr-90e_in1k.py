# Linear probe of a UniVIP ResNet-50 on ImageNet-1k: mmpretrain's BYOL linear benchmark
# (frozen stages 1-4, global-average-pooled 2048-d feature, LARS lr 1.6, no weight decay,
# cosine over 90 epochs, 8 x 512 images, 224 crops, 256-short-side centre-crop test), the
# protocol behind the paper's 73.1 % (ImageNet 200 epochs) and 60.2 % (COCO 800 epochs).
# The encoder loads with the `backbone.` prefix; for the COCO run pass
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/univip_resnet50_8xb64-amp-coslr-800e_coco/epoch_800.pth
_base_ = ['mmpretrain::byol/benchmarks/resnet50_8xb512-linear-coslr-90e_in1k.py']

pretrained = 'work_dirs/univip_resnet50_16xb256-coslr-200e_in1k/epoch_200.pth'
model = dict(
    backbone=dict(
        frozen_stages=4,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')))
