"""MAC in miniature: masked vs unmasked video-text training at equal steps.

Arms of the tiny MSR-VTT twin (``configs/mac/tiny/mac_vit-base-p16-res224-webvid2m-cc3m-
pre_4xb16-u4-100e_msrvtt-9k-rgb.py``: synthetic moving shapes, 400 train clips x 5 captions,
100 test pairs, 4 frames of 32x32, 8x8 patches): no masking, and MAC's masks with rho_v 0.6
and 0.75 (rho_t 0.3), same recipe, epochs and seeds. Text-to-video R@1 / R@5 / MdR on the
100 test pairs (chance R@1 = 1 %) through the twin's ``MACRetrievalMetric``; wall-clock
training seconds (data loading included) as a ratio to the unmasked arm.

Example::

    python tools/analysis_tools/mac_benchmark.py --work-dir work_dirs/mac_benchmark
"""
import argparse
import os.path as osp
import statistics
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

import torch  # noqa: E402

from projects.common import benchmark as hb  # noqa: E402

TINY = ('configs/mac/tiny/mac_vit-base-p16-res224-webvid2m-cc3m-pre_4xb16-'
        'u4-100e_msrvtt-9k-rgb.py')
ARMS = [
    hb.Arm('unmasked', TINY, 'unmasked (rho_v 0, rho_t 0)',
           {'model.video_encoder.mask_ratio': 0.0, 'model.text_mask_ratio': 0.0}),
    hb.Arm('mac_0.6', TINY, 'MAC rho_v 0.6, rho_t 0.3',
           {'model.video_encoder.mask_ratio': 0.6, 'model.text_mask_ratio': 0.3}),
    hb.Arm('mac_0.75', TINY, 'MAC rho_v 0.75, rho_t 0.3',
           {'model.video_encoder.mask_ratio': 0.75,
            'model.text_mask_ratio': 0.3}),
]
METRICS = [('R@1', 'retrieval/R1'), ('R@5', 'retrieval/R5'),
           ('MdR', 'retrieval/MdR'), ('v2t R@1', 'retrieval/v2t_R1')]


def schedule(epochs):
    """The twin's warm-up + cosine stretched over ``epochs``."""
    return {'param_scheduler.1.end': epochs,
            'param_scheduler.1.T_max': epochs - 1}


def report(results, args):
    n = len(args.seeds)
    rep = hb.Report('mac_benchmark', 'MAC in miniature: masked vs unmasked')
    base_s = statistics.mean(r['train_s'] for r in results['unmasked'])
    rows = []
    for arm in ARMS:
        runs = results[arm.name]
        train_s = statistics.mean(r['train_s'] for r in runs)
        rows.append([arm.label] + [
            hb.mean_std([r['metrics'][key] for r in runs]) for _, key in METRICS
        ] + [f'{train_s:.0f}', f'{train_s / base_s:.3f}'])
    rep.add_table(
        f'Synthetic MSR-VTT, 100 test pairs (chance R@1 1 %), mean ± sample std over '
        f'n={n} seeds {args.seeds}, {args.epochs} epochs (equal steps)',
        ['arm'] + [m for m, _ in METRICS] + ['train (s)', 'train / unmasked'],
        rows)
    rep.add_bars('R@1', {a.label: [r['metrics']['retrieval/R1']
                                   for r in results[a.name]] for a in ARMS})
    for arm in ARMS:
        rep.add_curves(arm.label, [r['curve'] for r in results[arm.name]])
    rep.data = dict(results=results, args=vars(args))
    return rep


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/mac_benchmark')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--epochs', type=int, default=20)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)
    results = hb.run_grid(
        ARMS, args.seeds,
        lambda arm, seed: hb.train_arm(arm, args.work_dir, seed, args.epochs,
                                       extra=schedule(args.epochs)),
        desc='MAC arms')
    rep = report(results, args)
    rep.write(args.work_dir)
    print(rep.markdown())
    return rep


if __name__ == '__main__':
    main()
