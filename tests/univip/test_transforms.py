import json

import mmcv
import numpy as np
import pytest
import torch
from mmengine.dataset import default_collate

from projects.univip import (UniVIPProposalDataset, UniVIPSceneInstanceSampler,
                             UniVIPViewAugment, box_iou, boxes_inside, shape_filter)

K = 4


def _sampler(**kwargs):
    cfg = dict(num_instances=K, scene_size=32, instance_size=16, min_overlap=16,
               min_size=16)
    cfg.update(kwargs)
    return UniVIPSceneInstanceSampler(**cfg)


def _grid_proposals(size=128, step=16, side=24):
    starts = np.arange(0, size - side + 1, step, dtype=np.float32)
    return np.array([[x, y, x + side, y + side] for y in starts for x in starts],
                    np.float32)


def _check_geometry(out, sampler, img_shape):
    boxes, windows = out['instance_boxes'], out['scene_boxes']
    assert boxes.shape == (K, 4) and windows.shape == (2, 4)
    for window in windows:
        assert boxes_inside(boxes, window).all()
    assert (windows[:, 2] <= img_shape[1]).all() and (windows[:, 3] <= img_shape[0]).all()
    assert len(out['img']) == 2 + K
    assert out['img'][0].shape[:2] == (32, 32) and out['img'][2].shape[:2] == (16, 16)


@pytest.mark.parametrize('seed', range(5))
def test_instances_inside_both_windows(seed):
    np.random.seed(seed)
    img = np.random.randint(0, 255, (128, 160, 3), np.uint8)
    sampler = _sampler()
    out = sampler(dict(img=img, proposals=_grid_proposals()))
    _check_geometry(out, sampler, img.shape)


def test_dense_proposals_succeed_on_first_try_and_seed_is_deterministic():
    img = np.zeros((128, 128, 3), np.uint8)
    sampler = _sampler(crop_ratio_range=(0.8, 1.0), instance_select='random')
    np.random.seed(3)
    first = [sampler._window(img), sampler._window(img)]
    np.random.seed(3)
    out = sampler(dict(img=img, proposals=_grid_proposals()))
    np.testing.assert_array_equal(out['scene_boxes'], np.stack(first))
    assert out['num_fallback_instances'] == 0
    np.random.seed(3)
    again = sampler(dict(img=img, proposals=_grid_proposals()))
    np.testing.assert_array_equal(again['instance_boxes'], out['instance_boxes'])


def test_rank_select_takes_first_k_inside_overlap():
    img = np.zeros((128, 128, 3), np.uint8)
    proposals = _grid_proposals()
    sampler = _sampler(crop_ratio_range=(0.99, 1.0), aspect_ratio_range=(1.0, 1.0))
    out = sampler(dict(img=img, proposals=proposals))
    inside = proposals[boxes_inside(proposals, out['scene_boxes'][0])
                       & boxes_inside(proposals, out['scene_boxes'][1])]
    np.testing.assert_array_equal(out['instance_boxes'], inside[:K])


@pytest.mark.parametrize('proposals', [np.zeros((0, 4), np.float32),
                                       np.array([[0, 0, 20, 20]], np.float32)])
def test_fallback_returns_k_valid_boxes(proposals):
    np.random.seed(0)
    img = np.zeros((96, 96, 3), np.uint8)
    sampler = _sampler()
    out = sampler(dict(img=img, proposals=proposals))
    _check_geometry(out, sampler, img.shape)
    assert out['num_fallback_instances'] >= K - len(proposals)
    assert shape_filter(out['instance_boxes'], 16, 3.0).all()


def test_tiny_image_fallback_uses_smaller_boxes():
    np.random.seed(1)
    img = np.zeros((10, 12, 3), np.uint8)
    sampler = _sampler()
    out = sampler(dict(img=img, proposals=np.zeros((0, 4), np.float32)))
    _check_geometry(out, sampler, img.shape)
    assert out['num_fallback_instances'] == K


