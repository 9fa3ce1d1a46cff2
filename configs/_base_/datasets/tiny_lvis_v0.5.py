# Tiny LVIS v0.5 (tools/dataset_converters/make_tiny_datasets.py --only lvis_v0.5): 30 real LVIS
# category names (ids 1..30) drawn as shape x colour pairs, 120 train / 40 val images of
# 128-160 px, long-tailed train counts with frequency r/c/f (10 each), every category in
# val; v0.5 json: images carry file_name (and coco_url).
dataset_type = 'LVISV05Dataset'
data_root = 'data/tiny/lvis_v0.5/'
tiny_lvis_classes = (
    'airplane', 'apple', 'backpack', 'banana', 'baseball_bat', 'bicycle', 'book',
    'bottle', 'bowl', 'cake', 'chair', 'clock', 'cow', 'cup', 'dog', 'elephant',
    'frisbee', 'giraffe', 'horse', 'kite', 'motorcycle', 'pizza', 'sheep',
    'umbrella', 'zebra', 'bench', 'bird', 'knife', 'laptop_computer', 'toothbrush')
backend_args = None

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(160, 160), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=(160, 160), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=dict(classes=tiny_lvis_classes),
        ann_file='annotations/lvis_v0.5_train.json',
        data_prefix=dict(img='train2017/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=4),
        pipeline=train_pipeline,
        backend_args=backend_args))
val_dataloader = dict(
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=dict(classes=tiny_lvis_classes),
        ann_file='annotations/lvis_v0.5_val.json',
        data_prefix=dict(img='val2017/'),
        test_mode=True,
        pipeline=test_pipeline,
        backend_args=backend_args))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='LVISMetric',
    ann_file=data_root + 'annotations/lvis_v0.5_val.json',
    metric='bbox',
    backend_args=backend_args)
test_evaluator = val_evaluator
