_base_ = [
    'mmseg::_base_/models/pspnet_r50-d8.py', './_base_/datasets_512x512.py',
    'mmseg::_base_/default_runtime.py', './_base_/schedule_sgd-poly_80k.py'
]
custom_imports = dict(imports=['projects.cdcl'], allow_failed_imports=False)

# Single-dataset baseline of CDCL (paper Sec. 4): PSPNet, dilated ResNet-18 (output
# stride 8), ImageNet-pretrained, batch 8 (4 GPUs x 2), 512x512 crops, SGD 0.01 + poly;
# cross entropy averaged over the valid (non-ignored) pixels, as in CDCL's L_i.
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size),
    pretrained=None,
    backbone=dict(
        depth=18,
        init_cfg=dict(
            type='Pretrained', checkpoint='open-mmlab://resnet18_v1c')),
    decode_head=dict(
        in_channels=512,
        channels=128,
        num_classes=11,
        loss_decode=dict(avg_non_ignore=True)),
    auxiliary_head=dict(
        in_channels=256,
        channels=64,
        num_classes=11,
        loss_decode=dict(avg_non_ignore=True)))
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset={{_base_.camvid_train}})
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset={{_base_.camvid_val}})
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
