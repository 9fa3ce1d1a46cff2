"""DPT vs PVT: parameters, FLOPs and CPU latency, plus a miniature accuracy comparison.

Part 1 (efficiency): for each variant and input size, our ``DeformablePatchTransformer``
and mmdet's ``PyramidVisionTransformer`` (same depths/widths, dense backbones, no
classifier) are measured in one run: parameters, FLOPs (multiply-adds, mmengine's
counter plus handles for ``grid_sampler``/``baddbmm``) and the median forward latency on
one CPU thread; the table reports DPT/PVT ratios.

Part 2 (accuracy): mini-PVT vs mini-DPT, identical except DePatch (dims
[32, 64, 128, 160], one block per stage, cls token before stage 4), trained from
scratch with the same schedule and seeds on 64x64 images whose single object (a digit)
varies in scale (10-40 px) and position; ``--data tiny-imagenet`` uses
``data/tiny/imagenet`` instead. Reports test accuracy (mean +- std over seeds) and, for
DPT, how far the learned boxes moved and whether the box size follows object size.

Example::

    python tools/analysis_tools/dpt_benchmark.py --work-dir work_dirs/dpt_benchmark
"""
import argparse
import json
import math
import os
import os.path as osp
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm import tqdm

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
import projects  # noqa: E402,F401
from projects.dpt import DeformablePatchTransformer, DePatchEmbed  # noqa: E402

MINI_ARCH = dict(
    embed_dims=[32, 64, 128, 160],
    depths=[1, 1, 1, 1],
    num_heads=[1, 2, 4, 5],
    mlp_ratios=[4, 4, 4, 4],
    sr_ratios=[8, 4, 2, 1])


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/dpt_benchmark')
    parser.add_argument('--variants', nargs='+', default=['tiny', 'small'],
                        choices=['tiny', 'small', 'medium'])
    parser.add_argument('--sizes', nargs='+', default=['224x224', '512x512'],
                        help='input sizes HxW for the efficiency part')
    parser.add_argument('--repeats', type=int, default=10,
                        help='timed forward passes per model and size')
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--data', choices=['digits', 'tiny-imagenet'],
                        default='digits')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--epochs', type=int, default=8)
    parser.add_argument('--num-train', type=int, default=2000)
    parser.add_argument('--num-test', type=int, default=1000)
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--skip-efficiency', action='store_true')
    parser.add_argument('--skip-accuracy', action='store_true')
    return parser.parse_args(argv)


# ----------------------------------------------------------------- efficiency
def build_pair(variant):
    """Our DPT and mmdet's PVT of the same variant, dense outputs, eval mode."""
    from mmdet.models.backbones import PyramidVisionTransformer
    dpt = DeformablePatchTransformer(arch=variant, drop_path_rate=0.)
    arch = DeformablePatchTransformer.arch_zoo[variant]
    pvt = PyramidVisionTransformer(
        num_layers=arch['depths'],
        num_heads=arch['num_heads'],
        mlp_ratios=arch['mlp_ratios'],
        sr_ratios=arch['sr_ratios'],
        drop_path_rate=0.)
    return dpt.eval(), pvt.eval()


def _grid_sample_flop(inputs, outputs):
    # bilinear: 4 weighted neighbours per output element
    return 4 * int(np.prod(outputs[0].type().sizes()))


def _baddbmm_flop(inputs, outputs):
    b, n, k = inputs[1].type().sizes()
    m = inputs[2].type().sizes()[-1]
    return b * n * k * m


def count_flops(model, x):
    """Multiply-adds of one forward pass (mmengine's FlopAnalyzer + extra handles)."""
    from mmengine.analysis import FlopAnalyzer
    analyzer = FlopAnalyzer(model, (x, ))
    analyzer.set_op_handle(**{
        'aten::grid_sampler': _grid_sample_flop,
        'aten::baddbmm': _baddbmm_flop
    })
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    return analyzer.total()


def latency_ms(models, x, repeats):
    """Median forward time (ms) of each model; runs are interleaved so that load
    changes on a shared machine hit all models alike."""
    times = [[] for _ in models]
    with torch.no_grad():
        for model in models:
            for _ in range(2):
                model(x)
        for _ in range(repeats):
            for i, model in enumerate(models):
                start = time.perf_counter()
                model(x)
                times[i].append((time.perf_counter() - start) * 1000)
    return [statistics.median(t) for t in times]


