"""Kept runs of tools/analysis_tools/acsl_benchmark.py: ``--stage1-from`` reuses only a
matching stage 1, and ``--merge`` reports both stages of split runs."""
import argparse

import pytest

from projects.common.benchmark import RunStore
from tests.utils import load_tool


def _keep_stage1(work_dir, epochs=12, seeds=(0, 1), ckpt=True):
    store = RunStore(str(work_dir / 'stage1'), dict(stage1_epochs=epochs))
    for seed in seeds:
        path = work_dir / f'stage1_seed{seed}.pth'
        if ckpt:
            path.write_bytes(b'x')
        store.put('stage1', seed, dict(metrics={'lvis/bbox_AP': 0.1 * (seed + 1)},
                                       curve=[(1, 2.0)], checkpoint=str(path)))


def _args(tmp_path, seeds, epochs=12):
    return argparse.Namespace(stage1_from=str(tmp_path), seeds=list(seeds),
                              stage1_epochs=epochs, work_dir=str(tmp_path / 'new'))


def test_stage1_from_reuses_the_runs_of_the_asked_seeds(tmp_path):
    tool = load_tool('analysis_tools/acsl_benchmark')
    _keep_stage1(tmp_path)
    runs = tool.stage1_runs(_args(tmp_path, [1]), stage1=None)['stage1']
    assert [r['metrics']['lvis/bbox_AP'] for r in runs] == [0.2]
    assert tool.parse_args(['--stage1-from', 'x']).stage1_from == 'x'


@pytest.mark.parametrize('kwargs,seeds,epochs,match', [
    (dict(), [0], 8, 'measured with settings'),
    (dict(), [0, 2], 12, r'no kept stage-1 run of seeds \[2\]'),
    (dict(ckpt=False), [0], 12, 'checkpoint of seed 0'),
])
def test_stage1_from_refuses_a_different_stage1(tmp_path, kwargs, seeds, epochs, match):
    tool = load_tool('analysis_tools/acsl_benchmark')
    with pytest.raises(SystemExit, match='no kept stage-1 run'):
        tool.stage1_runs(_args(tmp_path, seeds, epochs), stage1=None)
    _keep_stage1(tmp_path, **kwargs)
    with pytest.raises(SystemExit, match=match):
        tool.stage1_runs(_args(tmp_path, seeds, epochs), stage1=None)


def _metrics(ap):
    return {f'lvis/bbox_{m}': ap for m in ('AP', 'APr', 'APc', 'APf')}


def test_merge_reports_both_stages_of_split_runs(tmp_path):
    tool = load_tool('analysis_tools/acsl_benchmark')
    for seed in (0, 1):
        work = tmp_path / f's{seed}'
        RunStore(str(work / 'stage1'), dict(stage1_epochs=4)).put(
            'stage1', seed, dict(metrics=_metrics(0.1 + 0.02 * seed),
                                 curve=[(i, 2.0) for i in range(1, 9)], checkpoint=None))
        RunStore(str(work / 'stage2'), dict(stage1_epochs=4, stage2_epochs=2)).put(
            'acsl', seed, dict(metrics=_metrics(0.2 + 0.02 * seed),
                               curve=[(i, 1.0) for i in range(1, 5)], checkpoint=None))
    out = tmp_path / 'merged'
    tool.main(['--merge', str(tmp_path / 's0'), str(tmp_path / 's1'), '--work-dir', str(out),
               '--speed-repeats', '0'])
    text = (out / 'acsl_benchmark.md').read_text()
    assert 'n=2 seeds [0, 1]' in text and 'Stage 1: 4 epochs; stage 2: 2 epochs' in text
    # (20, 22) %: mean 21, sample std sqrt(2)
    assert '| (b) fc_cls re-trained, ACSL (official bg) | 21.0 ± 1.4 |' in text
    RunStore(str(tmp_path / 's2' / 'stage1'), dict(stage1_epochs=4)).put(
        'stage1', 2, dict(metrics=_metrics(0.1), curve=[(1, 1.0)]))
    RunStore(str(tmp_path / 's2' / 'stage2'), dict(stage1_epochs=4, stage2_epochs=2)).put(
        'softmax', 2, dict(metrics=_metrics(0.1), curve=[(1, 1.0)]))
    with pytest.raises(SystemExit, match='same seeds'):
        tool.main(['--merge', str(tmp_path / 's0'), str(tmp_path / 's2'),
                   '--work-dir', str(out), '--speed-repeats', '0'])
