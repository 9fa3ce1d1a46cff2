"""tools/misc/vis_attention_mask.py writes the PNG of an image, its attention and its mask."""
import glob

import pytest
import torch
from PIL import Image

from tests.utils import load_tool

CFG = 'configs/mst/tiny/mst_deit-small-p16_16xb64-amp-coslr-100e_in1k.py'


def test_vis_attention_mask_png(tiny_data, tmp_path):
    img = sorted(glob.glob('data/tiny/imagenet/val/*.JPEG'))[0]
    out = tmp_path / 'vis' / 'mask.png'
    tool = load_tool('misc/vis_attention_mask')
    res = tool.main([CFG, '--img', img, '--out', str(out), '--cell', '64'])
    png = Image.open(out)
    assert png.format == 'PNG' and png.size == (4 * 68 + 4, 72)
    attn, mask = res['attn'][0], res['mask'][0]
    # only the lowest-attention half can be masked
    high = attn.argsort()[32:]
    assert not mask[high].any() and mask.any()
    # the greyed pixels are exactly the masked 4x4 patches
    rgb, masked = (torch.from_numpy(a.copy()) for a in res['panels'][0:3:2])
    pixel_mask = mask.view(8, 8).repeat_interleave(4, 0).repeat_interleave(4, 1)
    assert (masked[pixel_mask] == 128).all()
    assert torch.equal(masked[~pixel_mask], rgb[~pixel_mask])
    assert res['restored'].shape == (1, 3, 32, 32)
    with pytest.raises(FileNotFoundError, match='--img'):
        tool.main([CFG, '--img', str(tmp_path / 'nope.jpg'), '--out', str(out)])
