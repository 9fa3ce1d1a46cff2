"""A training run killed after an epoch and resumed with ``--resume`` ends with exactly the
weights of an uninterrupted run (CPU, fixed seed, deterministic data order)."""
import os.path as osp
import signal
import subprocess
import sys

import torch

from tests.utils import REPO_ROOT, as_cli, derived_config, venv_env

CONFIG = 'configs/baselines/tiny/resnet18_8xb32_in1k.py'


def _options():
    opts = {
        'train_cfg.max_epochs': 3,
        'train_cfg.val_interval': 100,
        'train_dataloader.dataset.indices': 48,
        'train_dataloader.batch_size': 16,
        # Non-persistent workers are re-seeded identically every epoch, so the
        # augmentation stream does not depend on what happened before a kill.
        'train_dataloader.num_workers': 1,
        'train_dataloader.persistent_workers': False,
        'randomness.seed': 7,
        'randomness.deterministic': True,
        'default_hooks.checkpoint.interval': 1,
        'default_hooks.checkpoint.max_keep_ckpts': -1,
        'param_scheduler.T_max': 3,
        'param_scheduler.end': 3,
    }
    return opts


KILL = """
custom_imports = dict(imports=['tests.hooks'], allow_failed_imports=False)
custom_hooks = [dict(type='KillAfterEpochHook', epoch=1)]
"""


def _train(work_dir, opts, resume=False, config=CONFIG):
    cmd = [sys.executable, 'tools/train.py', config, '--work-dir',
           str(work_dir), '--no-validate'] + as_cli(opts)
    if resume:
        cmd.append('--resume')
    return subprocess.run(cmd, cwd=REPO_ROOT, env=venv_env(),
                          capture_output=True, text=True, timeout=300)


def _weights(path):
    state = torch.load(path, map_location='cpu', weights_only=False)
    return state['state_dict']


def test_killed_run_resumes_exactly(tmp_path, tiny_data):
    full_dir, cut_dir = tmp_path / 'full', tmp_path / 'cut'
    proc = _train(full_dir, _options())
    assert proc.returncode == 0, proc.stderr[-3000:]

    killing = derived_config(tmp_path, CONFIG, KILL)
    proc = _train(cut_dir, _options(), config=killing)
    assert proc.returncode == -signal.SIGKILL, (proc.returncode,
                                                proc.stderr[-3000:])
    assert osp.isfile(cut_dir / 'epoch_1.pth')
    assert not osp.isfile(cut_dir / 'epoch_2.pth')

    proc = _train(cut_dir, _options(), resume=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'resumed epoch: 1' in (proc.stdout + proc.stderr).lower() or \
        'resumed' in (proc.stdout + proc.stderr).lower()

    full, resumed = _weights(full_dir / 'epoch_3.pth'), _weights(
        cut_dir / 'epoch_3.pth')
    assert full.keys() == resumed.keys()
    changed = 0
    for key in full:
        assert torch.equal(full[key], resumed[key]), key
        changed += int(not torch.equal(full[key], _weights(
            cut_dir / 'epoch_1.pth')[key]))
    assert changed > 0, 'training after the resume did not change weights'