def efficiency(args, bar):
    rows = []
    for variant in args.variants:
        dpt, pvt = build_pair(variant)
        for size in args.sizes:
            h, w = (int(v) for v in size.lower().split('x'))
            x = torch.randn(1, 3, h, w)
            row = dict(variant=variant, size=f'{h}x{w}')
            for name, model in (('dpt', dpt), ('pvt', pvt)):
                row[f'{name}_params'] = sum(p.numel()
                                            for p in model.parameters())
                row[f'{name}_flops'] = count_flops(model, x)
                bar.update(1)
            row['dpt_ms'], row['pvt_ms'] = latency_ms((dpt, pvt), x,
                                                      args.repeats)
            rows.append(row)
    return rows


# ------------------------------------------------------------------- accuracy
def render_digits(num, seed, size=64):
    """Digits 0-9 drawn at a random height (10-40 px) and place on a noisy canvas."""
    import cv2
    rng = np.random.default_rng(seed)
    images = np.zeros((num, size, size), np.float32)
    labels = rng.integers(0, 10, num)
    heights = rng.uniform(10, 40, num)
    for i in range(num):
        glyph = np.zeros((48, 40), np.uint8)
        cv2.putText(glyph, str(labels[i]), (6, 40), cv2.FONT_HERSHEY_SIMPLEX,
                    1.4, 255, 3, cv2.LINE_AA)
        ys, xs = np.nonzero(glyph)
        glyph = glyph[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
        gh = int(round(heights[i]))
        gw = max(2, int(round(glyph.shape[1] * gh / glyph.shape[0])))
        glyph = cv2.resize(glyph, (gw, gh), interpolation=cv2.INTER_AREA)
        top = rng.integers(0, size - gh + 1)
        left = rng.integers(0, size - gw + 1)
        canvas = rng.normal(0.2, 0.1, (size, size)).astype(np.float32)
        region = canvas[top:top + gh, left:left + gw]
        canvas[top:top + gh, left:left + gw] = np.maximum(
            region, glyph.astype(np.float32) / 255)
        images[i] = canvas
    x = torch.from_numpy(images)[:, None].expand(-1, 3, -1, -1)
    return (x - 0.3) / 0.3, torch.from_numpy(labels), torch.from_numpy(heights)


def load_tiny_imagenet(root, split):
    from PIL import Image
    lines = open(osp.join(root, 'meta', f'{split}.txt')).read().split('\n')
    images, labels = [], []
    for line in filter(None, lines):
        rel, label = line.rsplit(' ', 1)
        img = Image.open(osp.join(root, split, rel)).convert('RGB')
        images.append(np.asarray(img.resize((64, 64)), np.float32) / 255)
        labels.append(int(label))
    x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2)
    return (x - 0.45) / 0.25, torch.tensor(labels), None


class MiniClassifier(nn.Module):
    """Backbone (cls-token output) + linear head."""

    def __init__(self, depatch, num_classes=10):
        super().__init__()
        self.backbone = DeformablePatchTransformer(
            arch=MINI_ARCH,
            pretrain_img_size=64,
            depatch_stages=(False, depatch, depatch, depatch),
            out_type='cls_token',
            out_indices=(3, ),
            final_norm=True,
            drop_path_rate=0.)
        self.backbone.init_weights()
        self.head = nn.Linear(MINI_ARCH['embed_dims'][-1], num_classes)
        nn.init.trunc_normal_(self.head.weight, std=.02)
        nn.init.zeros_(self.head.bias)

    def forward(self, x):
        return self.head(self.backbone(x)[0])


def _box_stats(model, x):
    """Per image: mean box width (pixels of the last DePatch's input) and mean |offset|."""
    widths, offsets = [], []
    depatch = [m for m in model.modules() if isinstance(m, DePatchEmbed)]
    last = depatch[-1]
    captured = {}

    def hook(module, inputs, output):
        codes, hw_shape = module.predict_codes(inputs[0])
        boxes = module.decode_boxes(codes, hw_shape)
        w_in = inputs[0].shape[3]
        captured['width'] = ((boxes[..., 2] - boxes[..., 0]) * w_in).mean(1)
        captured['offset'] = torch.tanh(codes[..., :2]).abs().mean((1, 2))

    handle = last.register_forward_hook(hook)
    with torch.no_grad():
        for chunk in x.split(256):
            model(chunk)
            widths.append(captured['width'])
            offsets.append(captured['offset'])
    handle.remove()
    return torch.cat(widths), torch.cat(offsets)


