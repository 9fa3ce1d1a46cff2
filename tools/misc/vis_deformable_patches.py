"""Draw the boxes DePatch samples from (one stage of a DPT backbone) over an image.

Each box is drawn in image pixels together with its k x k sampling points, as in the
DPT paper's figures. Without a checkpoint the model is freshly initialised, so the boxes
form the regular patch grid DePatch starts from.

Example::

    python tools/misc/vis_deformable_patches.py \
        configs/dpt/dpt-small_8xb128_300e_in1k.py --checkpoint dpt-small_in1k.pth \
        --img demo.jpg --stage 4 --out work_dirs/dpt_vis/stage4.png
"""
import argparse
import os
import os.path as osp
import sys

import cv2
import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
import projects  # noqa: E402,F401


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config whose model has a DPT backbone')
    parser.add_argument('--checkpoint', help='checkpoint to load (optional)')
    parser.add_argument('--img', help='image file; a synthetic image if omitted')
    parser.add_argument(
        '--stage', type=int, default=4,
        help='stage (1-based) whose DePatch boxes are drawn; 2, 3 or 4')
    parser.add_argument(
        '--size', type=int, nargs=2, default=None, metavar=('H', 'W'),
        help='resize the image to H x W before the forward pass')
    parser.add_argument(
        '--max-boxes', type=int, default=64,
        help='draw at most this many boxes (evenly spread over the grid)')
    parser.add_argument('--scale', type=int, default=4,
                        help='upscale factor of the drawing')
    parser.add_argument('--out', default='work_dirs/dpt_vis/patches.png')
    return parser.parse_args(argv)


def build_backbone(config, checkpoint=None):
    """Build the config's model and return its DPT backbone (eval mode) and the cfg."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint

    from projects.dpt import DeformablePatchTransformer
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    from mmengine.registry import MODELS
    model = MODELS.build(cfg.model)
    if checkpoint:
        load_checkpoint(model, checkpoint, map_location='cpu')
    else:
        model.init_weights()
    backbone = getattr(model, 'backbone', model)
    if not isinstance(backbone, DeformablePatchTransformer):
        raise SystemExit(f'{config} has backbone {type(backbone).__name__}, '
                         'not DeformablePatchTransformer.')
    return backbone.eval(), cfg


def synthetic_image(h=224, w=224, seed=0):
    """A grey image with a few coloured discs (BGR uint8)."""
    rng = np.random.default_rng(seed)
    img = np.full((h, w, 3), 90, np.uint8)
    for _ in range(4):
        centre = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        radius = int(rng.integers(min(h, w) // 12, min(h, w) // 4))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.circle(img, centre, radius, colour, -1)
    return img


def collect_boxes(backbone, img, mean, std, stage):
    """Boxes (N, 4) in image pixels, sampling points (N, k*k, 2) and the grid (Hp, Wp)."""
    if not 2 <= stage <= backbone.num_stages or not backbone.depatch_stages[
            stage - 1]:
        raise SystemExit(
            f'--stage {stage} has no DePatch; choose one of '
            f'{[i + 1 for i, d in enumerate(backbone.depatch_stages) if d]}.')
    rgb = img[..., ::-1].astype(np.float32)
    x = (torch.from_numpy(rgb.copy()) - torch.tensor(mean)) / torch.tensor(std)
    x = x.permute(2, 0, 1)[None]
    depatch = backbone.patch_embeds[stage - 1]
    captured = {}

    def hook(module, inputs, output):
        feat = inputs[0]
        codes, hw_shape = module.predict_codes(feat)
        boxes = module.decode_boxes(codes, hw_shape)
        captured.update(
            boxes=boxes[0], points=module.sampling_points(boxes)[0],
            hw=hw_shape, in_hw=feat.shape[2:])

    handle = depatch.register_forward_hook(hook)
    with torch.no_grad():
        backbone(x)
    handle.remove()
    in_h, in_w = captured['in_hw']
    stride = x.shape[2] // in_h
    scale = torch.tensor([in_w * stride, in_h * stride], dtype=torch.float32)
    boxes = captured['boxes'] * scale.repeat(2)
    points = captured['points'] * scale
    return boxes.numpy(), points.numpy(), captured['hw']


def draw(img, boxes, points, hw, max_boxes=64, scale=4):
    """Draw every box (subsampled to ``max_boxes``) and its points; returns BGR uint8."""
    hp, wp = hw
    step = max(1, int(np.ceil(np.sqrt(hp * wp / max_boxes))))
    keep = [r * wp + c for r in range(0, hp, step) for c in range(0, wp, step)]
    canvas = cv2.resize(img, (img.shape[1] * scale, img.shape[0] * scale),
                        interpolation=cv2.INTER_NEAREST)
    for n, idx in enumerate(keep):
        hue = int(180 * n / max(len(keep), 1))
        colour = cv2.cvtColor(np.uint8([[[hue, 255, 255]]]),
                              cv2.COLOR_HSV2BGR)[0, 0].tolist()
        x1, y1, x2, y2 = (boxes[idx] * scale).round().astype(int)
        cv2.rectangle(canvas, (x1, y1), (x2, y2), colour, 1)
        for px, py in points[idx] * scale:
            cv2.circle(canvas, (int(round(px)), int(round(py))), 2, colour, -1)
    return canvas


def main(argv=None):
    args = parse_args(argv)
    backbone, cfg = build_backbone(args.config, args.checkpoint)
    if args.img:
        img = cv2.imread(args.img)
        if img is None:
            raise SystemExit(f'Cannot read image {args.img!r}.')
    else:
        img = synthetic_image()
    if args.size:
        img = cv2.resize(img, (args.size[1], args.size[0]))
    pre = cfg.model.get('data_preprocessor') or cfg.get('data_preprocessor') or {}
    mean = pre.get('mean', [123.675, 116.28, 103.53])
    std = pre.get('std', [58.395, 57.12, 57.375])
    boxes, points, hw = collect_boxes(backbone, img, mean, std, args.stage)
    canvas = draw(img, boxes, points, hw, args.max_boxes, args.scale)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    cv2.imwrite(args.out, canvas)
    print(f'Stage {args.stage}: {hw[0]}x{hw[1]} patches, mean box size '
          f'{np.mean(boxes[:, 2] - boxes[:, 0]):.2f} x '
          f'{np.mean(boxes[:, 3] - boxes[:, 1]):.2f} px -> {args.out}')
    return boxes


if __name__ == '__main__':
    main()
