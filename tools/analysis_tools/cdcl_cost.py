"""Inference cost of CDCL vs the single-dataset PSPNet: FLOPs, parameters and latency.

CDCL's dataset-aware blocks run one BN branch and one classifier per image, so its
inference should cost the same as a single-dataset PSPNet-R18 (the paper's "no extra
inference cost"). Both full configs are built in one process (no pretrained weights
needed), FLOPs are counted by mmengine's FlopAnalyzer on ``_forward`` and latency is the
median of interleaved timed forwards (CPU, ``--threads`` threads). Writes
``cdcl_cost.md`` and ``cdcl_cost.json`` to ``--work-dir``.

Example::

    python tools/analysis_tools/cdcl_cost.py --work-dir work_dirs/cdcl_cost
"""
import argparse
import json
import os
import os.path as osp
import statistics
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

from mmengine.analysis import get_model_complexity_info  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.model import revert_sync_batchnorm  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmseg.registry import MODELS  # noqa: E402
from tqdm import tqdm  # noqa: E402

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
    models = {
        'single': _Logits(build(args.single)),
        'cdcl': _Logits(build(args.cdcl), args.dataset_idx),
    }
    report = {}
    x = torch.randn(1, 3, *args.flops_shape)
    for name, m in models.items():
        info = get_model_complexity_info(
            m, inputs=(x, ), show_table=False, show_arch=False)
        report[name] = dict(flops=info['flops'], params=info['params'])
    x = torch.randn(1, 3, *args.latency_shape)
    times = {name: [] for name in models}
    with torch.no_grad(), tqdm(total=2 * (args.repeats + args.warmup),
                               desc='latency') as bar:
        for it in range(args.warmup + args.repeats):
            order = list(models) if it % 2 == 0 else list(models)[::-1]
            for name in order:
                t0 = time.perf_counter()
                models[name](x)
                if it >= args.warmup:
                    times[name].append(time.perf_counter() - t0)
                bar.update(1)
    for name in models:
        report[name]['latency_ms'] = 1000 * statistics.median(times[name])
    ratio = {k: report['cdcl'][k] / report['single'][k]
             for k in ('flops', 'params', 'latency_ms')}
    os.makedirs(args.work_dir, exist_ok=True)
    cmd = 'python tools/analysis_tools/cdcl_cost.py ' + ' '.join(sys.argv[1:])
    lines = [
        f'FLOPs at 1x3x{args.flops_shape[0]}x{args.flops_shape[1]} '
        f'(mmengine FlopAnalyzer, one multiply-add = 1 FLOP); latency = median '
        f'of {args.repeats} interleaved forwards at 1x3x'
        f'{args.latency_shape[0]}x{args.latency_shape[1]} on CPU, '
        f'{args.threads} thread(s); CDCL runs branch {args.dataset_idx}.', '',
        '| model | GFLOPs | params (M) | latency (ms) |', '|---|---|---|---|'
    ]
    for name, label in (('single', osp.basename(args.single)),
                        ('cdcl', osp.basename(args.cdcl))):
        r = report[name]
        lines.append(f'| {label} | {r["flops"] / 1e9:.2f} | '
                     f'{r["params"] / 1e6:.3f} | {r["latency_ms"]:.1f} |')
    lines.append(f'| ratio CDCL / single | {ratio["flops"]:.3f} | '
                 f'{ratio["params"]:.3f} | {ratio["latency_ms"]:.3f} |')
    lines += ['', f'Command: `{cmd}`']
    text = '\n'.join(lines) + '\n'
    with open(osp.join(args.work_dir, 'cdcl_cost.md'), 'w') as f:
        f.write(text)
    with open(osp.join(args.work_dir, 'cdcl_cost.json'), 'w') as f:
        json.dump(dict(report=report, ratio=ratio, args=vars(args)), f,
                  indent=1)
    print(text)
    return report, ratio


if __name__ == '__main__':
    main()
