# The tiny datasets (tools/dataset_converters/make_tiny_datasets.py) with the same
# pipelines as datasets_512x512.py, shrunk to 128x128 crops of ~128x256 images.
tiny_meta_keys = ('img_path', 'seg_map_path', 'ori_shape', 'img_shape',
                  'pad_shape', 'scale_factor', 'flip', 'flip_direction',
                  'reduce_zero_label', 'dataset_idx', 'dataset_name')
tiny_crop_size = (128, 128)
tiny_scale = (256, 128)


def _tiny_train(name):
    return [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='RandomResize', scale=tiny_scale, ratio_range=(0.75, 1.5),
             keep_ratio=True),
        dict(type='RandomCrop', crop_size=tiny_crop_size, cat_max_ratio=0.75),
        dict(type='RandomFlip', prob=0.5),
        dict(type='SetDatasetIndex', name=name),
        dict(type='PackSegInputs', meta_keys=tiny_meta_keys),
    ]


def _tiny_test(name):
    return [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=tiny_scale, keep_ratio=True),
        dict(type='LoadAnnotations'),
        dict(type='SetDatasetIndex', name=name),
        dict(type='PackSegInputs', meta_keys=tiny_meta_keys),
    ]


tiny_cityscapes_train = dict(
    type='CityscapesDataset',
    data_root='data/tiny/cityscapes/',
    data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
    pipeline=_tiny_train('cityscapes'))
tiny_cityscapes_val = dict(
    type='CityscapesDataset',
    data_root='data/tiny/cityscapes/',
    data_prefix=dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
    pipeline=_tiny_test('cityscapes'))

tiny_bdd100k_train = dict(
    type='BDD100KDataset',
    data_root='data/tiny/bdd100k/',
    data_prefix=dict(
        img_path='images/10k/train', seg_map_path='labels/sem_seg/masks/train'),
    pipeline=_tiny_train('bdd100k'))
tiny_bdd100k_val = dict(
    type='BDD100KDataset',
    data_root='data/tiny/bdd100k/',
    data_prefix=dict(
        img_path='images/10k/val', seg_map_path='labels/sem_seg/masks/val'),
    pipeline=_tiny_test('bdd100k'))

tiny_camvid_train = dict(
    type='CamVidDataset',
    data_root='data/tiny/camvid/',
    data_prefix=dict(img_path='train', seg_map_path='trainannot'),
    pipeline=_tiny_train('camvid'))
tiny_camvid_val = dict(
    type='CamVidDataset',
    data_root='data/tiny/camvid/',
    data_prefix=dict(img_path='val', seg_map_path='valannot'),
    pipeline=_tiny_test('camvid'))

tiny_coco_stuff_train = dict(
    type='COCOStuffDataset',
    data_root='data/tiny/coco_stuff164k/',
    data_prefix=dict(
        img_path='images/train2017', seg_map_path='annotations/train2017'),
    pipeline=_tiny_train('coco_stuff'))
tiny_coco_stuff_val = dict(
    type='COCOStuffDataset',
    data_root='data/tiny/coco_stuff164k/',
    data_prefix=dict(
        img_path='images/val2017', seg_map_path='annotations/val2017'),
    pipeline=_tiny_test('coco_stuff'))