def train_eval(depatch, seed, data, args, bar):
    x_train, y_train, x_test, y_test, test_heights = data
    torch.manual_seed(seed)
    model = MiniClassifier(depatch, num_classes=int(y_train.max()) + 1)
    no_decay = [p for n, p in model.named_parameters()
                if p.ndim <= 1 or n.endswith('cls_token')]
    decay = [p for n, p in model.named_parameters()
             if not (p.ndim <= 1 or n.endswith('cls_token'))]
    optimizer = torch.optim.AdamW([
        dict(params=decay, weight_decay=0.05),
        dict(params=no_decay, weight_decay=0.)
    ], lr=1e-3)
    steps_per_epoch = math.ceil(len(x_train) / args.batch_size)
    total = steps_per_epoch * args.epochs
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=1e-3, total_steps=total, pct_start=0.1,
        anneal_strategy='cos')
    gen = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    model.train()
    for _ in range(args.epochs):
        order = torch.randperm(len(x_train), generator=gen)
        for idx in order.split(args.batch_size):
            loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
        bar.update(1)
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(c).argmax(1) for c in x_test.split(256)])
    result = dict(
        model='DPT' if depatch else 'PVT',
        seed=seed,
        acc=(pred == y_test).float().mean().item() * 100,
        train_s=time.perf_counter() - start)
    if depatch:
        widths, offsets = _box_stats(model, x_test)
        result['mean_abs_offset'] = offsets.mean().item()
        result['mean_box_width'] = widths.mean().item()
        if test_heights is not None:
            from scipy.stats import spearmanr
            result['spearman_width_vs_size'] = float(
                spearmanr(widths.numpy(), test_heights.numpy())[0])
    return result


def accuracy(args, bar):
    if args.data == 'digits':
        x_train, y_train, _ = render_digits(args.num_train, seed=1234)
        x_test, y_test, heights = render_digits(args.num_test, seed=4321)
    else:
        root = 'data/tiny/imagenet'
        x_train, y_train, _ = load_tiny_imagenet(root, 'train')
        x_test, y_test, heights = load_tiny_imagenet(root, 'val')
    data = (x_train, y_train, x_test, y_test, heights)
    return [
        train_eval(depatch, seed, data, args, bar) for seed in args.seeds
        for depatch in (False, True)
    ]


# -------------------------------------------------------------------- report
def _fmt_m(v):
    return f'{v / 1e6:.2f}M'


def _fmt_g(v):
    return f'{v / 1e9:.2f}G'


