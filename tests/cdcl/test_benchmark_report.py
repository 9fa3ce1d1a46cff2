"""The CDCL benchmark's report from hand-made results: sample std, per-seed values and
the curve tails that show whether training has flattened."""
import argparse
import json

import pytest

from tests.utils import load_tool


def fake_run(miou, curve):
    return dict(metrics=miou, curve=curve, train_s=10.0, checkpoint=None)


def test_report_tables_from_hand_made_results(tmp_path):
    bench = load_tool('analysis_tools/cdcl_benchmark')
    # 20-point curves: the last two points (10 %) average 1.0, the two before 2.0 / 3.0
    falling = [(i + 1, 5.0) for i in range(16)] + [(17, 2.0), (18, 2.0), (19, 1.0), (20, 1.0)]
    flat = [(i + 1, 5.0) for i in range(16)] + [(17, 3.0), (18, 3.0), (19, 1.0), (20, 1.0)]
    per_dataset = {f'{d}/mIoU': v for d, v in zip(bench.DATASETS, (30.0, 20.0, 40.0))}
    results = {'cdcl': [fake_run(dict(per_dataset), falling),
                        fake_run({k: v + 2 for k, v in per_dataset.items()}, flat),
                        fake_run({k: v + 4 for k, v in per_dataset.items()}, falling)]}
    args = argparse.Namespace(iters=20, seeds=[0, 1, 2], work_dir=str(tmp_path),
                              arms=['cdcl'], from_json=None)
    rep = bench.report(results, args, command='python x.py',
                       cost=dict(wall_s=120.0, cpu_s=60.0))
    text = rep.markdown()
    # mean 32 / 22 / 42, sample std (n - 1) of (x, x + 2, x + 4) is 2
    assert '| cdcl | 32.00 ± 2.00 | 22.00 ± 2.00 | 42.00 ± 2.00 | 32.00 |' in text
    assert '| cdcl | 30.00, 32.00, 34.00 | 20.00, 22.00, 24.00 | 40.00, 42.00, 44.00 |' in text
    # last 10 %: 1.0 on every seed; the 10 % before: (2 + 3 + 2) / 3
    assert f'| cdcl | 1.000 ({7 / 3:.3f}) | 10 |' in text
    assert 'Total: 2.0 min wall, 1.0 CPU-min' in text


def test_from_json_merges_finished_runs_of_distinct_seeds(tmp_path):
    bench = load_tool('analysis_tools/cdcl_benchmark')
    curve = [(i + 1, 1.0) for i in range(10)]
    paths = []
    for seed, value in ((0, 10.0), (1, 14.0)):
        metrics = {f'{d}/mIoU': value + i for i, d in enumerate(bench.DATASETS)}
        args = argparse.Namespace(iters=10, seeds=[seed], work_dir=str(tmp_path / f's{seed}'),
                                  arms=['cdcl'], from_json=None)
        bench.report({'cdcl': [fake_run(metrics, curve)]}, args, f'python run.py {seed}',
                     dict(wall_s=60.0 * (seed + 1), cpu_s=30.0)).write(args.work_dir)
        paths.append(str(tmp_path / f's{seed}' / 'cdcl_benchmark.json'))
    out = tmp_path / 'merged'
    rep = bench.main(['--from-json', *paths, '--work-dir', str(out)])
    assert rep.command == 'python run.py 0\npython run.py 1'
    text = (out / 'cdcl_benchmark.md').read_text()
    # (10, 14): mean 12, sample std 2 * sqrt(2)
    assert '| cdcl | 12.00 ± 2.83 | 13.00 ± 2.83 | 14.00 ± 2.83 | 13.00 |' in text
    assert 'n=2 seeds [0, 1]' in text
    assert 'Total: 3.0 min wall, 1.0 CPU-min (one thread), summed over 2 runs.' in text
    assert json.loads((out / 'cdcl_benchmark.json').read_text())['command'] == rep.command
    assert (out / 'cdcl_benchmark.png').is_file()
    with pytest.raises(ValueError, match='seed lists overlap'):
        bench.main(['--from-json', paths[0], paths[0], '--work-dir', str(out)])
