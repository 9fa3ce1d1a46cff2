"""Visualise EMAE's parallel masks: the K masked inputs, their reconstructions and the
merged reconstruction of one image, as a PNG grid; or SAIM's next-patch predictions.

Layout: row 1 = input and merged reconstruction (each patch averaged over the K-1 parts
that masked it); row 2 = the K masked inputs (grey = masked); row 3 = each part's
reconstruction with its visible patches pasted back.

SAIM layout (configs/saim/saim*.py): one row = input, blurred target, next-patch predictions
(every patch predicted from its predecessors in a generation order drawn with ``--seed``)
and the generation order as a heat map (dark = early, bright = late).

Example::

    python tools/misc/vis_reconstruction.py \\
        configs/emae/tiny/emae_vit-base-p16_8xb128-amp-coslr-300e_in1k.py \\
        work_dirs/emae_tiny/epoch_20.pth --img data/tiny/imagenet/val/ILSVRC2012_val_00000001.JPEG \\
        --out work_dirs/emae_tiny/reconstruction.png
"""
import argparse
import os
import os.path as osp
import sys

import numpy as np
import torch
from PIL import Image

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import projects  # noqa: E402,F401


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='EMAE or SAIM pre-training config')
    parser.add_argument(
        'checkpoint', nargs='?', default=None,
        help='pre-training checkpoint (omit to see an untrained model)')
    parser.add_argument('--img', required=True, help='input image file')
    parser.add_argument('--out', default='reconstruction.png', help='PNG path')
    parser.add_argument('--seed', type=int, default=0,
                        help='mask / generation order seed')
    parser.add_argument(
        '--cell', type=int, default=128,
        help='side (pixels) of each image in the grid')
    return parser.parse_args(argv)


def load_image(path, size):
    """Short side to ``size`` (bicubic), centre crop: (size, size, 3) uint8 RGB."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'--img {path!r} does not exist; pass an image '
                                'file, e.g. one under data/tiny/imagenet/val/')
    img = Image.open(path).convert('RGB')
    scale = size / min(img.size)
    img = img.resize((max(size, round(img.size[0] * scale)),
                      max(size, round(img.size[1] * scale))), Image.BICUBIC)
    left, top = (img.size[0] - size) // 2, (img.size[1] - size) // 2
    return np.asarray(img.crop((left, top, left + size, top + size)))


def build_model(cfg, checkpoint):
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint
    from mmpretrain.registry import MODELS
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    model = MODELS.build(cfg.model)
    if not hasattr(model, 'reconstruct'):
        raise TypeError(f'model type {cfg.model.type!r} has no reconstruct(); '
                        'use an EMAE or SAIM pre-training config '
                        '(configs/emae/emae_*.py, configs/saim/saim*.py)')
    model.init_weights()
    if checkpoint:
        load_checkpoint(model, checkpoint, map_location='cpu')
    return model.eval()


def to_uint8(x, mean, std):
    """(3, H, W) normalised RGB tensor -> (H, W, 3) uint8."""
    x = x * std.view(3, 1, 1) + mean.view(3, 1, 1)
    return x.clamp(0, 255).byte().permute(1, 2, 0).numpy()


def grid_image(rows, cell):
    """Paste rows of (H, W, 3) uint8 arrays into one RGB image (white gaps)."""
    cols = max(len(r) for r in rows)
    gap = 4
    canvas = Image.new('RGB', (cols * (cell + gap) + gap,
                               len(rows) * (cell + gap) + gap), 'white')
    for i, row in enumerate(rows):
        for j, arr in enumerate(row):
            tile = Image.fromarray(arr).resize((cell, cell), Image.NEAREST)
            canvas.paste(tile, (gap + j * (cell + gap), gap + i * (cell + gap)))
    return canvas


def emae_rows(model, x, rgb, mean, std, seed, size):
    """EMAE: input and merged reconstruction; masked parts; each part's reconstruction."""
    noise = torch.rand(
        1, model.backbone.num_patches,
        generator=torch.Generator().manual_seed(seed))
    out = model.reconstruct(x[None], noise=noise)
    grey = ((torch.full((3, ), 128.) - mean) / std).view(3, 1, 1)
    p = model.head.patch_size
    masked_rows, recon_rows = [], []
    for k in range(out['mask'].shape[0]):
        m = out['mask'][k, 0].view(size // p, size // p)
        m = m.repeat_interleave(p, 0).repeat_interleave(p, 1)
        masked_rows.append(
            to_uint8(out['masked'][k, 0] * (1 - m) + grey * m, mean, std))
        recon_rows.append(to_uint8(out['recon'][k, 0], mean, std))
    rows = [[rgb, to_uint8(out['merged'][0], mean, std)], masked_rows,
            recon_rows]
    return rows


def saim_rows(model, x, rgb, mean, std, seed):
    """SAIM: image, blurred target, next-patch predictions, generation order heat map."""
    gen = torch.Generator().manual_seed(seed)
    out = model.reconstruct(x[None], noise=model.backbone.order_noise(
        1, generator=gen))
    side = model.backbone.patch_resolution
    rank = out['rank'][0].view(*side).float() / max(out['rank'].numel() - 1, 1)
    from matplotlib import colormaps
    heat = (colormaps['viridis'](rank.numpy())[..., :3] * 255).astype(np.uint8)
    return [[rgb, to_uint8(out['target'][0], mean, std),
             to_uint8(out['recon'][0], mean, std), heat]]


def main(argv=None):
    args = parse_args(argv)
    from mmengine.config import Config
    cfg = Config.fromfile(args.config)
    model = build_model(cfg, args.checkpoint)
    size = model.backbone.patch_resolution[0] * \
        model.backbone.patch_embed.projection.kernel_size[0]
    pre = cfg.get('data_preprocessor') or cfg.model.get('data_preprocessor', {})
    mean = torch.tensor(pre.get('mean', [123.675, 116.28, 103.53])).float()
    std = torch.tensor(pre.get('std', [58.395, 57.12, 57.375])).float()
    rgb = load_image(args.img, size)
    x = (torch.from_numpy(rgb).float().permute(2, 0, 1) - mean.view(3, 1, 1)) \
        / std.view(3, 1, 1)
    if hasattr(model.backbone, 'generation_order'):
        rows = saim_rows(model, x, rgb, mean, std, args.seed)
        message = (f'{model.backbone.generation_order} order, '
                   f'{model.backbone.num_patches} patches')
    else:
        rows = emae_rows(model, x, rgb, mean, std, args.seed, size)
        message = (f'{len(rows[1])} parts of {size}x{size} '
                   f'({model.backbone.num_visible} visible patches each)')
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    grid_image(rows, args.cell).save(args.out)
    print(f'saved {args.out}: {message}')
    return args.out


if __name__ == '__main__':
    main()
