"""The CDCL benchmark's report from hand-made results: sample std, per-seed values and
the curve tails that show whether training has flattened."""
import argparse
import json

from projects.common import benchmark as hb
from tests.utils import load_tool


def fake_run(miou, curve, wall_s=120.0):
    return dict(metrics=miou, curve=curve, train_s=10.0, checkpoint=None, wall_s=wall_s,
                cpu_s=20.0)


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
                              arms=['cdcl'], merge=None)
    rep = bench.report(results, args, command='python x.py')
    text = rep.markdown()
    # mean 32 / 22 / 42, sample std (n - 1) of (x, x + 2, x + 4) is 2
    assert '| cdcl | 32.00 ± 2.00 | 22.00 ± 2.00 | 42.00 ± 2.00 | 32.00 |' in text
    assert '| cdcl | 30.00, 32.00, 34.00 | 20.00, 22.00, 24.00 | 40.00, 42.00, 44.00 |' in text
    # last 10 %: 1.0 on every seed; the 10 % before: (2 + 3 + 2) / 3
    assert f'| cdcl | 1.000 ({7 / 3:.3f}) | 10 |' in text
    assert '3 arm-seed runs, 6.0 min wall and 1.0 CPU-min in all' in text


def test_merge_reports_runs_kept_in_separate_work_dirs(tmp_path):
    bench = load_tool('analysis_tools/cdcl_benchmark')
    curve = [(i + 1, 1.0) for i in range(10)]
    for seed, value in ((0, 10.0), (1, 14.0)):
        metrics = {f'{d}/mIoU': value + i for i, d in enumerate(bench.DATASETS)}
        hb.RunStore(str(tmp_path / f's{seed}'), dict(iters=10)).put(
            'cdcl', seed, fake_run(metrics, curve, wall_s=60.0 * (seed + 1)))
    out = tmp_path / 'merged'
    bench.main(['--merge', str(tmp_path / 's0'), str(tmp_path / 's1'),
                '--work-dir', str(out)])
    text = (out / 'cdcl_benchmark.md').read_text()
    # (10, 14): mean 12, sample std 2 * sqrt(2)
    assert '| cdcl | 12.00 ± 2.83 | 13.00 ± 2.83 | 14.00 ± 2.83 | 13.00 |' in text
    assert '10 iterations, mean ± sample std over n=2 seeds [0, 1]' in text
    assert '2 arm-seed runs, 3.0 min wall and 0.7 CPU-min in all' in text
    data = json.loads((out / 'cdcl_benchmark.json').read_text())['data']
    assert data['args']['iters'] == 10 and data['args']['seeds'] == [0, 1]
    assert (out / 'cdcl_benchmark.png').is_file()