def test_box_helpers_by_hand():
    box = np.array([0, 0, 2, 2], np.float32)
    np.testing.assert_allclose(box_iou(box, np.array([[1, 0, 3, 2]], np.float32)), [1 / 3])
    assert shape_filter(np.array([[0, 0, 64, 192], [0, 0, 64, 193], [0, 0, 63, 63]],
                                 np.float32), 64, 3).tolist() == [True, False, False]


def test_bad_options_raise():
    with pytest.raises(ValueError, match='instance_select'):
        _sampler(instance_select='largest')
    with pytest.raises(ValueError, match='scene_pipelines'):
        UniVIPViewAugment(scene_pipelines=[[]], instance_pipelines=[[]])


def _augment(two_views):
    flip = [dict(type='RandomFlip', prob=1.0)]
    return UniVIPViewAugment(scene_pipelines=[[], flip], instance_pipelines=[[], flip],
                             instance_two_views=two_views)


@pytest.mark.parametrize('two_views', [True, False])
def test_view_augment_and_collate(two_views):
    img = np.random.RandomState(0).randint(0, 255, (64, 64, 3), np.uint8)
    pipeline = [_sampler(), _augment(two_views),
                dict(type='PackInputs', algorithm_keys=['instance_boxes'])]
    from mmcv.transforms import Compose
    from mmpretrain.registry import TRANSFORMS
    compose = Compose([t if not isinstance(t, dict) else TRANSFORMS.build(t)
                       for t in pipeline])
    batch = [compose(dict(img=img, proposals=_grid_proposals(64, 8, 16)))
             for _ in range(3)]
    views = 2 + K * (2 if two_views else 1)
    assert len(batch[0]['inputs']) == views
    collated = default_collate(batch)
    assert len(collated['inputs']) == views
    assert collated['inputs'][0].shape == (3, 3, 32, 32)
    assert collated['inputs'][-1].shape == (3, 3, 16, 16)
    if two_views:  # the target copy is the flipped online instance
        torch.testing.assert_close(collated['inputs'][2 + K],
                                   collated['inputs'][2].flip(-1))


def _write(tmp_path, data_list, images=True):
    if images:
        for info in data_list:
            mmcv.imwrite(np.zeros((40, 50, 3), np.uint8), str(tmp_path / 'imgs' / info['img_path']))
    ann = tmp_path / 'proposals.json'
    ann.write_text(json.dumps(dict(metainfo=dict(proposal_format='xyxy'),
                                   data_list=data_list)))
    return str(ann)


def test_dataset_loads_clips_and_keeps_empty(tmp_path):
    ann = _write(tmp_path, [
        dict(img_path='a.jpg', proposals=[[1, 2, 30, 30], [-5, 0, 70, 10]], width=50, height=40),
        dict(img_path='b.jpg', proposals=[])])
    dataset = UniVIPProposalDataset(ann_file=ann, data_root=str(tmp_path),
                                    data_prefix=dict(img_path='imgs'))
    assert len(dataset) == 2
    a, b = dataset.get_data_info(0), dataset.get_data_info(1)
    np.testing.assert_array_equal(a['proposals'], [[1, 2, 30, 30], [0, 0, 50, 10]])
    assert a['proposals'].dtype == np.float32 and b['proposals'].shape == (0, 4)


def test_dataset_missing_image_names_file_and_prefix(tmp_path):
    ann = _write(tmp_path, [dict(img_path='missing.jpg', proposals=[])], images=False)
    with pytest.raises(FileNotFoundError, match=r'missing\.jpg.*data_prefix'):
        UniVIPProposalDataset(ann_file=ann, data_root=str(tmp_path),
                              data_prefix=dict(img_path='imgs'))


def test_dataset_malformed_boxes_name_the_image(tmp_path):
    ann = _write(tmp_path, [dict(img_path='c.jpg', proposals=[[1, 2, 3]])])
    with pytest.raises(ValueError, match=r'c\.jpg'):
        UniVIPProposalDataset(ann_file=ann, data_root=str(tmp_path),
                              data_prefix=dict(img_path='imgs'))
