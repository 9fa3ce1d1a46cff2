"""Miniature ACSL benchmark: the decoupled recipe on tiny LVIS v0.5, plus RoI-head step time.

1. Stage 1: train the tiny softmax Faster R-CNN twin once per seed.
2. Stage 2: from each stage-1 checkpoint re-train only ``fc_cls`` (the tiny
   ``acsl-tunefc`` twin) for the same budget with (a) softmax CE, (b) ACSL (xi 0.7,
   official background sampling), (c) mmdet's SeesawLoss, (d) ACSL with
   ``bg_mode='adaptive'``; mmdet's ``LVISMetric`` (AP, APr, APc, APf) on tiny LVIS val.
3. Speed: one training step of a full-size LVIS v0.5 Shared2FC RoI head (1230 classes,
   512 RoIs) with ACSL vs softmax CE, interleaved repetitions, ratio to CE.

Arms, seeds and reports go through :mod:`projects.common.benchmark`.

Example::

    python tools/analysis_tools/acsl_benchmark.py --work-dir work_dirs/acsl_benchmark
"""
import math
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

import torch  # noqa: E402
from mmengine.hooks import Hook  # noqa: E402

import projects.acsl  # noqa: E402,F401  (registers ACSLLoss and the hooks)
from projects.common import benchmark as hb  # noqa: E402
from projects.common.safe_load import safe_load  # noqa: E402

STAGE1 = 'configs/acsl/tiny/faster-rcnn_r50_fpn_8xb2-1x_lvis-v0.5.py'
STAGE2 = 'configs/acsl/tiny/faster-rcnn_r50_fpn_acsl-tunefc_8xb2-1x_lvis-v0.5.py'
METRICS = ('AP', 'APr', 'APc', 'APf')
LOSSES = {
    'softmax': dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
    'acsl': dict(type='ACSLLoss', score_thr=0.7, bg_mode='official'),
    'acsl-adaptive': dict(type='ACSLLoss', score_thr=0.7, bg_mode='adaptive'),
    'seesaw': dict(type='SeesawLoss', p=0.8, q=2.0, loss_weight=1.0),
}
LABELS = {
    'stage1': 'softmax baseline (stage 1 only)',
    'softmax': '(a) fc_cls re-trained, softmax CE',
    'acsl': '(b) fc_cls re-trained, ACSL (official bg)',
    'acsl-adaptive': '(d) fc_cls re-trained, ACSL (adaptive bg)',
    'seesaw': '(c) fc_cls re-trained, SeesawLoss',
}


class SeesawWarmStartHook(Hook):
    """Start Seesaw's C + 2 classifier from the softmax C + 1 one (shapes differ).

    Class rows and the background row (-> Seesaw's "negative objectness" row) are
    copied; the "positive objectness" row is the mean class row with ``log C`` added to
    its bias, a rough stand-in for the log-sum-exp of the class logits.
    """

    priority = 'VERY_HIGH'

    def __init__(self, checkpoint):
        self.checkpoint = checkpoint

    def before_train(self, runner):
        state = safe_load(self.checkpoint, map_location='cpu')['state_dict']
        weight = state['roi_head.bbox_head.fc_cls.weight']
        bias = state['roi_head.bbox_head.fc_cls.bias']
        num_classes = weight.size(0) - 1
        fc = runner.model.roi_head.bbox_head.fc_cls
        with torch.no_grad():
            fc.weight[:num_classes] = weight[:num_classes]
            fc.bias[:num_classes] = bias[:num_classes]
            fc.weight[num_classes] = weight[:num_classes].mean(0)
            fc.bias[num_classes] = bias[:num_classes].mean() + math.log(num_classes)
            fc.weight[num_classes + 1] = weight[num_classes]
            fc.bias[num_classes + 1] = bias[num_classes]


def _stage2_loss(name):
    """``modify`` of a stage-2 arm: its loss, keeping the twin's label groups for ACSL."""
    def modify(cfg, seed):
        head = cfg.model.roi_head.bbox_head
        loss = dict(LOSSES[name])
        if loss['type'] == 'ACSLLoss':
            loss['label_groups_file'] = head.loss_cls.label_groups_file
        if loss['type'] == 'SeesawLoss':
            loss['num_classes'] = head.num_classes
        head.loss_cls = loss
    return modify


