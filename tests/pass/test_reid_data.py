"""Market-1501 / MSMT17 datasets, the P x K sampler and the Market-protocol metric."""
import importlib
import os
import shutil

import numpy as np
import pytest
import torch

from tests.utils import REPO_ROOT

_helpers = importlib.import_module('tests.pass.helpers')  # `pass` is a keyword
pass_module = _helpers.pass_module

_pkg = pass_module()
RandomIdentitySampler = _pkg.RandomIdentitySampler
Market1501Dataset, MSMT17Dataset = _pkg.Market1501Dataset, _pkg.MSMT17Dataset
ReIDMetric, market_protocol = _pkg.ReIDMetric, _pkg.market_protocol
squared_euclidean = _pkg.squared_euclidean


def test_market_splits_drop_junk_keep_distractors(tiny_data):
    root = os.path.join(tiny_data, 'market1501')
    files = os.listdir(os.path.join(root, 'bounding_box_test'))
    junk = [f for f in files if f.startswith('-1_')]
    assert junk, 'the tiny gallery must contain junk images'
    train = Market1501Dataset(root, split='train')
    assert len(train) == 288 and len(train.metainfo['classes']) == 48
    labels = [train.get_data_info(i)['gt_label'] for i in range(len(train))]
    assert sorted(set(labels)) == list(range(48))
    gallery = Market1501Dataset(root, split='gallery')
    pids = [gallery.get_data_info(i)['pid'] for i in range(len(gallery))]
    assert len(gallery) == len(files) - len(junk)
    assert -1 not in pids and pids.count(0) == 6
    cams = {gallery.get_data_info(i)['camid'] for i in range(len(gallery))}
    assert min(cams) == 0 and max(cams) <= 5
    test = Market1501Dataset(root, split='test')
    flags = [test.get_data_info(i)['query'] for i in range(len(test))]
    num_query = test.metainfo['num_query']
    assert num_query == 16 and flags == [True] * 16 + [False] * len(gallery)
    small = Market1501Dataset(root, split='test', indices=2)
    assert small.metainfo['num_query'] == 2
    assert len(small) == 2 + len(gallery)


def test_market_bad_file_name_names_file_and_pattern(tiny_data, tmp_path):
    root = tmp_path / 'market'
    shutil.copytree(os.path.join(tiny_data, 'market1501'), root)
    (root / 'query' / 'img_01.jpg').write_bytes(b'')
    with pytest.raises(ValueError, match=r'img_01\.jpg.*<pid>_c<camera>'):
        Market1501Dataset(str(root), split='test')


def test_msmt17_lists_train_is_train_plus_val(tiny_data, tmp_path):
    root = str(tmp_path / 'msmt17')
    shutil.copytree(os.path.join(tiny_data, 'msmt17'), root)
    train = MSMT17Dataset(root, split='train')
    assert len(train) == 288 and len(train.metainfo['classes']) == 48
    info = train.get_data_info(0)
    name = os.path.basename(info['img_path'])
    assert info['camid'] == int(name.split('_')[2]) - 1
    assert os.path.isfile(info['img_path'])
    test = MSMT17Dataset(root, split='test')
    assert test.metainfo['num_query'] == 16 and len(test) == 16 + 32
    with open(os.path.join(root, 'list_query.txt'), 'a') as f:
        f.write('broken_line\n')
    with pytest.raises(ValueError, match='list_query.txt line 17'):
        MSMT17Dataset(root, split='query')


def test_identity_sampler_batches_are_p_by_k(tiny_data):
    root = os.path.join(tiny_data, 'market1501')
    train = Market1501Dataset(root, split='train')
    sampler = RandomIdentitySampler(train, batch_size=8, num_instances=4,
                                    seed=0)
    indices = list(sampler)
    assert len(indices) <= len(sampler) and len(indices) % 8 == 0
    assert len(sampler) == 48 * 4  # official estimate: 6 images -> one chunk of 4
    for b in range(0, len(indices), 8):
        pids = [train.get_data_info(i)['pid'] for i in indices[b:b + 8]]
        assert all(pids.count(p) == 4 for p in pids) and len(set(pids)) == 2
    sampler.set_epoch(1)
    assert list(sampler) != indices
    with pytest.raises(ValueError, match='multiple of num_instances'):
        RandomIdentitySampler(train, batch_size=10, num_instances=4)


class _FewShots:
    """Two identities, one with a single image (resampled with replacement)."""

    def __len__(self):
        return 3

    def get_data_info(self, i):
        return dict(pid=[5, 5, 9][i])


def test_identity_sampler_resamples_small_identities():
    sampler = RandomIdentitySampler(_FewShots(), batch_size=4,
                                    num_instances=2, seed=0)
    batch = list(sampler)
    assert len(batch) == 4 and batch.count(2) == 2


