"""DPT vs PVT: parameters, FLOPs and CPU latency, plus a miniature accuracy comparison.

Efficiency: for each variant and input size, our ``DeformablePatchTransformer`` and mmdet's
``PyramidVisionTransformer`` (same depths / widths, dense backbones, no classifier):
parameters, FLOPs (multiply-adds, :mod:`projects.common.flops`) and the median forward
latency on one CPU thread over interleaved rounds, reported as ratios to PVT.

Accuracy: the tiny DPT ImageNet twin (``configs/dpt/tiny/dpt-tiny_8xb128_300e_in1k.py``;
tiny ImageNet, one shape per image at a random scale and position) trained with DePatch
(its default) and without it (``depatch_stages`` all False = PVT's fixed patch embedding),
same recipe and seeds; top-1 / top-5 on the val split through mmpretrain's ``Accuracy``;
the learned DePatch boxes per stage of the trained DPT (:func:`depatch_box_stats`).

Finished accuracy runs are kept in ``<work-dir>/runs/`` and reused; ``--merge`` reports
the runs of several work dirs (e.g. one process per seed) without training.

Example::

    python tools/analysis_tools/dpt_benchmark.py --work-dir work_dirs/dpt_benchmark
    python tools/analysis_tools/dpt_benchmark.py --skip-efficiency --merge work_dirs/dpt_s0 \
        work_dirs/dpt_s1 --work-dir work_dirs/dpt_benchmark
"""
import functools
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

import torch  # noqa: E402
from mmengine.model import is_model_wrapper  # noqa: E402

from projects.common import benchmark as hb  # noqa: E402
from projects.common.flops import count_flops  # noqa: E402
from projects.dpt import DeformablePatchTransformer, DePatchEmbed  # noqa: E402

TINY = 'configs/dpt/tiny/dpt-tiny_8xb128_300e_in1k.py'
ARMS = [
    hb.Arm('pvt', TINY, 'PVT patch embedding (DePatch off)',
           {'model.backbone.depatch_stages': (False, False, False, False)}),
    hb.Arm('dpt', TINY, 'DPT (DePatch in stages 2-4)'),
]


def depatch_box_stats(backbone, images):
    """Learned DePatch boxes of every DePatch stage of ``backbone`` on ``images``.

    ``images`` (B, 3, H, W). Per stage ``i`` (1-based) the means over all patches and
    images of the box width ``box_w`` and height ``box_h`` in input-image pixels, the
    value both have at init (``box_init``: a zero prediction gives half the stage's
    patch stride, see :mod:`projects.dpt.depatch`) and the centre offset ``offset``
    (mean ``|tanh|`` of the two offset codes, in patch strides; 0 at init).
    Keys are ``depatch<i>/<name>``.
    """
    img_h, img_w = images.shape[-2:]
    stats = {}

    def record(stage, module, inputs, output):
        codes, (hp, wp) = module.predict_codes(inputs[0])
        boxes = module.decode_boxes(codes, (hp, wp))
        half_init = torch.relu(torch.tanh(module.wh_bias.new_tensor(module.wh_bias_init)))
        stats.update({
            f'depatch{stage}/box_w': float((boxes[..., 2] - boxes[..., 0]).mean()) * img_w,
            f'depatch{stage}/box_h': float((boxes[..., 3] - boxes[..., 1]).mean()) * img_h,
            f'depatch{stage}/box_init': float(2 * half_init) * img_w / wp,
            f'depatch{stage}/offset': float(torch.tanh(codes[..., :2]).abs().mean())})

    handles = [m.register_forward_hook(functools.partial(record, i + 1))
               for i, m in enumerate(backbone.patch_embeds) if isinstance(m, DePatchEmbed)]
    try:
        with torch.no_grad():
            backbone(images)
    finally:
        for handle in handles:
            handle.remove()
    return stats


def depatch_diagnostics(runner):
    """:func:`depatch_box_stats` of the trained model over the val images (batch means
    weighted by batch size)."""
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    model.eval()
    sums, count = {}, 0
    for batch in runner.val_dataloader:
        images = model.data_preprocessor(batch, False)['inputs']
        for key, value in depatch_box_stats(model.backbone, images).items():
            sums[key] = sums.get(key, 0.) + value * len(images)
        count += len(images)
    return {key: value / count for key, value in sums.items()}


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
    """Efficiency and accuracy tables, the summed cost of the accuracy runs."""
    rep = hb.Report('dpt_benchmark', 'DPT vs PVT (mmdet) in miniature')
    if eff_rows:
        rep.add_table(
            f'Efficiency (batch 1, 1 CPU thread, median of {args.repeats} interleaved rounds)',
            ['variant', 'input', 'params DPT / PVT (M)', 'ratio', 'GFLOPs DPT / PVT',
             'ratio', 'latency DPT / PVT (ms)', 'ratio'], eff_rows)
    if results:
        accuracy_report(rep, results, args)
        rep.add_text(f'Accuracy runs (one thread): {hb.cost_text(results)}')
    rep.data = dict(efficiency=eff_rows, times=times, results=results, args=vars(args),
                    cost=hb.grid_cost(results))
    return rep


