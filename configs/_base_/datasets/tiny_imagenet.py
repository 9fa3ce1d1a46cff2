# Tiny ImageNet-format set (tools/dataset_converters/make_tiny_datasets.py --only imagenet):
# the first 10 ImageNet-1k classes (labels 0..9), 40 train + 10 val 64x64 JPEGs per class,
# meta/{train,val}.txt; val images lie flat in val/ as in the real ILSVRC2012 layout.
dataset_type = 'ImageNet'
data_root = 'data/tiny/imagenet/'
tiny_imagenet_classes = ('tench', 'goldfish', 'great white shark', 'tiger shark',
                         'hammerhead', 'electric ray', 'stingray', 'cock', 'hen',
                         'ostrich')
data_preprocessor = dict(
    num_classes=10,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=64, crop_ratio_range=(0.5, 1.0)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=64, edge='short'),
    dict(type='CenterCrop', crop_size=64),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        metainfo=dict(classes=tiny_imagenet_classes),
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        metainfo=dict(classes=tiny_imagenet_classes),
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