def _hand_case():
    # Gallery: g0 pid1/cam0, g1 pid2/cam1, g2 pid1/cam1, g3 distractor pid0/cam2,
    # g4 pid1/cam2, g5 pid3/cam1. Queries: A pid1/cam0, B pid2/cam0, C pid3/cam1.
    g_pids = np.array([1, 2, 1, 0, 1, 3])
    g_cams = np.array([0, 1, 1, 2, 2, 1])
    q_pids, q_cams = np.array([1, 2, 3]), np.array([0, 0, 1])
    dist = np.array([
        [.1, .4, .3, .2, .5, .6],  # A: g0 removed -> g3 g2 g1 g4 g5 = 0 1 0 1 0
        [.5, .1, .2, .3, .4, .6],  # B: g1 first and only match
        [.6, .5, .4, .3, .2, .1],  # C: its only match g5 shares the camera
    ])
    return dist, q_pids, g_pids, q_cams, g_cams


def test_market_protocol_hand_computed():
    cmc, mean_ap, valid = market_protocol(*_hand_case())
    assert valid == 2  # C has no valid match and is skipped
    # A: AP = (1/2 + 2/4) / 2 = 0.5, first hit at rank 2; B: AP = 1, rank 1.
    assert mean_ap == pytest.approx(0.75)
    assert cmc.tolist() == [0.5, 1, 1, 1, 1, 1]  # curve length min(50, G)


def test_market_protocol_no_valid_query_is_an_error():
    dist, q_pids, g_pids, q_cams, g_cams = _hand_case()
    with pytest.raises(ValueError, match='none of the 1 queries'):
        market_protocol(dist[2:], q_pids[2:], g_pids, q_cams[2:], g_cams)


def test_reid_metric_normalises_and_reports_percent():
    gen = torch.Generator().manual_seed(0)
    feats = torch.randn(9, 8, generator=gen)
    pids = [1, 2, 3, 1, 2, 1, 0, 3, 2]
    cams = [0, 0, 1, 0, 1, 1, 2, 1, 2]
    samples = [
        dict(pred_feature=f * (i + 1), pid=p, camid=c, query=i < 3)
        for i, (f, p, c) in enumerate(zip(feats, pids, cams))
    ]
    metric = ReIDMetric()
    metric.process(None, samples)
    out = metric.evaluate(9)
    dist = torch.cdist(
        torch.nn.functional.normalize(feats[:3], dim=1),
        torch.nn.functional.normalize(feats[3:], dim=1))**2
    assert torch.allclose(
        squared_euclidean(feats[:3] * 7, feats[3:]), dist, atol=1e-5)
    cmc, mean_ap, _ = market_protocol(dist.numpy(), np.array(pids[:3]),
                                      np.array(pids[3:]), np.array(cams[:3]),
                                      np.array(cams[3:]))
    assert out['reid/mAP'] == pytest.approx(100 * mean_ap)
    assert out['reid/R1'] == pytest.approx(100 * cmc[0])
    assert set(out) == {'reid/mAP', 'reid/R1', 'reid/R5', 'reid/R10'}
    with pytest.raises(KeyError, match='pred_feature'):
        metric.process(None, [dict(pid=1, camid=0, query=True)])


def test_tiny_reid_generators_are_deterministic_and_counted(tiny_data,
                                                            tmp_path):
    import hashlib
    import sys
    sys.path.insert(0, os.path.join(REPO_ROOT, 'tools', 'dataset_converters'))
    from tiny_datasets import reid

    def digest(root):
        h = hashlib.sha256()
        for dirpath, dirs, files in sorted(os.walk(root)):
            dirs.sort()
            for name in sorted(f for f in files if not f.startswith('.')):
                path = os.path.join(dirpath, name)
                h.update(os.path.relpath(path, root).encode())
                with open(path, 'rb') as f:
                    h.update(f.read())
        return h.hexdigest()

    for name, generate in reid.GENERATORS.items():
        out = tmp_path / name
        generate(str(out))
        images = [f for _, _, fs in os.walk(out) for f in fs
                  if f.endswith('.jpg')]
        assert len(images) == reid.num_images(name), name
        assert digest(out) == digest(os.path.join(tiny_data, name)), name


def test_reid_metric_without_a_valid_match_is_an_error_not_zero():
    """Bad input: every query's only gallery match shares its camera (removed by the
    protocol), or there is no gallery at all -> a clear error, never mAP 0."""
    feats = torch.eye(4)
    same_cam = [dict(pred_feature=f, pid=p, camid=0, query=q) for f, p, q in
                zip(feats, [1, 2, 1, 2], [True, True, False, False])]
    metric = ReIDMetric()
    metric.process(None, same_cam)
    with pytest.raises(ValueError, match='none of the 2 queries'):
        metric.evaluate(4)
    metric = ReIDMetric()
    metric.process(None, same_cam[:2])
    with pytest.raises(ValueError, match='2 queries and 0 gallery'):
        metric.evaluate(2)
