# Tiny LVIS v1 (tools/dataset_converters/make_tiny_datasets.py --only lvis_v1): the same 30
# categories, images and pipelines as ./tiny_lvis_v0.5.py in the v1 layout: image paths come
# from coco_url (train2017/..., val2017/...).
_base_ = ['./tiny_lvis_v0.5.py']

dataset_type = 'LVISV1Dataset'
data_root = 'data/tiny/lvis_v1/'
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/lvis_v1_train.json',
        data_prefix=dict(img='')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/lvis_v1_val.json',
        data_prefix=dict(img='')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/lvis_v1_val.json')
test_evaluator = val_evaluator
