"""DPT vs PVT: parameters, FLOPs and CPU latency, plus a miniature accuracy comparison.

Efficiency: for each variant and input size, our ``DeformablePatchTransformer`` and mmdet's
``PyramidVisionTransformer`` (same depths / widths, dense backbones, no classifier):
parameters, FLOPs (multiply-adds, :mod:`projects.common.flops`) and the median forward
latency on one CPU thread over interleaved rounds, reported as ratios to PVT.

Accuracy: the tiny DPT ImageNet twin (``configs/dpt/tiny/dpt-tiny_8xb128_300e_in1k.py``;
tiny ImageNet, one shape per image at a random scale and position) trained with DePatch
(its default) and without it (``depatch_stages`` all False = PVT's fixed patch embedding),
same recipe and seeds; top-1 on the val split through mmpretrain's ``Accuracy``.

Example::

    python tools/analysis_tools/dpt_benchmark.py --work-dir work_dirs/dpt_benchmark
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

import torch  # noqa: E402

from projects.common import benchmark as hb  # noqa: E402
from projects.common.flops import count_flops  # noqa: E402
from projects.dpt import DeformablePatchTransformer, DePatchEmbed  # noqa: E402

TINY = 'configs/dpt/tiny/dpt-tiny_8xb128_300e_in1k.py'
ARMS = [
    hb.Arm('pvt', TINY, 'PVT patch embedding (DePatch off)',
           {'model.backbone.depatch_stages': (False, False, False, False)}),
    hb.Arm('dpt', TINY, 'DPT (DePatch in stages 2-4)'),
]


def depatch_diagnostics(runner):
    """Last DePatch on the val images: mean |tanh(offset code)| (0 at init) and mean box
    width in pixels of its input map (1 patch = the initial width)."""
    model = runner.model
    last = [m for m in model.modules() if isinstance(m, DePatchEmbed)][-1]
    widths, offsets = [], []

    def hook(module, inputs, output):
        codes, hw_shape = module.predict_codes(inputs[0])
        boxes = module.decode_boxes(codes, hw_shape)
        widths.append(((boxes[..., 2] - boxes[..., 0]) * inputs[0].shape[3]).mean())
        offsets.append(torch.tanh(codes[..., :2]).abs().mean())

    handle = last.register_forward_hook(hook)
    model.eval()
    with torch.no_grad():
        for batch in runner.val_dataloader:
            model.extract_feat(model.data_preprocessor(batch, False)['inputs'])
    handle.remove()
    return dict(box_width=float(torch.stack(widths).mean()),
                offset=float(torch.stack(offsets).mean()))


def build_pair(variant):
    """Our DPT and mmdet's PVT of the same variant, dense outputs, eval mode."""
    from mmdet.models.backbones import PyramidVisionTransformer
    dpt = DeformablePatchTransformer(arch=variant, drop_path_rate=0.)
    arch = DeformablePatchTransformer.arch_zoo[variant]
    pvt = PyramidVisionTransformer(
        num_layers=arch['depths'], num_heads=arch['num_heads'],
        mlp_ratios=arch['mlp_ratios'], sr_ratios=arch['sr_ratios'], drop_path_rate=0.)
    return dpt.eval(), pvt.eval()


def efficiency(args):
    rows, times = [], {}
    for variant in args.variants:
        dpt, pvt = build_pair(variant)
        for size in args.sizes:
            h, w = (int(v) for v in size.lower().split('x'))
            x = torch.randn(1, 3, h, w)
            params = [sum(p.numel() for p in m.parameters()) for m in (dpt, pvt)]
            flops = [count_flops(m, x) for m in (dpt, pvt)]

            def forward(model, x=x):
                with torch.no_grad():
                    model(x)
            key = f'{variant} {h}x{w}'
            times[key] = hb.interleaved_timing(
                {'pvt': lambda: forward(pvt), 'dpt': lambda: forward(dpt)},
                args.repeats, warmup=2, desc=key)
            ms = {r[0]: r for r in hb.speed_rows(times[key], 'pvt')}
            rows.append([variant, f'{h}x{w}', f'{params[0] / 1e6:.2f} / {params[1] / 1e6:.2f}',
                         f'{params[0] / params[1]:.3f}',
                         f'{flops[0] / 1e9:.2f} / {flops[1] / 1e9:.2f}',
                         f'{flops[0] / flops[1]:.3f}',
                         f"{ms['dpt'][1]} / {ms['pvt'][1]}", ms['dpt'][2]])
    return rows, times


def report(eff_rows, times, results, args):
    rep = hb.Report('dpt_benchmark', 'DPT vs PVT (mmdet) in miniature')
    if eff_rows:
        rep.add_table(
            f'Efficiency (batch 1, 1 CPU thread, median of {args.repeats} interleaved rounds)',
            ['variant', 'input', 'params DPT / PVT (M)', 'ratio', 'GFLOPs DPT / PVT',
             'ratio', 'latency DPT / PVT (ms)', 'ratio'], eff_rows)
    if results:
        n = len(args.seeds)
        rows = [[a.label, hb.mean_std([r['metrics']['accuracy/top1'] for r in results[a.name]]),
                 f"{sum(r['train_s'] for r in results[a.name]) / n:.0f}"]
                for a in ARMS]
        rep.add_table(f'Tiny ImageNet top-1 % (chance 10 %), mean ± sample std over n={n} '
                      f'seeds {args.seeds}, {args.epochs} epochs',
                      ['backbone', 'top-1', 'train (s)'], rows)
        dpt = results['dpt']
        rep.add_text('DePatch diagnostics (last DePatch, val images, per seed): mean '
                     '|tanh(offset code)| ' + ', '.join(f"{r['metrics']['offset']:.3f}"
                                                        for r in dpt) +
                     ' (0 at init); mean box width ' +
                     ', '.join(f"{r['metrics']['box_width']:.2f}" for r in dpt) +
                     ' px of its input map (1 patch at init).')
        rep.add_bars('top-1', {a.label: [r['metrics']['accuracy/top1']
                                         for r in results[a.name]] for a in ARMS})
        for a in ARMS:
            rep.add_curves(a.label, [r['curve'] for r in results[a.name]])
    rep.data = dict(efficiency=eff_rows, times=times, results=results, args=vars(args))
    return rep


def parse_args(argv=None):
    parser = hb.benchmark_parser(__doc__, 'dpt_benchmark')
    parser.add_argument('--variants', nargs='+', default=['tiny', 'small'],
                        choices=['tiny', 'small', 'medium'])
    parser.add_argument('--sizes', nargs='+', default=['224x224', '512x512'],
                        help='input sizes HxW for the efficiency part')
    parser.add_argument('--repeats', type=int, default=10,
                        help='timed forward rounds per size')
    parser.add_argument('--epochs', type=int, default=40, help='tiny twin epochs')
    parser.add_argument('--skip-efficiency', action='store_true')
    parser.add_argument('--skip-accuracy', action='store_true')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)
    eff_rows, times = ([], {}) if args.skip_efficiency else efficiency(args)
    results = {} if args.skip_accuracy else hb.run_grid(
        ARMS, args.seeds,
        lambda arm, seed: hb.train_arm(
            arm, args.work_dir, seed, args.epochs,
            probe=depatch_diagnostics if arm.name == 'dpt' else None),
        desc='DPT accuracy')
    rep = report(eff_rows, times, results, args)
    return rep.publish(args.work_dir)


if __name__ == '__main__':
    main()
