"""A training run killed after a checkpoint and resumed with ``--resume`` ends with exactly
the tensors (weights, buffers, optimizer state) of an uninterrupted run, for epoch- and
iteration-based loops, with dropout / stochastic depth, for any ``num_workers``, persistent
or not (the uninterrupted run loads its data in the main process, the killed and resumed
ones in persistent workers)."""
import os.path as osp
import signal
import subprocess
import sys

import pytest
import torch

from projects.common.safe_load import safe_load
from tests.utils import REPO_ROOT, as_cli, derived_config, venv_env

EPOCH_CONFIG = 'configs/baselines/tiny/resnet18_8xb32_in1k.py'
ITER_CONFIG = ('configs/cdcl/tiny/'
               'cdcl_pspnet_r18-d8_4xb4-80k_cityscapes-camvid-512x512.py')


def _workers(num_workers, persistent):
    return {'train_dataloader.num_workers': num_workers,
            'train_dataloader.persistent_workers': persistent}


def _epoch_options(num_workers, persistent):
    return {
        'train_cfg.max_epochs': 3,
        'train_cfg.val_interval': 100,
        'train_dataloader.dataset.indices': 48,
        'train_dataloader.batch_size': 16,
        'randomness.seed': 7,
        'randomness.deterministic': True,
        # Stochastic depth draws from torch's RNG in every training step.
        'model.backbone.drop_path_rate': 0.2,
        'default_hooks.checkpoint.interval': 1,
        'default_hooks.checkpoint.max_keep_ckpts': -1,
        'param_scheduler.T_max': 3,
        'param_scheduler.end': 3,
        **_workers(num_workers, persistent),
    }


def _iter_options(num_workers, persistent):
    # PSPNet's decode head applies dropout (dropout_ratio=0.1).
    return {
        'train_cfg.max_iters': 6,
        'train_cfg.val_interval': 100,
        'train_dataloader.batch_size': 4,
        'train_dataloader.sampler.batch_size': 4,
        'randomness.seed': 5,
        'default_hooks.checkpoint.interval': 3,
        'default_hooks.checkpoint.max_keep_ckpts': -1,
        **_workers(num_workers, persistent),
    }


KILL_EPOCH = """
custom_imports = dict(imports=['tests.hooks'], allow_failed_imports=False)
custom_hooks = [dict(type='KillAfterEpochHook', epoch=1)]
"""
KILL_ITER = """
custom_imports = dict(imports=['projects.cdcl', 'tests.hooks'],
                      allow_failed_imports=False)
custom_hooks = [dict(type='KillAfterIterHook', iter=3)]
"""


def _train(work_dir, opts, config, resume=False):
    cmd = [sys.executable, 'tools/train.py', config, '--work-dir',
           str(work_dir), '--no-validate'] + as_cli(opts)
    if resume:
        cmd.append('--resume')
    return subprocess.run(cmd, cwd=REPO_ROOT, env=venv_env(),
                          capture_output=True, text=True, timeout=600)


def _tensors(path):
    """Every tensor of a checkpoint: weights, buffers and optimizer state."""
    ckpt = safe_load(path, map_location='cpu')
    found = {f'state_dict.{k}': v for k, v in ckpt['state_dict'].items()}

    def visit(node, prefix):
        if isinstance(node, torch.Tensor):
            found[prefix] = node
        elif isinstance(node, dict):
            for key, value in node.items():
                visit(value, f'{prefix}.{key}')
        elif isinstance(node, (list, tuple)):
            for i, value in enumerate(node):
                visit(value, f'{prefix}.{i}')

    visit(ckpt['optimizer'], 'optimizer')
    return found


def _assert_same(full_path, resumed_path, cut_path):
    full, resumed = _tensors(full_path), _tensors(resumed_path)
    cut = _tensors(cut_path)
    assert full.keys() == resumed.keys()
    differing = [k for k in full if not torch.equal(full[k], resumed[k])]
    assert not differing, f'{len(differing)}/{len(full)} tensors differ, ' \
        f'e.g. {differing[:3]}'
    changed = sum(not torch.equal(full[k], cut[k]) for k in full
                  if k.startswith('state_dict.'))
    assert changed > 0, 'training after the resume did not change weights'


def _kill_and_resume(tmp_path, config, kill, options, cut_name, last_name):
    full_dir, cut_dir = tmp_path / 'full', tmp_path / 'cut'
    proc = _train(full_dir, options(0, False), config)
    assert proc.returncode == 0, proc.stderr[-3000:]

    killing = derived_config(tmp_path, config, kill)
    proc = _train(cut_dir, options(2, True), killing)
    assert proc.returncode == -signal.SIGKILL, (proc.returncode,
                                                proc.stderr[-3000:])
    assert osp.isfile(cut_dir / cut_name)
    assert not osp.isfile(cut_dir / last_name)

    proc = _train(cut_dir, options(2, True), config, resume=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'resumed epoch' in (proc.stdout + proc.stderr).lower()
    _assert_same(full_dir / last_name, cut_dir / last_name, cut_dir / cut_name)


@pytest.mark.slow
def test_epoch_loop_resumes_exactly(tmp_path, tiny_data):
    _kill_and_resume(tmp_path, EPOCH_CONFIG, KILL_EPOCH, _epoch_options,
                     'epoch_1.pth', 'epoch_3.pth')


@pytest.mark.slow
def test_iter_loop_resumes_exactly(tmp_path, tiny_data):
    _kill_and_resume(tmp_path, ITER_CONFIG, KILL_ITER, _iter_options,
                     'iter_3.pth', 'iter_6.pth')
