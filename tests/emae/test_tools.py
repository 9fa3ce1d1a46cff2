"""The EMAE visualisation tool and the benchmark's building blocks."""
import importlib.util
import os.path as osp

import numpy as np
from PIL import Image

from tests.utils import REPO_ROOT

TINY = 'configs/emae/tiny/emae_vit-base-p16_8xb128-amp-coslr-300e_in1k.py'


def _module(rel_path, name):
    spec = importlib.util.spec_from_file_location(
        name, osp.join(REPO_ROOT, rel_path))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_vis_reconstruction_writes_grid(tmp_path):
    vis = _module('tools/misc/vis_reconstruction.py', 'emae_vis')
    img = tmp_path / 'in.png'
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (40, 48, 3), np.uint8)).save(img)
    out = vis.main([TINY, '--img', str(img), '--out',
                    str(tmp_path / 'grid.png'), '--cell', '32'])
    grid = Image.open(out)
    # 3 rows; 4 columns (K = 4 parts) of 32 px cells with 4 px gaps
    assert grid.size == (4 * 36 + 4, 3 * 36 + 4)
