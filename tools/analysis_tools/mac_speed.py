"""MAC's efficiency claim in one run: FLOPs and train-step time, masked vs unmasked.

Multiply-adds are counted with ``torch.utils.flop_counter`` on the video encoder of a config (meta
tensors, nothing is computed), so the full ViT-B/16 at 4 x 224^2 is cheap to count. Step
time is measured on a CPU-sized encoder (``--embed-dims/--depth/--img-size`` override the
config's): forward + symmetric InfoNCE on a random text embedding + backward + AdamW, the
mask ratios interleaved step by step (background load hits every arm alike), median of
``--steps`` steps after ``--warmup``.

Example::

    python tools/analysis_tools/mac_speed.py --ratios 0 0.5 0.6 0.75 0.9 \\
        --embed-dims 192 --depth 4 --img-size 112 --batch-size 32 --threads 1
"""
import argparse
import copy
import os.path as osp
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
import projects  # noqa: E402,F401
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

DEFAULT_CONFIG = ('configs/mac/mac_vit-base-p16-res224_4xb8-u4-amp-coslr-'
                  '3125k_webvid2m-cc3m-rgb.py')


def build_encoder(cfg, ratio, overrides=None):
    from mmaction.registry import MODELS
    enc = copy.deepcopy(cfg.model.video_encoder)
    enc.update(overrides or {})
    enc['mask_ratio'] = ratio
    return MODELS.build(enc)


def encoder_macs(cfg, ratio, frames, mask_strategy=None):
    """Forward multiply-adds of the config's video encoder at ``ratio`` (training mode).

    ``torch.utils.flop_counter`` counts a multiply-add as 2 FLOPs; halved here to the
    OpenMMLab convention (1 FLOP = 1 multiply-add, as ``projects.common.flops``).
    """
    from torch.utils.flop_counter import FlopCounterMode
    overrides = dict(mask_strategy=mask_strategy) if mask_strategy else None
    model = build_encoder(cfg, ratio, overrides).to('meta').train()
    size = cfg.model.video_encoder.img_size
    clip = torch.empty(1, frames, 3, size, size, device='meta')
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(clip)
    return counter.get_total_flops() / 2


def step_times(cfg, ratios, args):
    """Median train-step seconds per ratio, arms interleaved."""
    overrides = dict(embed_dims=args.embed_dims, depth=args.depth,
                     num_heads=args.num_heads, img_size=args.img_size,
                     mask_strategy=args.mask_strategy)
    arms = {}
    for ratio in ratios:
        torch.manual_seed(0)
        model = build_encoder(cfg, ratio, overrides).train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
        arms[ratio] = (model, opt, [])
    gen = torch.Generator().manual_seed(0)
    clip = torch.randn(args.batch_size, args.frames, 3, args.img_size,
                       args.img_size, generator=gen)
    text = F.normalize(torch.randn(args.batch_size, args.embed_dims,
                                   generator=gen), dim=-1)
    target = torch.arange(args.batch_size)
    try:
        from tqdm import tqdm
        steps = tqdm(range(args.warmup + args.steps), desc='steps')
    except ImportError:
        steps = range(args.warmup + args.steps)
    for step in steps:
        for ratio, (model, opt, times) in arms.items():
            start = time.perf_counter()
            video = F.normalize(model(clip), dim=-1)
            logits = text @ video.t() / 0.05
            loss = F.cross_entropy(logits, target) + F.cross_entropy(
                logits.t(), target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if step >= args.warmup:
                times.append(time.perf_counter() - start)
    return {r: statistics.median(t) for r, (_, _, t) in arms.items()}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--config', default=DEFAULT_CONFIG)
    p.add_argument('--ratios', type=float, nargs='+',
                   default=[0.0, 0.5, 0.6, 0.75, 0.9])
    p.add_argument('--frames', type=int, default=4)
    p.add_argument('--embed-dims', type=int, default=192)
    p.add_argument('--depth', type=int, default=4)
    p.add_argument('--num-heads', type=int, default=3)
    p.add_argument('--img-size', type=int, default=112)
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--steps', type=int, default=5)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--mask-strategy', default='frame_random',
                   help="'frame_random', 'tube' or 'joint' (joint space-time attention)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if 0.0 not in args.ratios:
        raise SystemExit('--ratios must include 0 (the unmasked reference)')
    torch.set_num_threads(args.threads)
    cfg = Config.fromfile(args.config)
    init_default_scope('mmaction')
    macs = {r: encoder_macs(cfg, r, args.frames, args.mask_strategy)
            for r in args.ratios}
    times = step_times(cfg, args.ratios, args)
    enc = cfg.model.video_encoder
    print(f'| rho_v | video GMACs ({enc.embed_dims}-d, depth {enc.depth}, '
          f'{args.frames}x{enc.img_size}^2) | MACs / unmasked | step ms '
          f'({args.embed_dims}-d, depth {args.depth}, {args.frames}x'
          f'{args.img_size}^2, batch {args.batch_size}) | step / unmasked |')
    print('| --- | --- | --- | --- | --- |')
    for r in args.ratios:
        print(f'| {r:g} | {macs[r] / 1e9:.1f} | {macs[r] / macs[0.0]:.3f} '
              f'| {times[r] * 1e3:.0f} | {times[r] / times[0.0]:.3f} |')


if __name__ == '__main__':
    main()
