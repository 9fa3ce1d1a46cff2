"""Inference cost of CDCL vs the single-dataset PSPNet: FLOPs, parameters and latency.

CDCL's dataset-aware blocks run one BN branch and one classifier per image, so its
inference should cost the same as a single-dataset PSPNet-R18 (the paper's "no extra
inference cost"). Both full configs are built in one process (no pretrained weights
needed), FLOPs are counted on ``_forward`` by :func:`projects.common.flops.count_flops`
and latency is the median of interleaved timed forwards (CPU, ``--threads`` threads),
as a ratio to the single-dataset model. Writes ``cdcl_cost.{md,json,png}``.

Example::

    python tools/analysis_tools/cdcl_cost.py --work-dir work_dirs/cdcl_cost
"""
import argparse
import os.path as osp
import sys

import torch
import torch.nn as nn

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

from mmengine.config import Config  # noqa: E402
from mmengine.model import revert_sync_batchnorm  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmseg.registry import MODELS  # noqa: E402

from projects.common import benchmark as hb  # noqa: E402
from projects.common.flops import count_flops  # noqa: E402

SINGLE = 'configs/cdcl/pspnet_r18-d8_4xb2-80k_cityscapes-512x512.py'
CDCL = ('configs/cdcl/'
        'cdcl_pspnet_r18-d8_4xb6-80k_cityscapes-bdd100k-camvid-512x512.py')


class _Logits(nn.Module):
    """``_forward`` of a segmentor as a plain module (for tracing and timing)."""

    def __init__(self, segmentor, dataset_idx=None):
        super().__init__()
        self.segmentor = segmentor
        self.dataset_idx = dataset_idx

    def forward(self, x):
        if self.dataset_idx is None:
            return self.segmentor._forward(x)
        return self.segmentor._forward(x, dataset_idx=self.dataset_idx)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--single', default=SINGLE)
    p.add_argument('--cdcl', default=CDCL)
    p.add_argument('--dataset-idx', type=int, default=0,
                   help='CDCL branch to run (its classifier size matters)')
    p.add_argument('--flops-shape', type=int, nargs=2, default=[512, 512])
    p.add_argument('--latency-shape', type=int, nargs=2, default=[256, 256])
    p.add_argument('--repeats', type=int, default=15)
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--work-dir', default='work_dirs/cdcl_cost')
    return p.parse_args(argv)


def build(path):
    cfg = Config.fromfile(path)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    return model.eval()


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    models = {'single': _Logits(build(args.single)),
              'cdcl': _Logits(build(args.cdcl), args.dataset_idx)}
    x = torch.randn(1, 3, *args.flops_shape)
    flops = {name: count_flops(m, x) for name, m in models.items()}
    params = {name: sum(p.numel() for p in m.parameters()) for name, m in models.items()}
    x = torch.randn(1, 3, *args.latency_shape)

    def forward(model):
        with torch.no_grad():
            model(x)
    times = hb.interleaved_timing({n: (lambda m=m: forward(m)) for n, m in models.items()},
                                  args.repeats, warmup=args.warmup, desc='latency')
    speed = {r[0]: r for r in hb.speed_rows(times, 'single')}
    labels = {'single': osp.basename(args.single), 'cdcl': osp.basename(args.cdcl)}
    rows = [[labels[n], f'{flops[n] / 1e9:.2f}', f'{params[n] / 1e6:.3f}', speed[n][1],
             speed[n][2]] for n in models]
    rows.append(['ratio CDCL / single', f"{flops['cdcl'] / flops['single']:.3f}",
                 f"{params['cdcl'] / params['single']:.3f}", '', speed['cdcl'][2]])
    rep = hb.Report('cdcl_cost', 'CDCL inference cost vs single-dataset PSPNet')
    rep.add_table(
        f'FLOPs at 1x3x{args.flops_shape[0]}x{args.flops_shape[1]} (one multiply-add = 1 '
        f'FLOP); latency: median of {args.repeats} interleaved forwards at 1x3x'
        f'{args.latency_shape[0]}x{args.latency_shape[1]}, {args.threads} CPU thread(s); '
        f'CDCL runs branch {args.dataset_idx}',
        ['model', 'GFLOPs', 'params (M)', 'latency (ms)', 'latency ratio'], rows)
    rep.data = dict(flops=flops, params=params, times=times, args=vars(args))
    rep.write(args.work_dir)
    print(rep.markdown())
    return rep


if __name__ == '__main__':
    main()
