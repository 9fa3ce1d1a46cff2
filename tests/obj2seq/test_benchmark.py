"""Pieces of the miniature benchmark (tools/analysis_tools/obj2seq_benchmark.py)."""
import numpy as np
import pytest

from tests.utils import load_tool


def test_chance_map_is_the_expected_map_of_random_scores():
    tool = load_tool('analysis_tools/obj2seq_benchmark')
    targets = np.zeros((4, 3))
    targets[0, 0] = 1      # 1 positive in 4: E[AP] = H_4 / 4 (rank k uniform, AP = 1 / k)
    targets[:, 1] = 1      # every image positive: AP = 1
    # class 2 has no positive image and is left out, as the metric does
    expected = 100 * ((1 + 1 / 2 + 1 / 3 + 1 / 4) / 4 + 1) / 2
    assert tool.chance_map(targets, draws=4000) == pytest.approx(expected, abs=0.5)
    with pytest.raises(ValueError, match='no class has a positive'):
        tool.chance_map(np.zeros((3, 2)))


def test_schedule_keeps_the_twins_step_at_80_percent_of_any_budget():
    tool = load_tool('analysis_tools/obj2seq_benchmark')
    for epochs, step in ((30, 24), (20, 16), (10, 8), (1, 1)):
        (sched, ) = tool.schedule(epochs)['param_scheduler']
        assert sched['end'] == epochs and sched['milestones'] == [step]


def test_block_means_are_per_epoch_losses():
    from projects.common.benchmark import block_means
    curve = [(1, 4.0), (2, 2.0), (3, 3.0), (4, 1.0), (5, 5.0)]
    assert block_means(curve, 2) == [(2, 3.0), (4, 2.0), (5, 5.0)]
    assert block_means(curve, 5, offset=10) == [(15, 3.0)]
    assert block_means([], 3) == []
    with pytest.raises(ValueError, match='size must be >= 1'):
        block_means(curve, 0)


def _run_json(work_dir, seeds, epochs=30, arms=('mlc', 'det-sequence')):
    import json
    work_dir.mkdir()
    results = {arm: [dict(metrics={'coco/bbox_mAP': 0.1 * s, 'multi-label/mAP': 50.0 + s},
                          curve=[(1, 1.0)]) for s in seeds] for arm in arms}
    data = dict(args=dict(seeds=list(seeds), epochs=epochs), results=results)
    (work_dir / 'obj2seq_benchmark.json').write_text(json.dumps(dict(data=data)))
    return str(work_dir)


def test_merge_joins_split_runs_and_refuses_unequal_ones(tmp_path):
    tool = load_tool('analysis_tools/obj2seq_benchmark')
    a = _run_json(tmp_path / 'a', [0])
    b = _run_json(tmp_path / 'b', [1, 2])
    results, seeds, epochs = tool.merge_runs([a, b])
    assert seeds == [0, 1, 2] and epochs == 30
    assert [r['metrics']['multi-label/mAP'] for r in results['mlc']] == [50.0, 51.0, 52.0]
    pose = _run_json(tmp_path / 'pose', [0, 1, 2], arms=('pose-sequence', ))
    results, seeds, _ = tool.merge_runs([b, pose, a])  # arm groups join by seed
    assert seeds == [0, 1, 2] and set(results) == {'mlc', 'det-sequence', 'pose-sequence'}
    assert [r['metrics']['multi-label/mAP'] for r in results['mlc']] == [50.0, 51.0, 52.0]
    out = tmp_path / 'merged'
    tool.main(['--merge', a, b, '--work-dir', str(out)])
    text = (out / 'obj2seq_benchmark.md').read_text()
    assert 'n=3 seeds [0, 1, 2]' in text and '51.0 ± 1.0' in text
    for bad, match in ((_run_json(tmp_path / 'c', [3], epochs=10), 'merge only equal'),
                       (_run_json(tmp_path / 'd', [4], arms=('mlc', )), 'same seeds'),
                       (_run_json(tmp_path / 'e', [0]), 'mlc seed 0 of'),
                       (str(tmp_path / 'none'), 'does not exist')):
        with pytest.raises(SystemExit, match=match):
            tool.merge_runs([a, bad])
