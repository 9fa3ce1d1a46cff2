_base_ = [
    'mmseg::_base_/models/pspnet_r50-d8.py', './datasets_512x512.py',
    'mmseg::_base_/default_runtime.py', './schedule_sgd-poly_80k.py'
]
custom_imports = dict(imports=['projects.cdcl'], allow_failed_imports=False)

# Shared recipe of the two-dataset CDCL configs; each config names its datasets
# (Cityscapes + BDD100K here, as a default).

# CDCL (paper Sec. 3): every BN of the backbone and heads is a dataset-specific BN, each
# dataset has its own classifier, and each iteration sums the losses of one sub-batch per
# dataset (Dataset Alternation Training, t = 1, w_i = 1). Batch 8 per dataset
# (4 GPUs x 2 per dataset), 512x512 crops, SGD 0.01 + poly, as the single baselines.
# L_i is the mean cross entropy over the valid (non-ignored) pixels of dataset i's
# sub-batch (avg_non_ignore), so void and padding pixels do not dilute it.
crop_size = (512, 512)
dataset_names = ['cityscapes', 'bdd100k']
num_classes = [19, 19]
norm_cfg = dict(
    type='DSBN',
    num_datasets=2,
    bn_type='SyncBN',
    requires_grad=True)
model = dict(
    type='CDCLEncoderDecoder',
    num_datasets=2,
    dataset_names=dataset_names,
    data_preprocessor=dict(size=crop_size),
    pretrained=None,
    backbone=dict(
        depth=18,
        norm_cfg=norm_cfg,
        init_cfg=dict(
            type='Pretrained', checkpoint='open-mmlab://resnet18_v1c')),
    decode_head=dict(
        type='DatasetAwarePSPHead',
        in_channels=512,
        channels=128,
        num_classes=num_classes,
        norm_cfg=norm_cfg,
        loss_decode=dict(avg_non_ignore=True)),
    auxiliary_head=dict(
        type='DatasetAwareFCNHead',
        in_channels=256,
        channels=64,
        num_classes=num_classes,
        norm_cfg=norm_cfg,
        loss_decode=dict(avg_non_ignore=True)))
cdcl_ignore_keys = ['classes', 'palette', 'label_map', 'reduce_zero_label']
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(
        type='MultiSourceSampler',
        batch_size=4,
        source_ratio=[1, 1],
        min_per_source=2),
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            {{_base_.cityscapes_train}},
            {{_base_.bdd100k_train}}
        ],
        ignore_keys=cdcl_ignore_keys))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            {{_base_.cityscapes_val}},
            {{_base_.bdd100k_val}}
        ],
        ignore_keys=cdcl_ignore_keys))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
# One evaluator per dataset with its own classes; metrics are '<dataset>/mIoU' and
# 'mean/mIoU'. Pick datasets with --cfg-options test_cfg.eval_datasets="[camvid]".
val_cfg = dict(
    type='MultiDatasetValLoop', dataset_names=dataset_names, eval_datasets=None)
test_cfg = dict(
    type='MultiDatasetTestLoop', dataset_names=dataset_names, eval_datasets=None)
