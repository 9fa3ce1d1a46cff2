"""Checkpoints survive kills: the previous checkpoint is removed only after the new one is
in place, leftovers of killed saves are cleaned, modes follow the umask, and ``--resume``
finds the right checkpoint (relative ``last_checkpoint``, copied work dirs, truncated
latest checkpoint)."""
import os
import shutil
import signal
import subprocess
import sys

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner

from projects.common.checkpoint_hook import resolve_last_checkpoint
from projects.common.cli import ConfigError, resolve_resume
from projects.common.compat import TEMP_PREFIX
from tests.utils import REPO_ROOT, as_cli, derived_config, venv_env


class _Toy(BaseModel):

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.fc(inputs)
        if mode == 'loss':
            return dict(loss=(out - data_samples).pow(2).mean())
        return out


def _runner(work_dir, max_epochs, hook, resume=False):
    data = [(torch.tensor([float(i), 1.0]), torch.tensor([float(i)]))
            for i in range(8)]
    return Runner(
        model=_Toy(), work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=data, sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=4, collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=dict(type=hook, interval=1,
                                           max_keep_ckpts=1)),
        resume=resume,
        experiment_name=f'ckpt_{hook}_{work_dir.name}_{max_epochs}_{resume}')


def _interrupt_second_save(monkeypatch):
    real_save = torch.save
    calls = []

    def save(obj, f, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            f.write(b'partial')
            raise KeyboardInterrupt
        return real_save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, 'save', save)


@pytest.mark.parametrize('hook', ['CheckpointHook', 'DurableCheckpointHook'])
def test_interrupted_save_keeps_previous_checkpoint(tmp_path, monkeypatch,
                                                    hook):
    """mmengine's hook deletes epoch_1.pth before writing epoch_2.pth; ours keeps it."""
    _interrupt_second_save(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        _runner(tmp_path, 2, hook).train()
    left = sorted(p.name for p in tmp_path.glob('*.pth'))
    if hook == 'CheckpointHook':
        assert left == []  # the data loss the durable hook prevents
    else:
        assert left == ['epoch_1.pth']
        assert (tmp_path / 'last_checkpoint').read_text() == 'epoch_1.pth'


def test_resume_cleans_leftovers_and_keeps_umask(tmp_path):
    _runner(tmp_path, 1, 'DurableCheckpointHook').train()
    stale = tmp_path / f'{TEMP_PREFIX}epoch_2.pth.abc123'
    stale.write_bytes(b'half')
    old = os.umask(0o027)
    try:
        runner = _runner(tmp_path, 2, 'DurableCheckpointHook', resume=True)
        runner.train()
    finally:
        os.umask(old)
    assert runner.train_loop.epoch == 2
    assert not stale.exists()
    assert sorted(p.name for p in tmp_path.glob('*.pth')) == ['epoch_2.pth']
    assert (tmp_path / 'epoch_2.pth').stat().st_mode & 0o777 == 0o640


def test_last_checkpoint_resolves_in_its_work_dir(tmp_path):
    work = tmp_path / 'copy'
    work.mkdir()
    (work / 'epoch_3.pth').write_bytes(b'x')
    (work / 'last_checkpoint').write_text('epoch_3.pth')
    assert resolve_last_checkpoint(str(work)) == str(work / 'epoch_3.pth')
    # Written by plain mmengine in the original folder, then copied.
    (work / 'last_checkpoint').write_text('/elsewhere/run/epoch_3.pth')
    assert resolve_last_checkpoint(str(work)) == str(work / 'epoch_3.pth')
    assert resolve_last_checkpoint(str(tmp_path / 'none')) is None


def test_resume_falls_back_to_previous_intact(tmp_path, capsys):
    _runner(tmp_path, 2, 'CheckpointHook').train()
    ckpt1 = tmp_path / 'epoch_1.pth'
    shutil.copy(tmp_path / 'epoch_2.pth', ckpt1)
    # Truncate the latest checkpoint, as a kill during an in-place write does.
    latest = tmp_path / 'epoch_2.pth'
    latest.write_bytes(latest.read_bytes()[:100])
    assert resolve_resume(str(tmp_path), 'auto') == str(ckpt1)
    assert 'previous intact checkpoint' in capsys.readouterr().err
    ckpt1.write_bytes(b'')
    with pytest.raises(ConfigError, match='no intact checkpoint'):
        resolve_resume(str(tmp_path), 'auto')
    with pytest.raises(ConfigError, match='nothing to resume from'):
        resolve_resume(str(tmp_path / 'typo'), 'auto')
    with pytest.raises(ConfigError, match='does not exist'):
        resolve_resume(str(tmp_path), str(tmp_path / 'epoch_9.pth'))


KILL_IN_SAVE = """
custom_imports = dict(imports=['tests.hooks'], allow_failed_imports=False)
custom_hooks = [dict(type='KillDuringSaveHook', save=2)]
"""
CONFIG = 'configs/baselines/tiny/resnet18_8xb32_in1k.py'


@pytest.mark.slow
def test_kill_during_save_then_resume_from_a_copy(tmp_path, tiny_data):
    """SIGKILL while epoch_2.pth is written (max_keep_ckpts=1): epoch_1.pth survives,
    and a copy of the work dir resumes from itself and finishes."""
    opts = {
        'train_cfg.max_epochs': 3, 'train_dataloader.dataset.indices': 16,
        'train_dataloader.batch_size': 8, 'randomness.seed': 3,
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'default_hooks.checkpoint.interval': 1,
        'default_hooks.checkpoint.max_keep_ckpts': 1,
    }

    def train(work_dir, config, *extra):
        return subprocess.run(
            [sys.executable, 'tools/train.py', config, '--work-dir',
             str(work_dir), '--no-validate', *extra] + as_cli(opts),
            cwd=REPO_ROOT, env=venv_env(), capture_output=True, text=True,
            timeout=300)

    run = tmp_path / 'run'
    proc = train(run, derived_config(tmp_path, CONFIG, KILL_IN_SAVE))
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-3000:]
    assert sorted(p.name for p in run.glob('*.pth')) == ['epoch_1.pth']
    assert list(run.glob(TEMP_PREFIX + 'epoch_2.pth.*'))

    copy = tmp_path / 'copy'
    shutil.copytree(run, copy)
    shutil.rmtree(run)
    proc = train(copy, CONFIG, '--resume')
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert 'resumed epoch: 1' in log
    assert not list(copy.glob(TEMP_PREFIX + '*'))
    assert sorted(p.name for p in copy.glob('*.pth')) == ['epoch_3.pth']
    assert not run.exists()
