"""CDCL in miniature: single-dataset training vs joint training with shared BN vs CDCL.

Three tiny road-scene sets with different domains and label sets (Cityscapes and BDD100K
with 19 classes, CamVid with 11; ``make_tiny_datasets.py``), the tiny PSPNet twins (dilated
ResNet-18, 16 base channels, 128x128 crops), the same iterations and seeds for every arm:

* ``single``: one stock mmseg PSPNet per dataset (``tiny/pspnet_r18-d8_*``).
* ``joint-bn``: the CDCL twin with plain shared BatchNorm (per-dataset classifiers and
  summed per-dataset losses, i.e. DAT without DSBN).
* ``cdcl``: the CDCL twin as configured (DSBN + per-dataset classifiers + DAT, Sec. 3).

mIoU (%) on every val image of each dataset through mmseg's ``IoUMetric`` (the CDCL
twin's ``MultiDatasetValLoop`` reports it per dataset).

Finished (arm, seed) runs are kept in ``<work-dir>/runs/`` and reused; seeds run as
separate processes are reported together with ``--merge``.

Example::

    python tools/analysis_tools/cdcl_benchmark.py --work-dir work_dirs/cdcl_benchmark
    python tools/analysis_tools/cdcl_benchmark.py --seeds 0 --work-dir work_dirs/cdcl_s0
    python tools/analysis_tools/cdcl_benchmark.py --seeds 1 --work-dir work_dirs/cdcl_s1
    python tools/analysis_tools/cdcl_benchmark.py --merge work_dirs/cdcl_s0 work_dirs/cdcl_s1 \
        --work-dir work_dirs/cdcl_benchmark
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

import torch  # noqa: E402

from projects.common import benchmark as hb  # noqa: E402

DATASETS = ('cityscapes', 'bdd100k', 'camvid')
SINGLE = 'configs/cdcl/tiny/pspnet_r18-d8_4xb2-80k_{}-512x512.py'
CDCL = 'configs/cdcl/tiny/cdcl_pspnet_r18-d8_4xb6-80k_cityscapes-bdd100k-camvid-512x512.py'
SHARED_BN = {f'model.{part}.norm_cfg': dict(_delete_=True, type='BN', requires_grad=True)
             for part in ('backbone', 'decode_head', 'auxiliary_head')}


def arms(names):
    singles = [hb.Arm(f'single-{d}', SINGLE.format(d), f'single ({d})') for d in names]
    return singles, [hb.Arm('joint-bn', CDCL, 'joint, shared BN', SHARED_BN),
                     hb.Arm('cdcl', CDCL, 'CDCL (DSBN + DAT)')]


def iterations(n):
    """Overrides giving a twin ``n`` iterations (poly schedule stretched to match)."""
    return {'train_cfg.max_iters': n, 'train_cfg.val_interval': n + 1,
            'param_scheduler': [dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0,
                                     end=n, by_epoch=False)],
            'default_hooks.checkpoint.interval': n}


def miou(arm, result, dataset):
    key = 'mIoU' if arm.startswith('single') else f'{dataset}/mIoU'
    return result['metrics'][key]


def report(results, args, command=None):
    """Tables (mean ± sample std, per-seed values, curve tails, summed cost), bars and
    curves."""
    rep = hb.Report('cdcl_benchmark', 'CDCL in miniature (tiny road scenes, mIoU %)', command)
    single = {d: [miou(f'single-{d}', r, d) for r in results[f'single-{d}']]
              for d in DATASETS if f'single-{d}' in results}
    table = {'single': single} if single else {}
    for name in ('joint-bn', 'cdcl'):
        if name in results:
            table[name] = {d: [miou(name, r, d) for r in results[name]] for d in DATASETS}
    rows, seed_rows = [], []
    for name, per in table.items():
        means = [hb.summarize(v)['mean'] for v in per.values()]
        rows.append([name] + [hb.mean_std(per[d], 2) if d in per else '-'
                              for d in DATASETS] + [f'{sum(means) / len(means):.2f}'])
        seed_rows.append([name] + [', '.join(f'{v:.2f}' for v in per[d]) if d in per else '-'
                                   for d in DATASETS])
    rep.add_table(f'{args.iters} iterations, mean ± sample std over n={len(args.seeds)} seeds '
                  f'{args.seeds}', ['arm'] + list(DATASETS) + ['mean'], rows)
    rep.add_table(f'Per seed ({args.seeds})', ['arm'] + list(DATASETS), seed_rows)
    tails = [[name, '{1:.3f} ({0:.3f})'.format(*hb.curve_tail([r['curve'] for r in runs])),
              f"{sum(r['train_s'] for r in runs) / len(runs):.0f}"]
             for name, runs in results.items()]
    rep.add_table('Training loss (decode + auxiliary head; the joint arms sum their datasets), '
                  'mean over the last 10 % of iterations (the 10 % before) and over the '
                  'seeds, and train seconds per run',
                  ['run', 'loss, last 10 % (previous 10 %)', 'train (s)'], tails)
    rep.add_text(f'Cost (one thread): {hb.cost_text(results)}')
    for d in DATASETS:
        rep.add_bars(f'{d} mIoU', {n: per[d] for n, per in table.items() if d in per})
    for name, runs in results.items():
        rep.add_curves(name, [r['curve'] for r in runs])
    rep.data = dict(results=results, args=vars(args), cost=hb.grid_cost(results))
    return rep


def parse_args(argv=None):
    parser = hb.benchmark_parser(__doc__, 'cdcl_benchmark')
    parser.add_argument('--iters', type=int, default=300, help='the twins use 300')
    parser.add_argument('--arms', nargs='+', default=['single', 'joint-bn', 'cdcl'],
                        choices=['single', 'joint-bn', 'cdcl'])
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)
    singles, joint = arms(DATASETS)
    chosen = (singles if 'single' in args.arms else []) + [
        a for a in joint if a.name in args.arms]
    results = hb.run_or_merge(args, chosen, lambda arm, seed: hb.train_arm(
        arm, args.work_dir, seed, extra=iterations(args.iters)), keys=('iters', ),
        desc='CDCL benchmark')
    return report(results, args).publish(args.work_dir)


if __name__ == '__main__':
    main()
