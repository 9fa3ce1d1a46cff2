"""``tools/dist_train.sh`` runs two CPU processes (gloo) that both train, one checkpoint is
written, and the accuracy evaluated during training (BN buffers synchronised across ranks
first) equals what ``tools/test.py`` measures on that checkpoint."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

from tests.utils import REPO_ROOT, as_cli, derived_config, load_tool, venv_env

CONFIG = 'configs/baselines/tiny/resnet18_8xb32_in1k.py'
MARKER = """
custom_imports = dict(imports=['tests.hooks'], allow_failed_imports=False)
custom_hooks = [dict(type='RankMarkerHook')]
"""


def test_dist_train_two_cpu_ranks(tmp_path, tiny_data):
    work_dir = tmp_path / 'dist'
    opts = {
        'env_cfg.dist_cfg.backend': 'gloo',
        'train_cfg.max_epochs': 1,
        'train_dataloader.dataset.indices': 32,
        'train_dataloader.batch_size': 8,
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'train_cfg.val_interval': 1,
        'val_dataloader.dataset.indices': 20,
        'val_dataloader.num_workers': 0,
        'val_dataloader.persistent_workers': False,
    }
    config = derived_config(tmp_path, CONFIG, MARKER)
    env = venv_env()
    env['PORT'] = str(29500 + os.getpid() % 1000)
    env['PYTHON'] = sys.executable
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', config, '2', '--work-dir',
         str(work_dir)] + as_cli(opts),
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    markers = sorted(glob.glob(str(work_dir / 'rank_*.json')))
    assert [osp.basename(m) for m in markers] == ['rank_0.json',
                                                    'rank_1.json']
    for marker in markers:
        info = json.load(open(marker))
        assert info['world_size'] == 2
        # 32 images, 8 per rank per step, 2 ranks -> 2 iterations each.
        assert info['iters'] == 2
    ckpts = glob.glob(str(work_dir / '*.pth'))
    assert [osp.basename(c) for c in ckpts] == ['epoch_1.pth']
    scalars = glob.glob(str(work_dir / '*' / 'vis_data' / 'scalars.json'))
    logged = [json.loads(line) for line in open(scalars[0])]
    during_training = [r for r in logged if 'accuracy/top1' in r][-1]
    metrics = load_tool('test').main(
        [CONFIG, ckpts[0], '--work-dir', str(tmp_path / 'test')] + as_cli({
            'test_dataloader.dataset.indices': 20,
            'test_dataloader.num_workers': 0,
            'test_dataloader.persistent_workers': False}))
    assert metrics['accuracy/top1'] == during_training['accuracy/top1']


def test_scripts_find_the_environment_python(tmp_path):
    """With a ``python`` on PATH that lacks torch, the scripts use the MMVRL venv."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    fake = bin_dir / 'python'
    fake.write_text('#!/bin/sh\nexit 1\n')  # imports nothing
    fake.chmod(0o755)
    env = {'PATH': f'{bin_dir}:/usr/bin:/bin', 'HOME': str(tmp_path),
           'MMVRL_VENV': osp.dirname(osp.dirname(sys.executable))}
    out = subprocess.run(
        ['bash', '-c', 'source tools/_find_python.sh && echo "$PYTHON"'],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == osp.join(env['MMVRL_VENV'], 'bin', 'python')
    env['MMVRL_VENV'] = str(tmp_path / 'none')
    out = subprocess.run(
        ['bash', '-c', 'source tools/_find_python.sh && echo "$PYTHON"'],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and 'activate' in out.stderr
