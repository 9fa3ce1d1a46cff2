# COCO detection and instance-segmentation transfer of a UniVIP ResNet-50 (COCO 800-epoch
# pre-training): mmpretrain's BYOL Mask R-CNN benchmark on mmdet's R-50-FPN 1x schedule
# (SGD lr 0.02 at 16 images, 12 epochs, steps at 8 and 11), SyncBN everywhere, no frozen
# stages, BN in training mode, Shared4Conv1FC box head, multi-scale training (short side
# 640-800). The UniVIP paper reports transfer gains without the tables being available.
_base_ = ['mmpretrain::byol/benchmarks/mask-rcnn_r50_fpn_ms-1x_coco.py']

pretrained = 'work_dirs/univip_resnet50_8xb64-amp-coslr-800e_coco/epoch_800.pth'
model = dict(
    backbone=dict(
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')))
