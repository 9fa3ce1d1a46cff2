"""tools/analysis_tools/univip_benchmark.py: the arms differ as named, the probes score what
they should, and the quality / merge / speed modes report."""
import json

import pytest
import torch

from tests.utils import load_tool


def test_arms_map_onto_the_model_options(tmp_path):
    from projects.common import benchmark as hb
    tool = load_tool('analysis_tools/univip_benchmark')
    cfgs = {n: hb.load_config(a, str(tmp_path), 0, epochs=7) for n, a in tool.ARMS.items()}
    weights = {n: dict(c.model.loss_weights) for n, c in cfgs.items()}
    assert weights['byol'] == dict(scene=1.0, scene_instance=0.0, instance=0.0)
    assert weights['byol-si'] == dict(scene=1.0, scene_instance=1.0, instance=0.0)
    assert weights['univip'] == weights['univip-uniform'] == dict(
        scene=1.0, scene_instance=1.0, instance=1.0)
    assert cfgs['univip'].model.ot_weights == 'scene'
    assert cfgs['univip-uniform'].model.ot_weights == 'uniform'
    assert all(c.param_scheduler[1].end == 7 for c in cfgs.values())
    assert all(c.train_cfg.max_epochs == 7 for c in cfgs.values())


def test_multilabel_probe_separates_linearly_separable_labels():
    tool = load_tool('analysis_tools/univip_benchmark')
    g = torch.Generator().manual_seed(0)
    x = torch.randn(200, 6, generator=g)
    y = (x[:, :3] > 0).float()  # three labels, each the sign of one feature
    x[:, :3] += 2 * y - 1  # with a margin
    scores = tool.multilabel_probe(x[:150], y[:150], x[150:])
    assert torch.equal((scores > 0).float(), y[150:])


def test_quality_merge_reports_hand_made_runs_of_two_work_dirs(tmp_path):
    from projects.common import benchmark as hb
    tool = load_tool('analysis_tools/univip_benchmark')
    settings = dict(epochs=4, train_images=64, probe_images=60)
    curve = [[1, 2.0], [2, 1.0]]
    for seed, scene in ((0, 30.0), (1, 40.0)):
        store = hb.RunStore(str(tmp_path / f's{seed}'), settings)
        for arm, offset in (('byol', 0.0), ('univip', 10.0)):
            store.put(arm, seed, dict(metrics=dict(scene=scene + offset, instance=20.0,
                                                   multilabel=50.0 + seed),
                                      curve=curve, train_s=6.0))
    out = tmp_path / 'merged'
    rep = tool.main(['quality', '--merge', str(tmp_path / 's0'), str(tmp_path / 's1'),
                     '--work-dir', str(out)])
    text = rep.markdown()
    # scene (30, 40) / (40, 50): mean 35 / 45, sample std 10 / sqrt(2) = 7.07
    assert '| BYOL | 4 | 6 | 35.0 ± 7.1 | 20.0 ± 0.0 | 50.5 ± 0.7 |' in text
    assert '| UniVIP | 4 | 6 | 45.0 ± 7.1 | 20.0 ± 0.0 | 50.5 ± 0.7 |' in text
    assert 'n=2 seeds [0, 1]' in text
    data = json.loads((out / 'univip_quality.json').read_text())['data']
    assert list(data['results']) == ['byol', 'univip']
    assert {k: data['args'][k] for k in settings} == settings


@pytest.mark.slow
def test_quality_merge_and_speed_reports(tiny_data, tmp_path):
    tool = load_tool('analysis_tools/univip_benchmark')
    for seed in (0, 1):
        tool.main(['quality', '--arms', 'univip', '--seeds', str(seed),
                   '--epochs', '2', '--train-images', '64', '--probe-images', '60',
                   '--work-dir', str(tmp_path / f's{seed}')])
    rep = tool.main(['quality', '--merge', str(tmp_path / 's0'), str(tmp_path / 's1'),
                     '--work-dir', str(tmp_path)])
    data = json.loads((tmp_path / 'univip_quality.json').read_text())['data']
    assert data['args']['seeds'] == [0, 1] and set(data['results']) == {'univip'}
    for runs in data['results'].values():
        assert len(runs) == 2 and runs[0]['curve']
        for key in ('scene', 'instance', 'multilabel'):
            assert 0 <= runs[0]['metrics'][key] <= 100
    assert 'multi-label mAP' in rep.markdown()
    assert (tmp_path / 'univip_quality.png').exists()
    rep = tool.main(['speed', '--batch-size', '2', '--repeats', '1',
                     '--work-dir', str(tmp_path)])
    assert 'ratio to BYOL' in rep.markdown()
