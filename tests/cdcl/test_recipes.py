"""Every full CDCL config is the recipe of the spec (specs/cdcl.md sections (b) and (e)).

PSPNet R-18-D8 (ImageNet-pretrained), SGD lr 0.01 momentum 0.9 wd 1e-4 with pure poly
decay, 512x512 crops, batch 8 per dataset, per-dataset losses averaged over valid pixels,
DAT with t = 1 and w_i = 1. Values the paper does not give are the spec's recorded
assumptions (80k iterations, 4 GPUs, mmseg's per-dataset augmentation and test scales).
Written from the spec, not read back from the configs.
"""
import glob
import os.path as osp

import pytest

from tests.recipe_tables import MISSING, check_row, expand, row_id
from tests.utils import REPO_ROOT

D = 'configs/cdcl/'
CLASSES = {'cityscapes': 19, 'bdd100k': 19, 'camvid': 11, 'coco_stuff': 171}
SCALES = {'cityscapes': (2048, 1024), 'bdd100k': (1280, 720),
          'camvid': (960, 720), 'coco_stuff': (2048, 512)}
FILES = {'cityscapes': 'cityscapes', 'bdd100k': 'bdd100k', 'camvid': 'camvid',
         'coco_stuff': 'coco-stuff164k'}
TRAIN_PIPELINE = ['LoadImageFromFile', 'LoadAnnotations', 'RandomResize',
                  'RandomCrop', 'RandomFlip', 'PhotoMetricDistortion',
                  'SetDatasetIndex', 'PackSegInputs']
TEST_PIPELINE = ['LoadImageFromFile', 'Resize', 'LoadAnnotations',
                 'SetDatasetIndex', 'PackSegInputs']


def _common():
    return [
        ('optim_wrapper.optimizer.type', 'SGD'),
        ('optim_wrapper.optimizer.lr', 0.01),
        ('optim_wrapper.optimizer.momentum', 0.9),
        ('optim_wrapper.optimizer.weight_decay', 1e-4),
        ('optim_wrapper.paramwise_cfg', MISSING),
        ('optim_wrapper.clip_grad', None),
        ('param_scheduler|types', ['PolyLR']),
        ('param_scheduler[type=PolyLR].power', 0.9),
        ('param_scheduler[type=PolyLR].eta_min', 0.0),
        ('param_scheduler[type=PolyLR].by_epoch', False),
        ('param_scheduler[type=PolyLR].end', 80000),
        ('train_cfg.type', 'IterBasedTrainLoop'),
        ('train_cfg.max_iters', 80000),
        ('model.data_preprocessor.size', (512, 512)),
        ('model.backbone.type', 'ResNetV1c'),
        ('model.backbone.depth', 18),
        ('model.backbone.dilations', (1, 1, 2, 4)),
        ('model.backbone.strides', (1, 2, 1, 1)),
        ('model.backbone.init_cfg.checkpoint', 'open-mmlab://resnet18_v1c'),
        ('model.decode_head.in_channels', 512),
        ('model.decode_head.channels', 128),
        ('model.decode_head.pool_scales', (1, 2, 3, 6)),
        ('model.auxiliary_head.in_channels', 256),
        ('model.auxiliary_head.channels', 64),
        # per-dataset L_i: mean over valid pixels
        ('model.decode_head.loss_decode.type', 'CrossEntropyLoss'),
        ('model.decode_head.loss_decode.avg_non_ignore', True),
        ('model.decode_head.loss_decode.loss_weight', 1.0),
        ('model.auxiliary_head.loss_decode.avg_non_ignore', True),
        ('model.auxiliary_head.loss_decode.loss_weight', 0.4),
    ]


def _dataset(prefix, name, split):
    rows = [(f'{prefix}.pipeline|types',
             TRAIN_PIPELINE if split == 'train' else TEST_PIPELINE),
            (f'{prefix}.pipeline[type=SetDatasetIndex].name', name)]
    if split == 'train':
        rows += [
            (f'{prefix}.pipeline[type=RandomResize].scale', SCALES[name]),
            (f'{prefix}.pipeline[type=RandomResize].ratio_range', (0.5, 2.0)),
            (f'{prefix}.pipeline[type=RandomCrop].crop_size', (512, 512)),
            (f'{prefix}.pipeline[type=RandomFlip].prob', 0.5),
        ]
    else:
        rows.append((f'{prefix}.pipeline[type=Resize].scale', SCALES[name]))
    return rows


