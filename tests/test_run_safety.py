"""``tools/train.py`` adds the run-safety pieces to any config, and
``--no-safety-hooks`` leaves the config as written."""
from tests.utils import load_tool

CONFIG = 'configs/baselines/tiny/faster-rcnn_r50_fpn_1x_coco.py'


def _cfg(tmp_path, *extra):
    train = load_tool('train')
    return train.build_cfg(train.parse_args(
        [CONFIG, '--work-dir', str(tmp_path), *extra]))


def test_train_adds_safety_hooks(tmp_path):
    cfg = _cfg(tmp_path, '--launcher', 'none')
    assert cfg.default_hooks.checkpoint.type == 'DurableCheckpointHook'
    hooks = [h['type'] for h in cfg.custom_hooks]
    assert 'FiniteLossHook' in hooks and 'IterationSeedHook' in hooks
    assert 'SyncBuffersHook' not in hooks  # single process
    loader = cfg.train_dataloader
    assert loader.dataset.type == 'PositionSeededDataset'
    assert loader.dataset.dataset.type == 'CocoDataset'
    assert loader.sampler.type == 'PositionSeededSampler'
    assert 'projects.common.checkpoint_hook' in cfg.custom_imports.imports


def test_distributed_runs_sync_buffers(tmp_path, monkeypatch):
    import torch
    monkeypatch.setattr(torch.cuda, 'set_device', torch.cuda.set_device)
    cfg = _cfg(tmp_path, '--launcher', 'pytorch')
    assert 'SyncBuffersHook' in [h['type'] for h in cfg.custom_hooks]
    cfg = _cfg(tmp_path, '--launcher', 'pytorch', '--no-validate')
    assert 'SyncBuffersHook' not in [h['type'] for h in cfg.custom_hooks]


def test_no_safety_hooks_keeps_config(tmp_path):
    cfg = _cfg(tmp_path, '--no-safety-hooks')
    assert cfg.default_hooks.checkpoint.type == 'CheckpointHook'
    assert cfg.train_dataloader.dataset.type == 'CocoDataset'
    assert not cfg.get('custom_hooks')