def schedule(epochs):
    """Overrides giving the twin ``epochs`` (>= 2) epochs: the linear warm-up lasts its
    3 epochs (at most half the schedule), the cosine ends at ``epochs`` and the drop-path
    warm-up lasts half the schedule, as in the twin's 40."""
    warmup = min(3, epochs // 2)
    return {'param_scheduler.0.end': warmup, 'param_scheduler.1.begin': warmup,
            'param_scheduler.1.end': epochs,
            'custom_hooks.0.warmup_epochs': max(1, epochs // 2)}


def accuracy_report(rep, results, args):
    """Top-1 / top-5 table with per-seed values, DePatch box table, bars and curves."""
    n = len(args.seeds)
    rows = []
    for a in ARMS:
        runs = results[a.name]
        top1 = [r['metrics']['accuracy/top1'] for r in runs]
        top5 = [r['metrics']['accuracy/top5'] for r in runs]
        rows.append([a.label, hb.mean_std(top1), ', '.join(f'{v:.1f}' for v in top1),
                     hb.mean_std(top5), ', '.join(f'{v:.1f}' for v in top5),
                     f"{sum(r['train_s'] for r in runs) / n:.0f}",
                     '{1:.3f} ({0:.3f})'.format(*hb.curve_tail([r['curve'] for r in runs]))])
    rep.add_table(f'Tiny ImageNet (10 classes, chance 10 % top-1 / 50 % top-5), mean ± sample '
                  f'std over n={n} seeds {args.seeds}, {args.epochs} epochs',
                  ['backbone', 'top-1', 'top-1 per seed', 'top-5', 'top-5 per seed',
                   'train (s)', 'training loss, last 10 % (previous 10 %)'], rows)
    dpt = [r['metrics'] for r in results['dpt']]
    stages = sorted({k.split('/')[0] for k in dpt[0] if k.startswith('depatch')})
    box_rows = [[stage[len('depatch'):], f"{dpt[0][f'{stage}/box_init']:.1f}",
                 hb.mean_std([m[f'{stage}/box_w'] for m in dpt], 2),
                 hb.mean_std([m[f'{stage}/box_h'] for m in dpt], 2),
                 hb.mean_std([m[f'{stage}/offset'] for m in dpt], 3)] for stage in stages]
    rep.add_table('Learned DePatch boxes of the trained DPT (val images, mean over patches; '
                  'mean ± sample std over seeds)',
                  ['stage', 'box at init (px)', 'box width (px)', 'box height (px)',
                   'mean abs. centre offset (patch strides, 0 at init)'], box_rows,
                  note='Pixels of the 64x64 input image; at init every box is half its '
                       "stage's patch stride wide and high.")
    rep.add_bars('top-1', {a.label: [r['metrics']['accuracy/top1'] for r in results[a.name]]
                           for a in ARMS})
    for a in ARMS:  # per-epoch mean loss (the per-batch loss is Mixup / CutMix noise)
        rep.add_curves(a.label, [hb.block_means(r['curve'], max(1, len(r['curve']) // args.epochs))
                                 for r in results[a.name]])


def parse_args(argv=None):
    parser = hb.benchmark_parser(__doc__, 'dpt_benchmark')
    parser.add_argument('--variants', nargs='+', default=['tiny', 'small'],
                        choices=['tiny', 'small', 'medium'])
    parser.add_argument('--sizes', nargs='+', default=['224x224', '512x512'],
                        help='input sizes HxW for the efficiency part')
    parser.add_argument('--repeats', type=int, default=10,
                        help='timed forward rounds per size')
    parser.add_argument('--epochs', type=int, default=40,
                        help='tiny twin epochs (the twin uses 40; the cosine is stretched '
                             'to match)')
    parser.add_argument('--skip-efficiency', action='store_true')
    parser.add_argument('--skip-accuracy', action='store_true')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.epochs < 2:
        raise SystemExit(f'--epochs {args.epochs}: the tiny twin needs at least 2 epochs '
                         '(one of linear warm-up, one of cosine); pass --epochs 2 or more.')
    torch.set_num_threads(1)
    eff_rows, times = ([], {}) if args.skip_efficiency else efficiency(args)
    results = {} if args.skip_accuracy else hb.run_or_merge(
        args, ARMS,
        lambda arm, seed: hb.train_arm(
            arm, args.work_dir, seed, args.epochs, extra=schedule(args.epochs),
            probe=depatch_diagnostics if arm.name == 'dpt' else None),
        keys=('epochs', ), desc='DPT accuracy')
    return report(eff_rows, times, results, args).publish(args.work_dir)


if __name__ == '__main__':
    main()
