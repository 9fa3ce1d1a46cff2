"""Visualise MST's attention-guided masking of one image as a PNG.

Panels, left to right: the input crop; the teacher's last-layer [CLS]-to-patch attention
(bright = high); the student's input with the masked patches greyed out (only
low-attention patches can be masked); the global decoder's restored image.

Example::

    python tools/misc/vis_attention_mask.py \\
        configs/mst/tiny/mst_deit-small-p16_16xb64-amp-coslr-100e_in1k.py \\
        work_dirs/mst_tiny/epoch_4.pth --img data/tiny/imagenet/val/ILSVRC2012_val_00000001.JPEG \\
        --out work_dirs/mst_tiny/attention_mask.png
"""
import argparse
import os
import os.path as osp
import sys

import torch

HERE = osp.dirname(osp.abspath(__file__))
REPO_ROOT = osp.dirname(osp.dirname(HERE))
for path in (REPO_ROOT, HERE):
    if path not in sys.path:
        sys.path.insert(0, path)

import projects  # noqa: E402,F401
from vis_reconstruction import grid_image, load_image, to_uint8  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='MST pre-training config')
    parser.add_argument('checkpoint', nargs='?', default=None,
                        help='pre-training checkpoint (omit to see an untrained model)')
    parser.add_argument('--img', required=True, help='input image file')
    parser.add_argument('--out', default='attention_mask.png', help='PNG path')
    parser.add_argument('--seed', type=int, default=0, help='seed of the masking draw')
    parser.add_argument('--cell', type=int, default=160,
                        help='side (pixels) of each panel')
    return parser.parse_args(argv)


def build_model(cfg, checkpoint):
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint
    from mmpretrain.registry import MODELS
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    model = MODELS.build(cfg.model)
    if not hasattr(model, 'visualize') or not hasattr(model, 'masker'):
        raise TypeError(f'model type {cfg.model.type!r} is not MST; use an MST '
                        'pre-training config (configs/mst/mst_*.py)')
    model.init_weights()
    if checkpoint:
        load_checkpoint(model, checkpoint, map_location='cpu')
    return model.eval()


def heatmap(values, hw, size):
    """(N, ) attention -> (size, size, 3) uint8, min-max scaled, dark blue to yellow."""
    v = values.reshape(hw).float()
    v = (v - v.min()) / (v.max() - v.min()).clamp_min(1e-12)
    v = torch.nn.functional.interpolate(v[None, None], size=(size, size),
                                        mode='nearest')[0, 0]
    rgb = torch.stack([v, v, 1 - v], -1) * torch.tensor([255., 220., 120.])
    return rgb.clamp(0, 255).byte().numpy()


def main(argv=None):
    args = parse_args(argv)
    from mmengine.config import Config
    cfg = Config.fromfile(args.config)
    model = build_model(cfg, args.checkpoint)
    backbone = model.backbone
    size = backbone.patch_resolution[0] * backbone.patch_resolution_stride
    pre = cfg.model.get('data_preprocessor') or {}
    mean = torch.tensor(pre.get('mean', [123.675, 116.28, 103.53])).float()
    std = torch.tensor(pre.get('std', [58.395, 57.12, 57.375])).float()
    rgb = load_image(args.img, size)
    x = (torch.from_numpy(rgb).float().permute(2, 0, 1) - mean.view(3, 1, 1)) \
        / std.view(3, 1, 1)
    out = model.visualize(x[None], torch.Generator().manual_seed(args.seed))
    p = backbone.patch_resolution_stride
    m = out['mask'][0].view(out['hw']).float()
    m = m.repeat_interleave(p, 0).repeat_interleave(p, 1)
    masked = rgb.copy()
    masked[m.bool().numpy()] = 128
    panels = [rgb, heatmap(out['attn'][0], out['hw'], size), masked,
              to_uint8(out['restored'][0], mean, std)]
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    grid_image([panels], args.cell).save(args.out)
    frac = out['mask'].float().mean().item()
    print(f'wrote {args.out} ({int(out["mask"].sum())} of {out["mask"].numel()} '
          f'patches masked, {100 * frac:.1f} %)')
    return dict(out, path=args.out, panels=panels)


if __name__ == '__main__':
    main()
