"""tools/analysis_tools/dpt_benchmark.py: efficiency part and the arms of the accuracy part."""
import json
import os.path as osp

import pytest

from tests.utils import load_tool


@pytest.mark.slow
def test_efficiency_smoke(tmp_path):
    tool = load_tool('analysis_tools/dpt_benchmark')
    work = str(tmp_path / 'bench')
    rep = tool.main(['--work-dir', work, '--variants', 'tiny', '--sizes', '64x96',
                     '--repeats', '1', '--skip-accuracy'])
    row = rep.data['efficiency'][0]
    assert row[:2] == ['tiny', '64x96']
    assert float(row[3]) > 1  # DePatch adds parameters ...
    assert 1 < float(row[5]) < 1.3  # ... and a few FLOPs on top of PVT's
    assert len(rep.data['times']['tiny 64x96']['dpt']) == 1
    assert '| tiny | 64x96 |' in open(osp.join(work, 'dpt_benchmark.md')).read()
    assert json.load(open(osp.join(work, 'dpt_benchmark.json')))['command']


def test_accuracy_arms_toggle_only_depatch():
    tool = load_tool('analysis_tools/dpt_benchmark')
    pvt, dpt = tool.ARMS
    assert pvt.config == dpt.config == tool.TINY
    assert pvt.options == {'model.backbone.depatch_stages': (False, ) * 4}
    assert dpt.options == {}


def test_merge_reports_kept_accuracy_runs_and_their_summed_cost(tmp_path):
    from projects.common import benchmark as hb
    tool = load_tool('analysis_tools/dpt_benchmark')
    curve = [[i + 1, 1.0] for i in range(10)]
    boxes = {'depatch2/box_init': 4.0, 'depatch2/box_w': 5.0, 'depatch2/box_h': 6.0,
             'depatch2/offset': 0.1}
    for seed, top1 in ((0, 50.0), (1, 54.0)):
        store = hb.RunStore(str(tmp_path / f's{seed}'), dict(epochs=6))
        for name, extra in (('pvt', {}), ('dpt', boxes)):
            store.put(name, seed, dict(
                metrics=dict({'accuracy/top1': top1, 'accuracy/top5': 90.0}, **extra),
                curve=curve, train_s=30.0, wall_s=60.0, cpu_s=30.0))
    tool.main(['--skip-efficiency', '--merge', str(tmp_path / 's0'), str(tmp_path / 's1'),
               '--work-dir', str(tmp_path / 'out')])
    text = (tmp_path / 'out' / 'dpt_benchmark.md').read_text()
    # (50, 54): mean 52, sample std 2 sqrt(2) = 2.83
    assert '| DPT (DePatch in stages 2-4) | 52.0 ± 2.8 | 50.0, 54.0 | 90.0 ± 0.0 |' in text
    assert 'n=2 seeds [0, 1], 6 epochs' in text and '\n| 2 | 4.0 | 5.00 ± 0.00 |' in text
    assert '4 arm-seed runs, 4.0 min wall and 2.0 CPU-min in all' in text
