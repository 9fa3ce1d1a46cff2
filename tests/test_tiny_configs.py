"""Every tiny twin trains for two iterations and evaluates with the real metric, through
``tools/train.py`` and ``tools/test.py`` (in-process, as a user would call them)."""
import glob
import math
import os.path as osp

import pytest
from mmengine.config import Config

from tests.utils import as_cli, load_tool, smoke_options, tiny_configs


def _last_checkpoint(work_dir):
    last = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(last):
        with open(last) as f:
            path = f.read().strip()
        if osp.isfile(path):
            return path
    ckpts = sorted(glob.glob(osp.join(work_dir, '*.pth')), key=osp.getmtime)
    assert ckpts, f'no checkpoint written in {work_dir}'
    return ckpts[-1]


@pytest.mark.parametrize('path', tiny_configs())
def test_tiny_twin_trains_and_evaluates(path, tiny_data, tmp_path):
    cfg = Config.fromfile(path)
    opts = smoke_options(cfg)
    work_dir = str(tmp_path / 'work')
    load_tool('train').main([path, '--work-dir', work_dir] + as_cli(opts))
    ckpt = _last_checkpoint(work_dir)
    test_opts = {k: v for k, v in opts.items() if k.startswith('test_')}
    test_opts['experiment_name'] = opts['experiment_name'] + '_test'
    if 'visualizer.name' in opts:
        test_opts['visualizer.name'] = test_opts['experiment_name']
    metrics = load_tool('test').main(
        [path, ckpt, '--work-dir', work_dir] + as_cli(test_opts))
    assert metrics, f'{path}: the evaluator returned no metric'
    numeric = {k: v for k, v in metrics.items()
               if isinstance(v, (int, float))}
    assert numeric, f'{path}: no numeric metric in {metrics}'
    assert all(not math.isnan(v) for v in numeric.values()) or len(
        numeric) > 1, metrics
