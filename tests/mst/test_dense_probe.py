"""Dense per-patch probe (projects/mst/dense_probe.py) and the tiny shape scenes it judges on."""
import colorsys
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image

from projects.mst.dense_probe import (PatchProbeMIoU, dense_patch_probe, extract_patches,
                                      patch_labels, patch_scores, patch_tokens)

SHAPES_CFG = 'configs/mst/tiny/_base_/tiny_shapes.py'
TINY = 'configs/mst/tiny/mst_deit-small-p16_16xb64-amp-coslr-100e_in1k.py'


def test_patch_labels_majority_ties_and_ignore():
    seg = torch.tensor([[1, 1, 0, 2],
                        [1, 0, 2, 0],
                        [2, 2, 255, 255],
                        [2, 3, 255, 255]])
    # patches: {1: 3, 0: 1} -> 1; {0: 2, 2: 2} tie -> 0; {2: 3, 3: 1} -> 2; all ignored
    assert patch_labels(seg, 2, 4).tolist() == [[[1, 0], [2, 255]]]
    # an ignored pixel does not vote: {3: 1, 255: 3} -> 3
    seg2 = torch.tensor([[[3, 255], [255, 255]]])
    assert patch_labels(seg2, 2, 4).tolist() == [[[3]]]


def test_patch_labels_bad_input_names_the_fix():
    with pytest.raises(ValueError, match='not divisible by the patch size 4'):
        patch_labels(torch.zeros(1, 6, 8, dtype=torch.long), 4, 2)
    with pytest.raises(ValueError, match='label value 5 outside 0..3'):
        patch_labels(torch.full((1, 4, 4), 5), 2, 4)


def test_patch_scores_hand_computed():
    target = torch.tensor([0, 0, 1, 2, 255])
    pred = torch.tensor([0, 1, 1, 2, 0])
    s = patch_scores(pred, target, num_classes=4)
    # kept 4 patches, 3 right; IoU 0: 1/2, 1: 1/2, 2: 1/1, class 3 absent (NaN, left out)
    assert s['acc'] == pytest.approx(75.0)
    assert s['miou'] == pytest.approx(100 * 2 / 3)
    assert s['iou'][:3] == pytest.approx([0.5, 0.5, 1.0]) and np.isnan(s['iou'][3])


def test_dense_probe_separates_separable_tokens_and_not_noise():
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 3, (600, ), generator=g)
    tokens = torch.randn(600, 8, generator=g) * 0.1
    tokens[torch.arange(600), labels] += 2.0
    tokens_noise = torch.randn(600, 8, generator=g)
    good = dense_patch_probe(tokens[:400], labels[:400], tokens[400:], labels[400:], 3)
    bad = dense_patch_probe(tokens_noise[:400], labels[:400], tokens_noise[400:],
                            labels[400:], 3)
    assert good['acc'] == 100.0 and good['miou'] == 100.0
    assert bad['acc'] < 60.0
    # ignored training patches are left out of the fit, not taught as a class
    labels_ign = labels.clone()
    labels_ign[:50] = 255
    assert dense_patch_probe(tokens[:400], labels_ign[:400], tokens[400:],
                             labels[400:], 3)['acc'] == 100.0


def test_patch_tokens_needs_a_raw_sequence():
    assert patch_tokens((torch.zeros(2, 65, 8), )).shape == (2, 64, 8)
    with pytest.raises(ValueError, match="out_type='raw'"):
        patch_tokens(torch.zeros(2, 8))


def _hue_distance(a, b):
    d = abs(a - b) % 1.0
    return min(d, 1 - d)


def test_shape_scenes_layout_and_labels_match_the_pixels(tiny_data):
    """Each labelled shape's pixels carry its class hue; the image label is in its map."""
    sys.path.insert(0, 'tools/dataset_converters')
    from tiny_datasets import shapes
    root = osp.join(tiny_data, 'shapes')
    lines = open(osp.join(root, 'meta', 'val.txt')).read().split('\n')[:-1]
    assert len(lines) == shapes.NUM_IMAGES['val']
    for line in lines[:30]:
        name, label = line.split()
        img = np.asarray(Image.open(osp.join(root, 'img_dir', 'val', name)).convert('RGB'))
        seg = np.asarray(Image.open(osp.join(root, 'ann_dir', 'val', name)))
        assert img.shape == (32, 32, 3) and seg.shape == (32, 32) and seg.max() <= 6
        assert (seg == int(label) + 1).sum() > 20
        for k in set(np.unique(seg).tolist()) - {0}:
            if (seg == k).sum() < 6:  # a sliver left by an overlapping shape
                continue
            rgb = img[seg == k].reshape(-1, 3).mean(0) / 255
            hue = colorsys.rgb_to_hsv(*rgb)[0]
            assert _hue_distance(hue, (k - 1) / 6) < 0.22, (name, k, hue)


def test_loop_and_metric_score_like_the_functions(tiny_data, tmp_path):
    """FrozenPatchTestLoop + PatchProbeMIoU in a config give dense_patch_probe's numbers."""
    from mmengine.runner import Runner
    cfg = Config.fromfile(TINY)
    shapes = Config.fromfile(SHAPES_CFG)
    cfg.work_dir = str(tmp_path)
    cfg.log_level = 'WARNING'
    test_cfg = shapes.shapes_dense_test_cfg
    test_cfg.bank_dataloader.dataset.indices = 24
    test_cfg.bank_dataloader.batch_size = 8
    loader = shapes.shapes_seg_test_dataloader
    loader.dataset.indices = 8
    cfg.test_cfg = test_cfg
    cfg.test_dataloader = loader
    cfg.test_evaluator = shapes.shapes_dense_evaluator
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    bank = extract_patches(runner.model,
                           runner.build_dataloader(test_cfg.bank_dataloader.to_dict()), 4, 7)
    test = extract_patches(runner.model, runner.build_dataloader(loader.to_dict()), 4, 7)
    assert bank[0].shape == (24 * 64, 64) and test[1].shape == (8 * 64, )
    # the labels are the majority classes of the label maps on disk
    name = runner.build_dataloader(loader.to_dict()).dataset.get_data_info(0)['seg_map_path']
    seg = torch.from_numpy(np.asarray(Image.open(name)).astype(np.int64))
    assert test[1][:64].tolist() == patch_labels(seg, 4, 7).reshape(-1).tolist()
    ref = dense_patch_probe(*bank, *test, 7)
    assert metrics['dense/acc'] == pytest.approx(ref['acc'])
    assert metrics['dense/mIoU'] == pytest.approx(ref['miou'])


def test_metric_needs_the_patch_loop():
    metric = PatchProbeMIoU(num_classes=3)
    with pytest.raises(KeyError, match='FrozenPatchTestLoop'):
        metric.process(None, [dict(feat=torch.zeros(4))])
