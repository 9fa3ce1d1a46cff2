"""The MAC benchmark tool: its report from per-seed results and its schedule override."""
from tests.utils import load_tool


def test_benchmark_report_table():
    bench = load_tool('analysis_tools/mac_benchmark')
    args = bench.parse_args(['--seeds', '0', '1', '--epochs', '3'])
    results = {}
    for i, arm in enumerate(bench.ARMS):
        results[arm.name] = [dict(
            metrics={'retrieval/R1': 10.0 * (i + 1) + s,
                     'retrieval/R5': 50.0, 'retrieval/MdR': 3.0,
                     'retrieval/v2t_R1': 20.0},
            curve=[(1, 2.0), (2, 1.0)], train_s=100.0 / (i + 1))
            for s in (0, 1)]
    text = bench.report(results, args).markdown()
    assert 'n=2 seeds [0, 1], 3 epochs' in text
    assert '10.5 ± 0.7' in text and '30.5 ± 0.7' in text
    assert '| 0.333 |' in text  # 0.75 arm: a third of the unmasked time
    assert bench.schedule(12) == {'param_scheduler.1.end': 12,
                                  'param_scheduler.1.T_max': 11}

