"""``--stage1-from`` of tools/analysis_tools/acsl_benchmark.py: reuse only a matching stage 1."""
import json

import pytest

from tests.utils import load_tool


def _write(tmp_path, epochs=12, seeds=(0, 1), ckpt=True):
    runs = []
    for seed in seeds:
        path = tmp_path / f'stage1_seed{seed}.pth'
        if ckpt:
            path.write_bytes(b'x')
        runs.append(dict(metrics={'lvis/bbox_AP': 0.1 * (seed + 1)}, curve=[(1, 2.0)],
                         checkpoint=str(path)))
    data = dict(args=dict(stage1_epochs=epochs, seeds=list(seeds)),
                results=dict(stage1=runs))
    (tmp_path / 'acsl_benchmark.json').write_text(json.dumps(dict(data=data)))


def test_stage1_from_reuses_the_runs_of_the_asked_seeds(tmp_path):
    tool = load_tool('analysis_tools/acsl_benchmark')
    _write(tmp_path)
    runs = tool.load_stage1(str(tmp_path), [1], 12)['stage1']
    assert [r['metrics']['lvis/bbox_AP'] for r in runs] == [0.2]
    assert tool.parse_args(['--stage1-from', 'x']).stage1_from == 'x'


@pytest.mark.parametrize('kwargs,seeds,epochs,match', [
    (dict(), [0], 8, 'trained 12 epochs, this run asks for 8'),
    (dict(), [0, 2], 12, r'seeds \[2\] are not in'),
    (dict(ckpt=False), [0], 12, 'checkpoint of seed 0'),
])
def test_stage1_from_refuses_a_different_stage1(tmp_path, kwargs, seeds, epochs, match):
    tool = load_tool('analysis_tools/acsl_benchmark')
    with pytest.raises(SystemExit, match='does not exist'):
        tool.load_stage1(str(tmp_path), seeds, epochs)
    _write(tmp_path, **kwargs)
    with pytest.raises(SystemExit, match=match):
        tool.load_stage1(str(tmp_path), seeds, epochs)