def arms(args):
    """Stage-1 arm and one stage-2 arm per loss (only the loss and the schedule differ)."""
    stage1 = hb.Arm('stage1', STAGE1, LABELS['stage1'], options={'param_scheduler': [
        # warmup, then a constant lr (the twin's steps at epochs 8 / 11 are dropped)
        dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50)]})
    schedule = [
        dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
        dict(type='MultiStepLR', begin=0, end=args.stage2_epochs, by_epoch=True,
             milestones=[max(1, int(args.stage2_epochs * 0.75))], gamma=0.1)]
    stage2 = [hb.Arm(name, STAGE2, LABELS[name], modify=_stage2_loss(name),
                     options={'param_scheduler': schedule})
              for name in args.losses]
    return stage1, stage2


def lvis(result):
    return {m: result['metrics'][f'lvis/bbox_{m}'] for m in METRICS}


def roi_head_step_fns(num_rois=512, num_classes=1230):
    """Callables doing one RoI-head training step with CE and with ACSL."""
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules()
    torch.manual_seed(0)
    feats = torch.randn(num_rois, 256, 7, 7)
    labels = torch.randint(0, num_classes + 1, (num_rois, ))
    labels[num_rois // 4:] = num_classes  # 25 % positives, as the R-CNN sampler
    weights = torch.ones(num_rois)
    groups = ['r', 'c', 'f'] * (num_classes // 3)
    fns = {}
    for name, loss in (('softmax', LOSSES['softmax']),
                       ('acsl', dict(LOSSES['acsl'], label_groups=groups))):
        torch.manual_seed(0)
        head = MODELS.build(dict(type='Shared2FCBBoxHead', in_channels=256,
                                 fc_out_channels=1024, roi_feat_size=7,
                                 num_classes=num_classes, loss_cls=loss))

        def step(head=head):
            head.zero_grad()
            cls_score, _ = head(feats)
            head.loss_cls(cls_score, labels, weights, avg_factor=num_rois).backward()
        fns[name] = step
    return fns


def report(results, times, args):
    rep = hb.Report('acsl_benchmark', 'ACSL in miniature (tiny LVIS v0.5, decoupled recipe)')
    n = len(args.seeds)
    rows = [[LABELS[k]] + [hb.mean_std([lvis(r)[m] for r in runs], scale=100)
                           for m in METRICS] for k, runs in results.items()]
    rep.add_table(f'AP in %, mean ± sample std over n={n} seeds {args.seeds}',
                  ['method'] + list(METRICS), rows)
    per_seed = '\n'.join(
        f'- {LABELS[k]}: ' + '; '.join('/'.join(f'{100 * lvis(r)[m]:.1f}' for m in METRICS)
                                       for r in runs) for k, runs in results.items())
    rep.add_text('Per seed (AP / APr / APc / APf, %):\n\n' + per_seed)
    for m in ('AP', 'APr'):
        rep.add_bars(m, {k: [100 * lvis(r)[m] for r in runs] for k, runs in results.items()})
    # per-epoch mean loss; stage 2 drawn after the stage-1 iterations it starts from
    for k, runs in results.items():
        epochs = args.stage1_epochs if k == 'stage1' else args.stage2_epochs
        rep.add_curves(LABELS[k], [hb.block_means(
            r['curve'], max(1, len(r['curve']) // epochs),
            0 if k == 'stage1' else len(first['curve'])) for r, first in zip(
                runs, results.get('stage1', [dict(curve=[])] * len(runs)))])
    if times:
        rep.add_table('RoI-head training step (Shared2FC, 1230 classes, 512 RoIs, 1 CPU '
                      f'thread; median of {args.speed_repeats} interleaved rounds)',
                      ['loss', 'step (ms)', 'ratio to softmax CE'],
                      hb.speed_rows(times, 'softmax', {'softmax': 'softmax CE',
                                                       'acsl': 'ACSL'}))
    rep.add_text(f'Stage 1: {args.stage1_epochs} epochs; stage 2: {args.stage2_epochs} '
                 'epochs; ' + hb.cost_text(results))
    rep.data = dict(results=results, times=times, args=vars(args))
    return rep


def stage_store(work_dir, stage, args):
    """Kept runs of one stage: ``<work_dir>/<stage>/runs`` (stage 2's settings include
    stage 1's, so re-trained heads never mix with heads of another stage 1)."""
    settings = dict(stage1_epochs=args.stage1_epochs)
    if stage == 'stage2':
        settings.update(stage2_epochs=args.stage2_epochs)
    return hb.RunStore(osp.join(work_dir, stage), settings)


def check_checkpoints(runs, seeds, where):
    for seed, run in zip(seeds, runs):
        ckpt = run.get('checkpoint')
        if not ckpt or not osp.isfile(ckpt):
            raise SystemExit(f'{where}: the stage-1 checkpoint of seed {seed} ({ckpt}) is '
                             'missing, so stage 2 cannot start from it; delete '
                             f'{where}/stage1/runs/stage1_seed{seed}.json to train stage 1 '
                             'again.')


def stage1_runs(args, stage1):
    """``{'stage1': [run per seed]}``: trained (and kept) in ``--work-dir``, or the kept
    runs of ``--stage1-from``, which must hold every seed with the same
    ``--stage1-epochs`` and its checkpoint, so stage 2 never starts from the wrong
    model."""
    if not args.stage1_from:
        first = hb.run_grid([stage1], args.seeds, lambda arm, seed: hb.train_arm(
            arm, args.work_dir, seed, args.stage1_epochs), desc='ACSL stage 1',
            store=stage_store(args.work_dir, 'stage1', args))
        check_checkpoints(first['stage1'], args.seeds, args.work_dir)
        return first
    store = stage_store(args.stage1_from, 'stage1', args)
    runs = [store.get('stage1', seed) for seed in args.seeds]
    missing = [s for s, r in zip(args.seeds, runs) if r is None]
    if missing:
        raise SystemExit(f'--stage1-from {args.stage1_from}: no kept stage-1 run of seeds '
                         f'{missing} in {store.root}; run the benchmark there with those '
                         'seeds first (or drop --stage1-from).')
    check_checkpoints(runs, args.seeds, args.stage1_from)
    return {'stage1': runs}


def merged(args):
    """Both stages of the runs kept under ``--merge`` (settings and seeds from them)."""
    first, seeds, settings = hb.merge_runs([osp.join(d, 'stage1') for d in args.merge],
                                           ['stage1'])
    second, seeds2, settings2 = hb.merge_runs([osp.join(d, 'stage2') for d in args.merge],
                                              list(LOSSES))
    if seeds2 != seeds or settings2['stage1_epochs'] != settings['stage1_epochs']:
        raise SystemExit(f'--merge: stage 1 has seeds {seeds} ({settings}), stage 2 '
                         f'{seeds2} ({settings2}); merge work dirs of complete runs.')
    args.seeds, args.losses = seeds, list(second)
    args.stage1_epochs, args.stage2_epochs = (settings2['stage1_epochs'],
                                              settings2['stage2_epochs'])
    return dict(first, **second)


def parse_args(argv=None):
    parser = hb.benchmark_parser(__doc__, 'acsl_benchmark')
    parser.add_argument('--stage1-epochs', type=int, default=24)
    parser.add_argument('--stage2-epochs', type=int, default=12)
    parser.add_argument('--losses', nargs='+', choices=list(LOSSES),
                        default=['softmax', 'acsl', 'seesaw', 'acsl-adaptive'])
    parser.add_argument('--stage1-from', metavar='WORK_DIR',
                        help='reuse the kept stage-1 runs (metrics, curves, checkpoints) '
                             'of an earlier run of this benchmark with the same seeds and '
                             '--stage1-epochs instead of training stage 1 again (e.g. for '
                             'another --stage2-epochs in a new --work-dir)')
    parser.add_argument('--speed-repeats', type=int, default=8,
                        help='interleaved RoI-head step rounds (0 skips)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)
    times = hb.interleaved_timing(roi_head_step_fns(), args.speed_repeats) \
        if args.speed_repeats else {}
    if args.merge:
        return report(merged(args), times, args).publish(args.work_dir)
    stage1, stage2 = arms(args)
    first = stage1_runs(args, stage1)
    ckpts = dict(zip(args.seeds, (r['checkpoint'] for r in first['stage1'])))

    def stage2_run(arm, seed):
        hooks = [SeesawWarmStartHook(ckpts[seed])] if arm.name == 'seesaw' else []
        return hb.train_arm(arm, args.work_dir, seed, args.stage2_epochs,
                            extra={'load_from': ckpts[seed]}, hooks=hooks)

    results = dict(first, **hb.run_grid(stage2, args.seeds, stage2_run, desc='ACSL stage 2',
                                         store=stage_store(args.work_dir, 'stage2', args)))
    return report(results, times, args).publish(args.work_dir)


if __name__ == '__main__':
    main()
