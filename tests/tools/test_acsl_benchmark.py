"""Pieces of tools/analysis_tools/acsl_benchmark.py that run without training."""
import argparse
import math
import os.path as osp
import types

import pytest
import torch
import torch.nn as nn

from tests.utils import load_tool


def _tool():
    return load_tool('analysis_tools/acsl_benchmark')


def test_seesaw_warm_start_copies_softmax_rows(tmp_path):
    tool = _tool()
    num_classes, dim = 4, 3
    weight = torch.arange(15.).view(5, dim)
    bias = torch.tensor([1., 2., 3., 4., -5.])
    ckpt = tmp_path / 'stage1.pth'
    torch.save({'state_dict': {'roi_head.bbox_head.fc_cls.weight': weight,
                               'roi_head.bbox_head.fc_cls.bias': bias}}, ckpt)
    model = nn.Module()
    model.roi_head = nn.Module()
    model.roi_head.bbox_head = nn.Module()
    model.roi_head.bbox_head.fc_cls = nn.Linear(dim, num_classes + 2)
    tool.SeesawWarmStartHook(str(ckpt)).before_train(
        types.SimpleNamespace(model=model))
    fc = model.roi_head.bbox_head.fc_cls
    assert torch.equal(fc.weight[:4], weight[:4])
    assert torch.equal(fc.weight[5], weight[4])  # bg -> negative objectness
    assert torch.allclose(fc.weight[4], weight[:4].mean(0))
    assert fc.bias[4].item() == pytest.approx(2.5 + math.log(4), rel=1e-6)
    assert fc.bias[5].item() == -5.


def test_report_has_mean_and_spread(tmp_path):
    tool = _tool()
    run = dict(metrics={f'lvis/bbox_{m}': v for m, v in
                        dict(AP=0.1, APr=0.05, APc=0.1, APf=0.2).items()},
               curve=[(1, 2.0), (2, 1.0)], wall_s=60.0, cpu_s=30.0)
    other = dict(run, metrics=dict(run['metrics'], **{'lvis/bbox_AP': 0.3}))
    results = {'stage1': [run, other], 'acsl': [run, run]}
    args = argparse.Namespace(seeds=[0, 1], stage1_epochs=1, stage2_epochs=1,
                              speed_repeats=3)
    rep = tool.report(results, dict(softmax=[1.0, 1.0, 1.0], acsl=[1.05] * 3), args)
    paths = rep.write(str(tmp_path))
    text = open(paths['md']).read()
    assert '| softmax baseline (stage 1 only) | 20.0 ± 14.1 |' in text  # sample std
    assert 'n=2 seeds' in text
    assert '| ACSL | 1050.0 | 1.050 |' in text
    assert '4 arm-seed runs, 4.0 min wall and 2.0 CPU-min in all' in text
    assert all(osp.isfile(p) for p in paths.values())


def test_arms_change_only_loss_and_schedule():
    tool = _tool()
    args = tool.parse_args([])
    stage1, stage2 = tool.arms(args)
    assert [a.name for a in stage2] == ['softmax', 'acsl', 'seesaw', 'acsl-adaptive']
    for arm in stage2:
        assert set(arm.options) == {'param_scheduler'}
        assert arm.config == tool.STAGE2
        cfg = tool.hb.load_config(arm, 'work_dirs/unused', seed=0)
        loss = cfg.model.roi_head.bbox_head.loss_cls
        assert loss.type == tool.LOSSES[arm.name]['type']
        if loss.type == 'ACSLLoss':  # the twin's groups survive the loss swap
            assert loss.label_groups_file.endswith('.json')
