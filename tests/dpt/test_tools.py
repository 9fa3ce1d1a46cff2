"""The DePatch visualisation tool, on tiny settings."""
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY_CLS = osp.join(REPO, 'configs', 'dpt', 'tiny', 'dpt-tiny_8xb128_300e_in1k.py')


def _load(rel):
    path = osp.join(REPO, rel)
    spec = importlib.util.spec_from_file_location(osp.basename(path)[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vis_tool_draws_regular_grid_at_init(tmp_path):
    tool = _load('tools/misc/vis_deformable_patches.py')
    img_path = str(tmp_path / 'img.png')
    cv2.imwrite(img_path, tool.synthetic_image(64, 96))
    out = str(tmp_path / 'boxes.png')
    boxes = tool.main([TINY_CLS, '--img', img_path, '--stage', '3',
                       '--out', out, '--scale', '2'])
    drawn = cv2.imread(out)
    assert drawn.shape == (128, 192, 3)
    # stage 3 samples a map of stride 8: 4 x 6 patches of 16 px, boxes of 8 px
    # centred on the patches (the 2x2 pixel centres of the stride-8 map)
    assert boxes.shape == (24, 4)
    np.testing.assert_allclose(boxes[:, 2] - boxes[:, 0], 8, atol=1e-4)
    np.testing.assert_allclose(boxes[0], [4, 4, 12, 12], atol=1e-4)
    with pytest.raises(SystemExit, match='--stage 1 has no DePatch'):
        tool.main([TINY_CLS, '--stage', '1', '--out', out])
