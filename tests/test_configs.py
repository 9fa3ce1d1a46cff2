"""Every config under configs/ loads and builds its model; every full config has a tiny twin."""
import os.path as osp

import pytest
from mmengine.config import Config

from tests.utils import build_model, full_configs, tiny_configs

ALL = full_configs() + tiny_configs()


def test_configs_exist():
    assert full_configs(), 'no method configs found under configs/'


@pytest.mark.parametrize('path', full_configs())
def test_full_config_has_tiny_twin(path):
    folder, name = osp.split(path)
    twin = osp.join(folder, 'tiny', name)
    assert osp.isfile(twin), f'{path} has no tiny twin {twin}'
    with open(twin) as f:
        text = f.read()
    assert f'../{name}' in text, f'{twin} must inherit ../{name}'


@pytest.mark.parametrize('path', ALL)
def test_config_builds_model(path):
    cfg = Config.fromfile(path)
    assert cfg.get('default_scope') in ('mmdet', 'mmseg', 'mmpretrain',
                                        'mmaction'), path
    model = build_model(cfg)
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params > 0
