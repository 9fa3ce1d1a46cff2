"""Miniature PASS benchmark (spec (f)): DINO vs PASS pre-training on synthetic persons.

Both arms are the tiny PASS pre-training twin (tiny LUPerson-format persons whose
identity is the colour and texture of three body bands; same ViT, views, schedule, seed
and compute), evaluated on frozen teacher features of unseen identities (tiny
Market-1501 test split, Market protocol):

- ``dino``: the 9 local crops come from the whole image (``area_starts=(0, 0, 0)``,
  ``area_height=1``) and only the [CLS] terms are trained (``part_terms=False``);
  feature ``z_cls``. The backbone still carries the (untrained) [PART] tokens, so both
  arms cost the same.
- ``pass``: the official part areas and the 44-term loss; feature
  ``cat(z_cls, mean z_part)``.

Baseline: the same model untrained (initialised per seed, both features), so that a
gain from pre-training is not mistaken for what random ViT features already give.
Also: the per-iteration training step of each arm, interleaved, as a ratio to DINO.

Example::

    python tools/analysis_tools/pass_benchmark.py --work-dir work_dirs/pass_benchmark
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

import importlib  # noqa: E402

import torch  # noqa: E402
from mmengine.logging import MessageHub  # noqa: E402

from projects.common import benchmark as hb  # noqa: E402

importlib.import_module('projects.pass')  # `pass` is a keyword
CONFIG = 'configs/pass/tiny/pass_vit-small-p16_8xb128-amp-coslr-100e_luperson.py'
CROP = 'train_dataloader.dataset.pipeline.1'
ARMS = [
    hb.Arm('dino', CONFIG, 'DINO (CLS only, locals from the whole image)', {
        f'{CROP}.area_starts': (0.0, 0.0, 0.0),
        f'{CROP}.area_height': 1.0,
        'model.head.part_terms': False,
        'model.test_feature': 'cls',
    }),
    hb.Arm('pass', CONFIG, 'PASS (part areas, CLS + PART tokens)'),
]
METRICS = ('reid/mAP', 'reid/R1', 'reid/R5')


def untrained(arm, work_dir, seed):
    """Test metrics of the arm's model right after initialisation."""
    runner = hb.build_runner(arm, work_dir, seed)
    runner.model.init_weights()
    return dict(metrics={k: float(v) for k, v in runner.test().items()})


def step_timer(arm, work_dir):
    """A callable running one training step of ``arm`` on a fixed batch."""
    runner = hb.build_runner(arm, work_dir, seed=0, epochs=1)
    model = runner.model
    model.init_weights()
    MessageHub.get_current_instance().update_info('max_iters', 1000)
    batch = next(iter(runner.build_dataloader(runner.cfg.train_dataloader)))
    optim = runner.build_optim_wrapper(runner.cfg.optim_wrapper)

    def step():
        model.train_step(batch, optim)

    return step


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/pass_benchmark')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--epochs', type=int, default=8)
    parser.add_argument('--speed-repeats', type=int, default=5)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)
    # the twin's cosine (after 1 warm-up epoch) stretched to the benchmark's epochs
    schedule = {'param_scheduler.1.T_max': args.epochs - 1,
                'param_scheduler.1.end': args.epochs}
    results = hb.run_grid(
        ARMS, args.seeds,
        lambda arm, seed: hb.train_arm(arm, args.work_dir, seed, args.epochs,
                                       evaluate='test', extra=schedule),
        desc='PASS benchmark')
    init_arms = [hb.Arm(f'init_{a.name}', CONFIG, f'untrained, feature of {a.name}',
                        {'model.test_feature': a.options.get('model.test_feature',
                                                             'cls_parts')})
                 for a in ARMS]
    results.update(hb.run_grid(
        init_arms, args.seeds, lambda arm, seed: untrained(arm, args.work_dir, seed),
        desc='untrained'))
    report = hb.Report('pass_benchmark', 'PASS miniature benchmark')
    rows = []
    for arm in init_arms + ARMS:
        runs = results[arm.name]
        train_s = [r['train_s'] for r in runs if 'train_s' in r]
        rows.append([arm.label] + [
            hb.mean_std([r['metrics'][m] for r in runs]) for m in METRICS
        ] + [hb.mean_std(train_s, 0) if train_s else '-'])
        if 'curve' in runs[0]:
            report.add_curves(arm.name, [r['curve'] for r in runs])
    for m in METRICS:
        report.add_bars(m, {a.name: [r['metrics'][m] for r in results[a.name]]
                            for a in init_arms + ARMS})
    report.add_table(
        f'Frozen teacher features on unseen identities ({len(args.seeds)} seeds, '
        f'{args.epochs} epochs, mean ± sample std)',
        ['arm', 'mAP', 'R1', 'R5', 'train (s)'], rows,
        note='Tiny LUPerson-format pre-training (192 images), tiny Market-1501 test '
        'split (16 queries, 38 gallery images); chance level with random features: '
        'mAP 17.9, R1 11.2.')
    times = hb.interleaved_timing(
        {arm.name: step_timer(arm, args.work_dir) for arm in ARMS},
        repeats=args.speed_repeats)
    report.add_table('Training step (1 thread, median)',
                     ['arm', 'step (ms)', 'ratio to DINO'],
                     hb.speed_rows(times, 'dino', {a.name: a.label for a in ARMS}))
    report.data = dict(results={k: [dict(metrics=r['metrics'],
                                         train_s=r.get('train_s')) for r in v]
                                for k, v in results.items()},
                       step_s=times)
    paths = report.write(args.work_dir)
    print(report.markdown())
    return paths


if __name__ == '__main__':
    main()
