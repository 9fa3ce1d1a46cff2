"""MAC in miniature: masked vs unmasked video-text training at equal steps and equal compute time.

Arms of the tiny MSR-VTT twin (``configs/mac/tiny/mac_vit-base-p16-res224-webvid2m-cc3m-
pre_4xb16-u4-100e_msrvtt-9k-rgb.py``: synthetic moving shapes, 400 train clips x 5 captions,
100 test pairs, 4 frames of 32x32, 8x8 patches): no masking, and MAC's masks with rho_v 0.6
and 0.75 (rho_t 0.3), same recipe and seeds.

- Equal steps: every arm trains ``--epochs`` epochs.
- Equal wall clock: first, in the same run, the train step (forward + InfoNCE + backward +
  AdamW on the same batches) of every arm is timed interleaved (:func:`hb.interleaved_timing`,
  median of ``--timing-steps``); a masked arm with step-time ratio ``r`` to the unmasked arm
  then trains ``round(epochs / r)`` epochs, the number of steps the unmasked arm's training
  time buys it. Data loading (mp4 decoding, the same for every arm) is not part of ``r``; the
  end-to-end training seconds of every run are reported next to it.

Every arm's warm-up + cosine schedule spans its own run (the same rule for all arms).
Text-to-video R@1 / R@5 / MdR on the 100 test pairs (chance R@1 = 1 %) through the twin's
``MACRetrievalMetric``. Finished runs are kept in ``<work-dir>/runs/`` and reused by a later
call with the same ``--epochs``, so an interrupted benchmark continues where it stopped (use a
fresh ``--work-dir`` after changing the twin or the arms); ``--merge`` reports the runs of
several work dirs with the step times of the first one, without training.

Example::

    python tools/analysis_tools/mac_benchmark.py --work-dir work_dirs/mac_benchmark
    python tools/analysis_tools/mac_benchmark.py --merge work_dirs/mac_a work_dirs/mac_b \
        --work-dir work_dirs/mac_benchmark
"""
import json
import os
import os.path as osp
import statistics
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

import torch  # noqa: E402

from projects.common import benchmark as hb  # noqa: E402

TINY = ('configs/mac/tiny/mac_vit-base-p16-res224-webvid2m-cc3m-pre_4xb16-'
        'u4-100e_msrvtt-9k-rgb.py')
PEER = 'unmasked'


def masks(rho_v, rho_t):
    return {'model.video_encoder.mask_ratio': rho_v,
            'model.text_mask_ratio': rho_t}


ARMS = [
    hb.Arm(PEER, TINY, 'unmasked (rho_v 0, rho_t 0)', masks(0.0, 0.0)),
    hb.Arm('mac_0.6', TINY, 'MAC rho_v 0.6, rho_t 0.3', masks(0.6, 0.3)),
    hb.Arm('mac_0.75', TINY, 'MAC rho_v 0.75, rho_t 0.3', masks(0.75, 0.3)),
]
WALL_CLOCK_ARMS = [
    hb.Arm(f'{arm.name}_wallclock', TINY, f'{arm.label}, equal wall clock',
           arm.options) for arm in ARMS if arm.name != PEER
]
METRICS = [('R@1', 'retrieval/R1'), ('R@5', 'retrieval/R5'),
           ('MdR', 'retrieval/MdR'), ('v2t R@1', 'retrieval/v2t_R1')]


def schedule(epochs):
    """The twin's warm-up + cosine stretched over ``epochs``."""
    return {'param_scheduler.1.end': epochs,
            'param_scheduler.1.T_max': epochs - 1}


def step_seconds(arms, work_dir, steps, warmup=2):
    """Train-step seconds of each arm, interleaved on the same batches of the twin.

    Returns ``{arm.name: [seconds, ...]}`` (``steps`` rounds after ``warmup``), kept in
    ``<work_dir>/step_seconds.json``: a continued benchmark reuses the first measurement, so
    its equal-wall-clock step counts stay the ones its finished runs were trained with.
    """
    path = osp.join(work_dir, 'step_seconds.json')
    if osp.exists(path):
        with open(path) as f:
            return json.load(f)
    runners = {arm.name: hb.build_runner(arm, osp.join(work_dir, 'timing'), 0)
               for arm in arms}
    first = runners[arms[0].name]
    loader = first.build_dataloader(first._train_dataloader)
    batches = [b for _, b in zip(range(warmup + steps), loader)]
    fns = {}
    for name, runner in runners.items():
        model = runner.model.train()
        wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
        feed = iter(batches * 2)
        fns[name] = (lambda m=model, w=wrapper, f=feed: m.train_step(next(f), w))
    times = hb.interleaved_timing(fns, steps, warmup, desc='MAC step time')
    os.makedirs(work_dir, exist_ok=True)
    with open(path, 'w') as f:
        json.dump(times, f)
    return times