def write_report(args, eff_rows, acc_rows, cmd):
    lines = ['# DPT vs PVT benchmark', '', f'Command: `{cmd}`', '',
             f'torch {torch.__version__}, {args.threads} CPU thread(s).', '']
    if eff_rows:
        lines += [
            '## Efficiency (dense backbones, batch 1, CPU)', '',
            '| variant | input | params DPT / PVT | ratio | FLOPs DPT / PVT '
            '| ratio | latency ms DPT / PVT | ratio |',
            '|---|---|---|---|---|---|---|---|'
        ]
        for r in eff_rows:
            lines.append(
                f"| {r['variant']} | {r['size']} | {_fmt_m(r['dpt_params'])} / "
                f"{_fmt_m(r['pvt_params'])} | "
                f"{r['dpt_params'] / r['pvt_params']:.3f} | "
                f"{_fmt_g(r['dpt_flops'])} / {_fmt_g(r['pvt_flops'])} | "
                f"{r['dpt_flops'] / r['pvt_flops']:.3f} | "
                f"{r['dpt_ms']:.1f} / {r['pvt_ms']:.1f} | "
                f"{r['dpt_ms'] / r['pvt_ms']:.3f} |")
        lines.append('')
    if acc_rows:
        lines += [
            f'## Miniature accuracy ({args.data}, {args.num_train} train / '
            f'{args.num_test} test, {args.epochs} epochs, seeds {args.seeds})',
            '', '| model | top-1 per seed | mean +- std | train s/run |',
            '|---|---|---|---|'
        ]
        for name in ('PVT', 'DPT'):
            rs = [r for r in acc_rows if r['model'] == name]
            accs = [r['acc'] for r in rs]
            std = statistics.stdev(accs) if len(accs) > 1 else 0.
            lines.append(
                f"| mini-{name} | {', '.join(f'{a:.1f}' for a in accs)} | "
                f'{statistics.mean(accs):.2f} +- {std:.2f} | '
                f"{statistics.mean(r['train_s'] for r in rs):.0f} |")
        dpt = [r for r in acc_rows if r['model'] == 'DPT']
        lines += ['', 'DePatch diagnostics (last DePatch, test set): mean '
                  '|tanh(offset code)| ' + ', '.join(
                      f"{r['mean_abs_offset']:.3f}" for r in dpt) +
                  ' (0 at init); mean box width ' + ', '.join(
                      f"{r['mean_box_width']:.2f}" for r in dpt) +
                  ' px of its input map (1.0 at init)']
        if 'spearman_width_vs_size' in dpt[0]:
            lines[-1] += '; Spearman(box width, digit size) ' + ', '.join(
                f"{r['spearman_width_vs_size']:.2f}" for r in dpt)
        lines.append('')
    return '\n'.join(lines)


def plot(path, eff_rows, acc_rows):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    panels = int(bool(eff_rows)) + int(bool(acc_rows))
    fig, axes = plt.subplots(1, panels, figsize=(5 * panels, 3.5))
    axes = np.atleast_1d(axes)
    ax_i = 0
    if eff_rows:
        ax = axes[ax_i]
        ax_i += 1
        labels = [f"{r['variant']}\n{r['size']}" for r in eff_rows]
        pos = np.arange(len(eff_rows))
        for k, (key, name) in enumerate((('params', 'params'),
                                         ('flops', 'FLOPs'),
                                         ('ms', 'latency'))):
            ax.bar(pos + (k - 1) * 0.25,
                   [r[f'dpt_{key}'] / r[f'pvt_{key}'] for r in eff_rows],
                   0.25, label=name)
        ax.axhline(1.0, color='k', lw=0.8)
        ax.axhline(1.3, color='r', lw=0.8, ls='--', label='1.3 target')
        ax.set_xticks(pos, labels)
        ax.set_ylabel('DPT / PVT')
        ax.legend(fontsize=7)
    if acc_rows:
        ax = axes[ax_i]
        for k, name in enumerate(('PVT', 'DPT')):
            accs = [r['acc'] for r in acc_rows if r['model'] == name]
            ax.scatter([k] * len(accs), accs, label=name)
            ax.errorbar(k + 0.1, np.mean(accs), yerr=np.std(accs), fmt='o')
        ax.set_xticks([0, 1], ['mini-PVT', 'mini-DPT'])
        ax.set_ylabel('test top-1 (%)')
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    os.makedirs(args.work_dir, exist_ok=True)
    steps = 0
    if not args.skip_efficiency:
        steps += 2 * len(args.variants) * len(args.sizes)
    if not args.skip_accuracy:
        steps += 2 * len(args.seeds) * args.epochs
    eff_rows, acc_rows = [], []
    with tqdm(total=steps, desc='dpt benchmark') as bar:
        if not args.skip_efficiency:
            eff_rows = efficiency(args, bar)
        if not args.skip_accuracy:
            acc_rows = accuracy(args, bar)
    cmd = 'python tools/analysis_tools/dpt_benchmark.py ' + ' '.join(
        argv if argv is not None else sys.argv[1:])
    report = write_report(args, eff_rows, acc_rows, cmd.strip())
    with open(osp.join(args.work_dir, 'benchmark.md'), 'w') as f:
        f.write(report)
    with open(osp.join(args.work_dir, 'benchmark.json'), 'w') as f:
        json.dump(dict(efficiency=eff_rows, accuracy=acc_rows), f, indent=1)
    plot(osp.join(args.work_dir, 'benchmark.png'), eff_rows, acc_rows)
    print(report)
    return eff_rows, acc_rows


if __name__ == '__main__':
    main()
