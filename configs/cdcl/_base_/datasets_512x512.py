# Per-dataset train/val sets of the CDCL experiments (paper: 512x512 random crops).
# Each pipeline ends with SetDatasetIndex(name=...) so that one definition serves every
# dataset combination; the model maps the name to its branch through `dataset_names`.
# Augmentation follows mmseg's defaults for each dataset (not given by the paper).
cdcl_meta_keys = ('img_path', 'seg_map_path', 'ori_shape', 'img_shape',
                  'pad_shape', 'scale_factor', 'flip', 'flip_direction',
                  'reduce_zero_label', 'dataset_idx', 'dataset_name')
crop_size = (512, 512)


def _train_pipeline(name, scale, reduce_zero_label=False):
    return [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations', reduce_zero_label=reduce_zero_label),
        dict(type='RandomResize', scale=scale, ratio_range=(0.5, 2.0),
             keep_ratio=True),
        dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
        dict(type='RandomFlip', prob=0.5),
        dict(type='PhotoMetricDistortion'),
        dict(type='SetDatasetIndex', name=name),
        dict(type='PackSegInputs', meta_keys=cdcl_meta_keys),
    ]


def _test_pipeline(name, scale, reduce_zero_label=False):
    return [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=scale, keep_ratio=True),
        dict(type='LoadAnnotations', reduce_zero_label=reduce_zero_label),
        dict(type='SetDatasetIndex', name=name),
        dict(type='PackSegInputs', meta_keys=cdcl_meta_keys),
    ]


cityscapes_train = dict(
    type='CityscapesDataset',
    data_root='data/cityscapes/',
    data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
    pipeline=_train_pipeline('cityscapes', (2048, 1024)))
cityscapes_val = dict(
    type='CityscapesDataset',
    data_root='data/cityscapes/',
    data_prefix=dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
    pipeline=_test_pipeline('cityscapes', (2048, 1024)))

bdd100k_train = dict(
    type='BDD100KDataset',
    data_root='data/bdd100k/',
    data_prefix=dict(
        img_path='images/10k/train', seg_map_path='labels/sem_seg/masks/train'),
    pipeline=_train_pipeline('bdd100k', (1280, 720)))
bdd100k_val = dict(
    type='BDD100KDataset',
    data_root='data/bdd100k/',
    data_prefix=dict(
        img_path='images/10k/val', seg_map_path='labels/sem_seg/masks/val'),
    pipeline=_test_pipeline('bdd100k', (1280, 720)))

# CamVid: the SegNet split and layout (367 train / 101 val / 233 test, 11 classes, void
# -> 255; folders train/, trainannot/, val/, valannot/) at the ORIGINAL resolution of
# the Cambridge-driving Labeled Video Database, 960x720 (the frames the paper's 960x720
# refers to, relabelled to the 11 SegNet classes). SegNet's own download ships the same
# split downsampled to 480x360: with those files give CamVid's RandomResize / Resize
# the scale (480, 360), otherwise the images are upsampled 2x before the 512x512 crops.
camvid_scale = (960, 720)
camvid_train = dict(
    type='CamVidDataset',
    data_root='data/camvid/',
    data_prefix=dict(img_path='train', seg_map_path='trainannot'),
    pipeline=_train_pipeline('camvid', camvid_scale))
camvid_val = dict(
    type='CamVidDataset',
    data_root='data/camvid/',
    data_prefix=dict(img_path='val', seg_map_path='valannot'),
    pipeline=_test_pipeline('camvid', camvid_scale))

coco_stuff_train = dict(
    type='COCOStuffDataset',
    data_root='data/coco_stuff164k/',
    data_prefix=dict(
        img_path='images/train2017', seg_map_path='annotations/train2017'),
    pipeline=_train_pipeline('coco_stuff', (2048, 512)))
coco_stuff_val = dict(
    type='COCOStuffDataset',
    data_root='data/coco_stuff164k/',
    data_prefix=dict(
        img_path='images/val2017', seg_map_path='annotations/val2017'),
    pipeline=_test_pipeline('coco_stuff', (2048, 512)))
