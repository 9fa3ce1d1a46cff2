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


def _keep(work_dir, seeds, epochs=30, arms=('mlc', 'det-sequence')):
    from projects.common.benchmark import RunStore
    store = RunStore(str(work_dir), dict(epochs=epochs, train_images=512, val_images=128))
    for arm in arms:
        for s in seeds:
            store.put(arm, s, dict(metrics={'coco/bbox_mAP': 0.1 * s,
                                            'multi-label/mAP': 50.0 + s},
                                   curve=[(i, 1.0) for i in range(1, 31)],
                                   wall_s=60.0, cpu_s=30.0))
    return str(work_dir)


def test_merge_reports_split_runs_with_their_epochs(tmp_path):
    tool = load_tool('analysis_tools/obj2seq_benchmark')
    a = _keep(tmp_path / 'a', [0])
    b = _keep(tmp_path / 'b', [1, 2])
    pose = _keep(tmp_path / 'pose', [0, 1, 2], arms=('pose-sequence', ))
    out = tmp_path / 'merged'
    tool.main(['--merge', b, pose, a, '--work-dir', str(out), '--epochs', '5'])
    text = (out / 'obj2seq_benchmark.md').read_text()
    # the epochs come from the kept runs, not from the command line
    assert ('30 epochs on 512 training images, 128 val images; mean ± sample std over n=3 '
            'seeds [0, 1, 2]') in text
    assert '| (a) indicator multi-label mAP | 51.0 ± 1.0 | 50.0 / 51.0 / 52.0 |' in text
    assert '9 arm-seed runs, 9.0 min wall and 4.5 CPU-min' in text
    with pytest.raises(SystemExit, match='one setting only'):
        tool.main(['--merge', a, _keep(tmp_path / 'c', [3], epochs=10),
                   '--work-dir', str(out)])


def test_benchmark_set_is_the_tiny_generator_at_another_size(tmp_path):
    import json
    tool = load_tool('analysis_tools/obj2seq_benchmark')
    root = tmp_path / 'coco'
    tool.make_data(str(root), dict(train=6, val=3))
    ann = json.loads((root / 'annotations' / 'instances_val2017.json').read_text())
    assert len(ann['images']) == 3 and len(list((root / 'train2017').iterdir())) == 6
    assert (root / 'annotations' / 'person_keypoints_train2017.json').is_file()
    stamp = (root / 'train2017').stat().st_mtime_ns
    tool.make_data(str(root), dict(train=6, val=3))  # same sizes: drawn once
    assert (root / 'train2017').stat().st_mtime_ns == stamp
    from mmengine.config import Config
    cfg = Config.fromfile(tool.POSE)
    tool.use_data(str(root))(cfg, 0)
    assert cfg.train_dataloader.dataset.data_root == f'{root}/'
    assert cfg.val_evaluator.ann_file == f'{root}/annotations/person_keypoints_val2017.json'
    cfg.val_evaluator.ann_file = 'elsewhere/x.json'
    with pytest.raises(ValueError, match='is not under data/tiny/coco/'):
        tool.use_data(str(root))(cfg, 0)
