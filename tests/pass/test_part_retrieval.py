"""Per-part frozen features and the miniature benchmark's per-part retrieval (spec (f))."""
import importlib
import json
import os
import sys
from itertools import combinations

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub

from tests.utils import REPO_ROOT, build_model, load_tool

_helpers = importlib.import_module('tests.pass.helpers')  # `pass` is a keyword
_pkg = _helpers.pass_module()
TINY_PT = os.path.join(REPO_ROOT, 'configs', 'pass', 'tiny',
                       'pass_vit-small-p16_8xb128-amp-coslr-100e_luperson.py')


def _reid_generator():
    sys.path.insert(0, os.path.join(REPO_ROOT, 'tools', 'dataset_converters'))
    from tiny_datasets import reid
    return reid


def _tiny_pass(**model):
    cfg = Config.fromfile(TINY_PT)
    cfg.model.update(model)
    torch.manual_seed(0)
    m = build_model(cfg)
    m.init_weights()
    return m


def _views(b=2):
    g = torch.Generator().manual_seed(0)
    return [torch.randn(b, 3, 64, 32, generator=g) for _ in range(2)] + \
        [torch.randn(b, 3, 32, 16, generator=g) for _ in range(9)]


def test_token_features_name_every_token_of_the_teacher():
    """Each [PART] token alone, [CLS] alone and cat(cls, mean parts), taken from the
    teacher once it has been updated; predict returns the chosen one."""
    MessageHub.get_current_instance().update_info('max_iters', 10)
    model = _tiny_pass().train()
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1.)
    for _ in range(2):  # student and teacher now differ
        opt.zero_grad()
        model.loss(_views())['loss'].backward()
        opt.step()
    model.loss(_views())
    model.eval()
    x = torch.randn(3, 3, 64, 32)
    feats = model.token_features(x)
    assert set(feats) == set(model.feature_names) == {
        'cls', 'part1', 'part2', 'part3', 'cls_parts'}
    tokens = model.teacher.module[0](x)
    student = model.backbone(x)
    assert not torch.allclose(tokens[3], student[3])
    for k in range(4):
        name = 'cls' if k == 0 else f'part{k}'
        assert torch.equal(feats[name], tokens[k]), name
    assert torch.allclose(feats['cls_parts'],
                          torch.cat([tokens[0], (tokens[1] + tokens[2] + tokens[3]) / 3], 1))
    assert not torch.allclose(feats['part1'], feats['part3'])
    model.test_feature = 'part3'
    out = torch.stack([s.pred_feature for s in model(x, None, mode='predict')])
    assert torch.equal(out, tokens[3])


def test_unknown_test_feature_lists_the_choices():
    with pytest.raises(ValueError, match=r"test_feature='part4'.*'part3'"):
        _tiny_pass(test_feature='part4')


def _meta(pids, query, cams=None):
    return dict(pid=np.asarray(pids), camid=np.asarray(cams or [0] * len(pids)),
                query=np.asarray(query, bool))


def test_band_retrieval_removes_the_own_identity():
    """Same-band mAP: relevant = other identities with the query's band style; the
    query's own identity is removed even when it is ranked first."""
    tool = load_tool('analysis_tools/pass_benchmark')
    styles = {'1': [0, 5, 7], '2': [1, 5, 7], '3': [2, 6, 8]}
    #          q(1)  g(1)  g(2)  g(3)
    meta = _meta([1, 1, 2, 3], [1, 0, 0, 0])
    feats = torch.tensor([[1., 0.], [1., 0.], [.8, .6], [.6, .8]])
    # head: nobody else wears style 0 -> no valid query -> an error, not mAP 0
    with pytest.raises(ValueError, match='none of the 1 queries'):
        tool.band_map(feats, meta, styles, 0)
    # torso / legs: identity 2 shares them and is ranked first once 1 is removed
    assert tool.band_map(feats, meta, styles, 1) == pytest.approx(100)
    assert tool.band_map(feats, meta, styles, 2) == pytest.approx(100)
    feats = torch.tensor([[1., 0.], [1., 0.], [.6, .8], [.8, .6]])
    assert tool.band_map(feats, meta, styles, 2) == pytest.approx(50)
    ident = tool.identity_metrics(feats, _meta([1, 1, 2, 3], [1, 0, 0, 0],
                                               [0, 1, 1, 1]))
    assert ident == dict(mAP=pytest.approx(100), R1=100, R5=100)


