"""CamVid loading, dataset tagging, ConcatDataset metainfo and per-dataset evaluation
(spec f.7, f.8)."""
import mmcv
import numpy as np
import pytest
from mmengine.config import ConfigDict
from mmengine.dataset import ConcatDataset
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmseg.registry import DATASETS

from tests.cdcl.helpers import cdcl_cfg

META_KEYS = ('img_path', 'seg_map_path', 'ori_shape', 'img_shape',
             'pad_shape', 'scale_factor', 'flip', 'flip_direction',
             'reduce_zero_label', 'dataset_idx', 'dataset_name')
SUBSET = ('sky', 'building', 'road', 'tree', 'car', 'pedestrian')


@pytest.fixture(scope='module')
def camvid_root(tmp_path_factory):
    """Three 32x48 CamVid-format images whose labels use 0..10 and void = 11."""
    root = tmp_path_factory.mktemp('camvid')
    rng = np.random.default_rng(0)
    for split in ('train', 'val'):
        for i in range(3):
            label = rng.integers(0, 12, (32, 48)).astype(np.uint8)
            label[:4] = 11
            img = (rng.random((32, 48, 3)) * 255).astype(np.uint8)
            mmcv.imwrite(img, str(root / split / f'seq_{i:03d}.png'))
            mmcv.imwrite(label, str(root / f'{split}annot' / f'seq_{i:03d}.png'))
    return str(root)


def _camvid(root, name, classes=None, split='val'):
    cfg = dict(
        type='CamVidDataset', data_root=root,
        data_prefix=dict(img_path=split, seg_map_path=f'{split}annot'),
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations'),
            dict(type='SetDatasetIndex', name=name),
            dict(type='PackSegInputs', meta_keys=META_KEYS)
        ])
    if classes is not None:
        cfg['metainfo'] = dict(classes=classes)
    return cfg


def test_camvid_maps_void_to_ignore_and_tags_samples(camvid_root):
    init_default_scope('mmseg')
    ds = DATASETS.build(_camvid(camvid_root, 'camvid'))
    assert len(ds) == 3 and len(ds.metainfo['classes']) == 11
    sample = ds[0]['data_samples']
    label = sample.gt_sem_seg.data
    raw = mmcv.imread(sample.seg_map_path, flag='unchanged')
    assert (label[0, :4] == 255).all()
    assert int(label.max()) == 255 and int(label[label != 255].max()) <= 10
    assert ((raw == 11) == (label[0].numpy() == 255)).all()
    assert sample.metainfo['dataset_name'] == 'camvid'
    sub = DATASETS.build(_camvid(camvid_root, 'camvid', SUBSET))
    sub_label = sub[0]['data_samples'].gt_sem_seg.data
    assert len(sub.metainfo['classes']) == 6
    assert int(sub_label[sub_label != 255].max()) <= 5


def test_concat_dataset_needs_ignore_keys_for_different_label_sets(
        camvid_root):
    init_default_scope('mmseg')
    a = DATASETS.build(_camvid(camvid_root, 'a'))
    b = DATASETS.build(_camvid(camvid_root, 'b', SUBSET))
    with pytest.raises(ValueError, match='meta information'):
        ConcatDataset([a, b])
    concat = ConcatDataset(
        [a, b], ignore_keys=['classes', 'palette', 'label_map',
                             'reduce_zero_label'])
    # Its metainfo is the first dataset's only: never evaluate with it.
    assert len(concat.metainfo['classes']) == 11


def _runner(camvid_root, tmp_path, eval_datasets=None):
    model = cdcl_cfg((11, 6), names=['full', 'subset'])
    model['data_preprocessor']['size'] = None
    concat = dict(
        type='ConcatDataset',
        datasets=[_camvid(camvid_root, 'full'),
                  _camvid(camvid_root, 'subset', SUBSET)],
        ignore_keys=['classes', 'palette', 'label_map', 'reduce_zero_label'])
    return Runner(
        model=ConfigDict(model),
        work_dir=str(tmp_path),
        test_dataloader=dict(
            batch_size=1, num_workers=0, dataset=concat,
            sampler=dict(type='DefaultSampler', shuffle=False)),
        test_evaluator=dict(type='IoUMetric', iou_metrics=['mIoU']),
        test_cfg=dict(type='MultiDatasetTestLoop',
                      dataset_names=['full', 'subset'],
                      eval_datasets=eval_datasets),
        default_scope='mmseg',
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1)),
        experiment_name=f'cdcl_eval_{tmp_path.name}')


def test_each_dataset_is_evaluated_with_its_own_classes(camvid_root,
                                                         tmp_path):
    runner = _runner(camvid_root, tmp_path)
    metrics = runner.test()
    assert {'full/mIoU', 'subset/mIoU', 'mean/mIoU'} <= set(metrics)
    torch_mean = (metrics['full/mIoU'] + metrics['subset/mIoU']) / 2
    assert abs(metrics['mean/mIoU'] - torch_mean) < 1e-6
    loop = runner.test_loop
    counts = [len(loop.evaluators[i].metrics[0].dataset_meta['classes'])
              for i in (0, 1)]
    assert counts == [11, 6]
    # The per-class table covered each dataset's own classes.
    results = loop.evaluators[1].metrics[0]
    assert results.dataset_meta['classes'] == SUBSET


def test_eval_datasets_selects_a_dataset_and_rejects_unknown_names(
        camvid_root, tmp_path):
    metrics = _runner(camvid_root, tmp_path / 'one', ['subset']).test()
    assert 'subset/mIoU' in metrics and 'full/mIoU' not in metrics
    with pytest.raises(ValueError, match="'kitti'"):
        _runner(camvid_root, tmp_path / 'bad', ['kitti']).test()
