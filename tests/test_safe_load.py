"""No checkpoint can run code when it is loaded: a booby-trapped ``.pth`` (its
``__reduce__`` writes a marker file) is refused, with the type named and the opt-in, on
every loading path; normal Runner checkpoints still load and resume."""
import os
import shutil

import pytest
import torch
import torch.nn as nn

from projects.common.safe_load import (CorruptCheckpointError,
                                       UnsafeCheckpointError, safe_load)
from tests.utils import as_cli, load_tool

CLS_CONFIG = 'configs/baselines/tiny/resnet18_8xb32_in1k.py'
FAST = {
    'train_cfg.max_epochs': 1,
    'train_dataloader.dataset.indices': 8,
    'train_dataloader.batch_size': 8,
    'train_dataloader.num_workers': 0,
    'train_dataloader.persistent_workers': False,
}


class _Payload:
    """Pickles as a call of ``exec`` that writes ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f'open({self.marker!r}, "w").write("ran")',)


@pytest.fixture
def trap(tmp_path):
    """A checkpoint that looks like an mmengine one, plus the marker it would write."""
    marker = tmp_path / 'PAYLOAD_RAN'
    path = tmp_path / 'trap.pth'
    torch.save(dict(state_dict=nn.Linear(2, 2).state_dict(),
                    meta=dict(epoch=1, iter=1, payload=_Payload(marker))),
               path)
    return path, marker


def test_trap_is_refused_and_opt_in_runs_it(trap, monkeypatch):
    path, marker = trap
    with pytest.raises(UnsafeCheckpointError) as info:
        safe_load(path)
    msg = str(info.value)
    assert "'exec'" in msg and 'MMVRL_UNSAFE_LOAD=1' in msg
    assert str(path) in msg
    assert not marker.exists()
    # The trap is real: the explicit opt-in unpickles (and runs) it.
    monkeypatch.setenv('MMVRL_UNSAFE_LOAD', '1')
    with pytest.warns(UserWarning, match='MMVRL_UNSAFE_LOAD'):
        safe_load(path)
    assert marker.exists()


def test_mmengine_loaders_refuse_trap(trap, monkeypatch, tmp_path):
    from mmengine.model import BaseModule
    from mmengine.runner import load_checkpoint
    from mmengine.runner.checkpoint import CheckpointLoader
    path, marker = trap
    with pytest.raises(UnsafeCheckpointError):
        CheckpointLoader.load_checkpoint(str(path))

    # http(s), and through it open-mmlab:// / torchvision://: the download is
    # loaded weights-only (torch.hub's own default would unpickle it).
    def fake_download(url, dst, *args, **kwargs):
        shutil.copy(path, dst)

    monkeypatch.setattr(torch.hub, 'download_url_to_file', fake_download)
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path / 'hub'))
    with pytest.raises(UnsafeCheckpointError):
        CheckpointLoader.load_checkpoint('https://example.com/w/trap.pth')

    # init_cfg=dict(type='Pretrained') and load_checkpoint (benchmark, vis tools).
    module = BaseModule(init_cfg=dict(type='Pretrained',
                                      checkpoint=str(path)))
    module.fc = nn.Linear(2, 2)
    with pytest.raises(UnsafeCheckpointError):
        module.init_weights()
    with pytest.raises(UnsafeCheckpointError):
        load_checkpoint(nn.Linear(2, 2), str(path))
    assert not marker.exists()


def _tool_fails(capsys, tool, argv):
    with pytest.raises(SystemExit) as info:
        load_tool(tool).main(argv)
    assert info.value.code not in (0, None)
    return capsys.readouterr().err


@pytest.mark.slow
def test_tools_refuse_trap(trap, tmp_path, capsys, tiny_data):
    path, marker = trap
    work = ['--work-dir', str(tmp_path / 'w')]
    runs = [
        ('test', [CLS_CONFIG, str(path)] + work),
        ('train', [CLS_CONFIG] + work + as_cli({**FAST,
                                                'load_from': str(path)})),
        ('train', [CLS_CONFIG, '--resume', str(path)] + work + as_cli(FAST)),
        ('train', [CLS_CONFIG] + work + as_cli({
            **FAST, 'model.backbone.init_cfg.type': 'Pretrained',
            'model.backbone.init_cfg.checkpoint': str(path)})),
    ]
    for tool, argv in runs:
        err = _tool_fails(capsys, tool, argv)
        assert "'exec'" in err and 'MMVRL_UNSAFE_LOAD' in err, (
            tool, argv, err[-2000:])
    err = _tool_fails(capsys, 'analysis_tools/benchmark',
                      [CLS_CONFIG, str(path), '--num-iters', '1', '--warmup',
                       '0', '--device', 'cpu'])
    assert "'exec'" in err and 'MMVRL_UNSAFE_LOAD' in err
    assert not marker.exists()


def test_converters_refuse_trap(trap, tmp_path):
    path, marker = trap
    out = str(tmp_path / 'out.pth')
    with pytest.raises(UnsafeCheckpointError):
        load_tool('model_converters/dpt2mmvrl').main([str(path), out])
    with pytest.raises(UnsafeCheckpointError):
        load_tool('model_converters/acsl_official_to_mmdet3').convert(
            str(path), out)
    assert not marker.exists() and not os.path.exists(out)


def test_truncated_checkpoint_is_named(tmp_path):
    path = tmp_path / 'cut.pth'
    torch.save(dict(state_dict=nn.Linear(4, 4).state_dict()), path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(CorruptCheckpointError, match='incomplete'):
        safe_load(path)


class _Getattr:
    """Pickles as ``getattr(numpy.ndarray, 'tofile')``: a step towards writing files."""

    def __reduce__(self):
        import numpy as np
        return getattr, (np.ndarray, 'tofile')


def test_only_history_buffer_getattr_is_served(tmp_path):
    path = tmp_path / 'getattr.pth'
    torch.save({'x': _Getattr()}, path)
    with pytest.raises(UnsafeCheckpointError, match='getattr'):
        safe_load(path)
