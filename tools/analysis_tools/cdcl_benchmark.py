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

Example::

    python tools/analysis_tools/cdcl_benchmark.py --work-dir work_dirs/cdcl_benchmark
"""
import argparse
import json
import os.path as osp
import sys
import time

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


def report(results, args, command=None, cost=None):
    """Tables (mean ± sample std, per-seed values, curve tails), bars and curves.

    ``cost`` is ``dict(wall_s=..., cpu_s=...)`` of the whole run.
    """
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
    if cost:
        rep.add_text(f"Total: {cost['wall_s'] / 60:.1f} min wall, "
                     f"{cost['cpu_s'] / 60:.1f} CPU-min (one thread)" +
                     (f", summed over {cost['merged']} runs." if cost.get('merged') else '.'))
    for d in DATASETS:
        rep.add_bars(f'{d} mIoU', {n: per[d] for n, per in table.items() if d in per})
    for name, runs in results.items():
        rep.add_curves(name, [r['curve'] for r in runs])
    rep.data = dict(results=results, args=vars(args), cost=cost)
    return rep


def merged_report(paths):
    """:func:`report` of the finished runs saved in ``paths`` (their seeds concatenated).

    The runs must share arms and iterations. Their commands are listed one per line;
    the cost adds their wall and CPU times (``merged`` = number of runs).
    """
    saved = []
    for path in paths:
        with open(path) as f:
            saved.append(json.load(f))
    first = argparse.Namespace(**saved[0]['data']['args'])
    results = {arm: [] for arm in saved[0]['data']['results']}
    seeds, costs = [], []
    for path, run in zip(paths, saved):
        run_args = run['data']['args']
        if run_args['iters'] != first.iters or set(run['data']['results']) != set(results):
            raise ValueError(f'{path}: arms {sorted(run["data"]["results"])} at '
                             f'{run_args["iters"]} iterations do not match {paths[0]} '
                             f'({sorted(results)} at {first.iters}); merge only runs of '
                             'the same arms and iterations')
        for arm, runs in run['data']['results'].items():
            results[arm] += runs
        seeds += run_args['seeds']
        costs.append(run['data'].get('cost'))
    if len(set(seeds)) != len(seeds):
        raise ValueError(f'{paths}: seed lists overlap ({seeds}); merge distinct seeds')
    first.seeds = seeds
    cost = None if None in costs else dict(wall_s=sum(c['wall_s'] for c in costs),
                                           cpu_s=sum(c['cpu_s'] for c in costs),
                                           merged=len(costs))
    return report(results, first, '\n'.join(run['command'] for run in saved), cost)


def parse_args(argv=None):
    parser = hb.benchmark_parser(__doc__, 'cdcl_benchmark')
    parser.add_argument('--iters', type=int, default=300, help='the twins use 300')
    parser.add_argument('--arms', nargs='+', default=['single', 'joint-bn', 'cdcl'],
                        choices=['single', 'joint-bn', 'cdcl'])
    parser.add_argument('--from-json', metavar='JSON', nargs='+',
                        help='no training: write the report of finished runs from their '
                             'cdcl_benchmark.json files into --work-dir (runs of the same '
                             'arms and iterations on different seeds are merged)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.from_json:
        rep = merged_report(args.from_json)
        return rep.publish(args.work_dir)
    torch.set_num_threads(1)
    start, cpu_start = time.perf_counter(), time.process_time()
    singles, joint = arms(DATASETS)
    chosen = (singles if 'single' in args.arms else []) + [
        a for a in joint if a.name in args.arms]
    results = hb.run_grid(chosen, args.seeds, lambda arm, seed: hb.train_arm(
        arm, args.work_dir, seed, extra=iterations(args.iters)), desc='CDCL benchmark')
    cost = dict(wall_s=time.perf_counter() - start, cpu_s=time.process_time() - cpu_start)
    rep = report(results, args, cost=cost)
    return rep.publish(args.work_dir)


if __name__ == '__main__':
    main()