def _single(name):
    return _common() + [
        ('model.type', 'EncoderDecoder'),
        ('model.decode_head.type', 'PSPHead'),
        ('model.decode_head.num_classes', CLASSES[name]),
        ('model.auxiliary_head.num_classes', CLASSES[name]),
        ('train_dataloader.batch_size', 2),
        ('train_dataloader.sampler.type', 'InfiniteSampler'),
        ('val_evaluator.iou_metrics', ['mIoU']),
    ] + _dataset('train_dataloader.dataset', name, 'train') + _dataset(
        'test_dataloader.dataset', name, 'test')


def _cdcl(names):
    n = len(names)
    classes = [CLASSES[x] for x in names]
    rows = _common() + [
        ('model.type', 'CDCLEncoderDecoder'),
        ('model.num_datasets', n),
        ('model.dataset_names', names),
        # w_i = 1 (the segmentor's default)
        ('model.loss_weights', MISSING),
        ('model.backbone.norm_cfg.type', 'DSBN'),
        ('model.backbone.norm_cfg.num_datasets', n),
        ('model.backbone.norm_cfg.bn_type', 'SyncBN'),
        ('model.decode_head.type', 'DatasetAwarePSPHead'),
        ('model.decode_head.norm_cfg.type', 'DSBN'),
        ('model.auxiliary_head.type', 'DatasetAwareFCNHead'),
        ('model.auxiliary_head.norm_cfg.type', 'DSBN'),
        ('model.decode_head.num_classes', classes),
        ('model.auxiliary_head.num_classes', classes),
        # 2 images of every dataset per GPU (t = 1), 8 per dataset on 4 GPUs
        ('train_dataloader.batch_size', 2 * n),
        ('train_dataloader.sampler.type', 'MultiSourceSampler'),
        ('train_dataloader.sampler.batch_size', 2 * n),
        ('train_dataloader.sampler.source_ratio', [1] * n),
        ('train_dataloader.dataset.type', 'ConcatDataset'),
        ('val_cfg.type', 'MultiDatasetValLoop'),
        ('val_cfg.dataset_names', names),
        ('test_cfg.dataset_names', names),
        ('val_evaluator.iou_metrics', ['mIoU']),
    ]
    for i, name in enumerate(names):
        rows += _dataset(f'train_dataloader.dataset.datasets[{i}]', name,
                         'train')
        rows += _dataset(f'test_dataloader.dataset.datasets[{i}]', name, 'test')
    return rows


TABLE = {}
for name in CLASSES:
    TABLE[f'{D}pspnet_r18-d8_4xb2-80k_{FILES[name]}-512x512.py'] = _single(name)
for names in (['cityscapes', 'bdd100k'], ['cityscapes', 'camvid'],
              ['bdd100k', 'camvid'], ['cityscapes', 'coco_stuff'],
              ['cityscapes', 'bdd100k', 'camvid']):
    batch = 2 * len(names)
    files = '-'.join(FILES[x] for x in names)
    TABLE[f'{D}cdcl_pspnet_r18-d8_4xb{batch}-80k_{files}-512x512.py'] = \
        _cdcl(names)
ROWS = expand(TABLE)


def test_table_covers_every_full_config():
    configs = sorted(osp.relpath(p, REPO_ROOT)
                     for p in glob.glob(osp.join(REPO_ROOT, D, '*.py')))
    assert configs == sorted(TABLE)


@pytest.mark.parametrize('config,key,expected', ROWS, ids=map(row_id, ROWS))
def test_recipe_value(config, key, expected):
    check_row(config, key, expected)


def test_loss_is_a_mean_over_valid_pixels():
    """The configured decode loss ignores void (255) pixels in its mean."""
    import torch
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    from tests.recipe_tables import load_config, plain
    init_default_scope('mmseg')
    cfg = load_config(
        f'{D}cdcl_pspnet_r18-d8_4xb4-80k_cityscapes-camvid-512x512.py')
    loss = MODELS.build(plain(cfg.model.decode_head.loss_decode))
    logits = torch.randn(1, 3, 2, 4)
    labels = torch.tensor([[[0, 1, 2, 255], [255, 255, 255, 255]]])
    valid = torch.nn.functional.cross_entropy(logits, labels, ignore_index=255)
    torch.testing.assert_close(loss(logits, labels, ignore_index=255), valid)