def test_benchmark_persons_share_two_of_three_bands(tmp_path):
    reid = _reid_generator()
    ids = reid.part_identities(100, 'test')
    assert len(set(ids)) == 100
    assert all(0 <= s < reid.NUM_BAND_STYLES for i in ids for s in i)
    two = sum(sum(a == b for a, b in zip(x, y)) == 2 for x, y in combinations(ids, 2))
    assert two >= 50  # many pairs differ in a single body part
    root = str(tmp_path)
    reid.generate_part_benchmark(root, pretrain_ids=3, per_pretrain=2, test_ids=4)
    lup = [f for _, _, fs in os.walk(os.path.join(root, 'luperson')) for f in fs]
    assert len(lup) == 6
    ds = _pkg.Market1501Dataset(data_root=os.path.join(root, 'market1501'),
                                split='test', lazy_init=False)
    assert ds.metainfo['num_query'] == 8 and len(ds) == 24
    with open(os.path.join(root, 'market1501', 'band_styles.json')) as f:
        styles = json.load(f)
    pids = {ds.get_data_info(i)['pid'] for i in range(len(ds))}
    assert sorted(int(p) for p in styles) == sorted(pids)
    assert [tuple(v) for _, v in sorted(styles.items())] == \
        reid.part_identities(4, 'test')


def test_benchmark_arms_and_retrieval_of_an_untrained_model(tmp_path):
    """The arms differ only as named; the probe scores every feature on identities
    and per band, above the random-feature level or equal for the untrained ViT."""
    from projects.common import benchmark as hb
    tool = load_tool('analysis_tools/pass_benchmark')
    reid = _reid_generator()
    data = tmp_path / 'data'
    reid.generate_part_benchmark(str(data), pretrain_ids=2, per_pretrain=1,
                                 test_ids=12)
    with open(data / 'market1501' / 'band_styles.json') as f:
        styles = json.load(f)
    extra = {'test_dataloader.dataset.data_root': str(data / 'market1501')}
    cfgs = {a.name: hb.load_config(a, str(tmp_path), 0, epochs=3, extra=extra)
            for a in tool.ARMS}
    crop = {n: c.train_dataloader.dataset.pipeline[1] for n, c in cfgs.items()}
    assert crop['dino'].area_starts == (0., 0., 0.) and crop['dino'].area_height == 1.
    assert 'area_starts' not in crop['pass']
    assert cfgs['dino'].model.head.part_terms is False
    assert cfgs['dino'].model.test_feature == 'cls'
    assert cfgs['pass'].model.get('test_feature', 'cls_parts') == 'cls_parts'
    runner = hb.build_runner(tool.ARMS[1], str(tmp_path), 0, extra=extra)
    runner.model.init_weights()
    out = tool.retrieval(runner.model, runner.test_dataloader, styles)
    assert set(out) == {f'{f}/{m}' for f in tool.FEATURES for m in (
        'mAP', 'R1', 'R5', 'head_mAP', 'torso_mAP', 'legs_mAP')}
    assert all(0 <= v <= 100 for v in out.values())
    meta = tool.extract_meta(runner.test_dataloader)
    assert int(meta['query'].sum()) == 24 and len(meta['pid']) == 72
    rand = tool.chance(meta, styles, draws=5)
    assert rand['mAP'] < out['cls_parts/mAP']


def test_benchmark_merge_reports_kept_runs_of_per_seed_work_dirs(tmp_path):
    """``--merge`` reports hand-made kept runs (trained and untrained arm) of two work
    dirs with their seeds and epochs; nothing is trained."""
    from projects.common import benchmark as hb
    tool = load_tool('analysis_tools/pass_benchmark')
    data = tmp_path / 'data'
    _reid_generator().generate_part_benchmark(str(data), pretrain_ids=2, per_pretrain=1,
                                              test_ids=12)
    (data / tool.MARKER).touch()
    keys = ('mAP', 'R1', 'R5') + tuple(f'{b}_mAP' for b in tool.BANDS)
    for seed, value in ((0, 30.0), (1, 40.0)):
        store = hb.RunStore(str(tmp_path / f's{seed}'), dict(epochs=6))
        for arm, offset in (('pass', 20.0), ('init', 0.0)):
            metrics = {f'{f}/{k}': value + offset for f in tool.FEATURES for k in keys}
            store.put(arm, seed, dict(metrics=metrics, train_s=60.0, curve=[[1, 1.0]]))
    tool.main(['--merge', str(tmp_path / 's0'), str(tmp_path / 's1'), '--arms', 'pass',
               '--data-dir', str(data), '--work-dir', str(tmp_path / 'out')])
    text = (tmp_path / 'out' / 'pass_benchmark.md').read_text()
    # (50, 60) and (30, 40): means 55 / 35, sample std 10 / sqrt(2) = 7.07
    assert ('| PASS (part areas, CLS + PART tokens): cls_parts | 55.0 ± 7.1 | 55.0 ± 7.1 '
            '| 55.0 ± 7.1 | 60 ± 0 |') in text
    assert '| untrained: cls | 35.0 ± 7.1 | 35.0 ± 7.1 | 35.0 ± 7.1 | 60 ± 0 |' in text
    assert '(2 seeds, 6 epochs, mean ± sample std)' in text
    assert not (tmp_path / 'out' / 'runs').exists()  # nothing new was run
