"""SAIM in the visualisation tool."""
import numpy as np
from PIL import Image

from tests.utils import load_tool

TINY = 'configs/saim/tiny/saim_vit-base-p16_32xb64-amp-coslr-300e_in1k.py'


def test_vis_reconstruction_shows_target_prediction_and_order(tmp_path):
    vis = load_tool('misc/vis_reconstruction')
    img = tmp_path / 'in.png'
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (40, 48, 3), np.uint8)).save(img)
    outs = []
    for seed in (0, 1):
        out = vis.main([TINY, '--img', str(img), '--out',
                        str(tmp_path / f'grid{seed}.png'), '--cell', '32',
                        '--seed', str(seed)])
        outs.append(np.asarray(Image.open(out)))
    # one row: image, blurred target, prediction, order heat map (32 px cells, 4 px gaps)
    assert outs[0].shape == (36 + 4, 4 * 36 + 4, 3)
    cells = [outs[0][4:36, 4 + j * 36:36 + j * 36] for j in range(4)]
    assert not np.array_equal(cells[0], cells[1])  # the blur changes the image
    heat0 = outs[0][4:36, 112:144]
    heat1 = outs[1][4:36, 112:144]
    assert not np.array_equal(heat0, heat1)  # the order follows --seed
    # the heat map has one colour per patch: 64 patches -> 64 distinct colours
    assert len(np.unique(heat0.reshape(-1, 3), axis=0)) == 64