def wall_clock_epochs(epochs, ratios):
    """Epochs each masked arm gets for the unmasked arm's training time."""
    return {f'{name}_wallclock': max(epochs, round(epochs / ratios[name]))
            for name in ratios if name != PEER}


def report(results, args, times):
    n = len(args.seeds)
    rep = hb.Report('mac_benchmark',
                    'MAC in miniature: masked vs unmasked, equal steps and equal wall clock')
    medians = {k: statistics.median(v) for k, v in times.items()}
    rep.add_table(
        f'Train-step time of the twin (batch 16, median of {len(times[PEER])} '
        'interleaved steps, data loading excluded)',
        ['arm', 'step (ms)', 'step / unmasked'],
        hb.speed_rows(times, PEER, {a.name: a.label for a in ARMS}))
    base_s = (statistics.mean(r['train_s'] for r in results[PEER])
              if PEER in results else float('nan'))
    rows = []
    arms = [a for a in ARMS + WALL_CLOCK_ARMS if a.name in results]
    for arm in arms:
        runs = results[arm.name]
        train_s = statistics.mean(r['train_s'] for r in runs)
        epochs = runs[0].get('epochs', args.epochs)
        step_ratio = medians.get(arm.name.replace('_wallclock', ''), 0.0) / medians[PEER]
        rows.append([arm.label, epochs, f'{step_ratio * epochs / args.epochs:.2f}'] + [
            hb.mean_std([r['metrics'][key] for r in runs]) for _, key in METRICS
        ] + [f'{train_s:.0f}', f'{train_s / base_s:.3f}'])
    rep.add_table(
        f'Synthetic MSR-VTT, 100 test pairs (chance R@1 1 %), mean ± sample std over '
        f'n={n} seeds {args.seeds}; {args.epochs} epochs = equal steps',
        ['arm', 'epochs', 'step time x steps / unmasked'] + [m for m, _ in METRICS]
        + ['train (s)', 'train / unmasked'],
        rows,
        note='"step time x steps / unmasked" is the compute budget (measured step-time '
        'ratio times the step ratio); "train (s)" is end-to-end wall clock including '
        'mp4 decoding, on a shared CPU.')
    rep.add_bars('R@1', {a.label: [r['metrics']['retrieval/R1']
                                   for r in results[a.name]] for a in arms})
    for arm in arms:
        rep.add_curves(arm.label, [r['curve'] for r in results[arm.name]])
    rep.data = dict(results=results, args=vars(args), step_seconds=times)
    return rep


def parse_args(argv=None):
    parser = hb.benchmark_parser(__doc__, 'mac_benchmark')
    parser.add_argument('--epochs', type=int, default=40)
    parser.add_argument('--timing-steps', type=int, default=15)
    parser.add_argument('--arms', choices=('all', 'equal-steps', 'wall-clock'),
                        default='all',
                        help='train only one group (e.g. two processes sharing a '
                        'work dir); the report covers the runs of that group')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)
    times = step_seconds(ARMS, (args.merge or [args.work_dir])[0], args.timing_steps)
    ratios = {k: statistics.median(v) / statistics.median(times[PEER])
              for k, v in times.items()}
    epochs = {arm.name: args.epochs for arm in ARMS}
    epochs.update(wall_clock_epochs(args.epochs, ratios))
    arms = dict(all=ARMS + WALL_CLOCK_ARMS, wall_clock=WALL_CLOCK_ARMS,
                equal_steps=ARMS)[args.arms.replace('-', '_')]
    results = hb.run_or_merge(args, arms, lambda arm, seed: dict(hb.train_arm(
        arm, args.work_dir, seed, epochs[arm.name], extra=schedule(epochs[arm.name])),
        epochs=epochs[arm.name]), keys=('epochs', ), desc='MAC arms')
    for name, runs in results.items():
        if len({r['epochs'] for r in runs}) > 1:
            raise SystemExit(f'mac_benchmark: the kept runs of {name} trained different '
                             f"epochs {[r['epochs'] for r in runs]} (their step times "
                             'differed); merge work dirs that share one step_seconds.json.')
    return report(results, args, times).publish(args.work_dir)


if __name__ == '__main__':
    main()
