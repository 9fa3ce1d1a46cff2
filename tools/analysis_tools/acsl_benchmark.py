"""Miniature ACSL benchmark: the decoupled recipe on tiny LVIS v0.5, plus RoI-head step time.

1. Stage 1: train the tiny softmax Faster R-CNN twin
   (``configs/acsl/tiny/faster-rcnn_r50_fpn_8xb2-1x_lvis-v0.5.py``) once per seed.
2. Stage 2: from each stage-1 checkpoint, freeze everything except ``fc_cls`` and
   re-train it for the same budget with (a) softmax cross entropy, (b) ACSL
   (xi = 0.7, official background sampling), (c) mmdet's SeesawLoss, optionally
   (d) ACSL with ``bg_mode='adaptive'``. Every run is evaluated with mmdet's
   ``LVISMetric`` (AP, APr, APc, APf) on the tiny LVIS val set.
3. Speed: one training step (forward, loss, backward) of a full-size LVIS v0.5
   Shared2FC RoI head (1230 classes, 512 RoIs, 256x7x7 features) with ACSL vs plain
   softmax CE, single thread, median over interleaved repetitions.

Writes ``acsl_benchmark.md`` (tables), ``acsl_benchmark.json`` (raw numbers) and
``acsl_benchmark.png`` (AP bars with the seed spread) to ``--work-dir``.

Example::

    python tools/analysis_tools/acsl_benchmark.py --work-dir work_dirs/acsl_benchmark
"""
import argparse
import copy
import json
import math
import os
import os.path as osp
import statistics
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.hooks import Hook  # noqa: E402
from mmengine.runner import Runner  # noqa: E402
from tqdm import tqdm  # noqa: E402

import projects.acsl  # noqa: E402,F401  (registers ACSLLoss and the hooks)
from projects.common.safe_load import safe_load  # noqa: E402

STAGE1 = 'configs/acsl/tiny/faster-rcnn_r50_fpn_8xb2-1x_lvis-v0.5.py'
STAGE2 = 'configs/acsl/tiny/faster-rcnn_r50_fpn_acsl-tunefc_8xb2-1x_lvis-v0.5.py'
METRICS = ('AP', 'APr', 'APc', 'APf')
LOSSES = {
    'softmax': dict(type='CrossEntropyLoss', use_sigmoid=False,
                    loss_weight=1.0),
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
            fc.bias[num_classes] = bias[:num_classes].mean() + math.log(
                num_classes)
            fc.weight[num_classes + 1] = weight[num_classes]
            fc.bias[num_classes + 1] = bias[num_classes]


def _base_cfg(path, work_dir, name, seed, epochs):
    cfg = Config.fromfile(path)
    cfg.work_dir = osp.join(work_dir, name)
    cfg.experiment_name = name
    cfg.randomness = dict(seed=seed, deterministic=False)
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = epochs + 1
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=epochs, max_keep_ckpts=1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=50)
    cfg.log_level = 'WARNING'
    return cfg


def _evaluate(runner):
    metrics = runner.val_loop.run()
    return {m: float(metrics[f'lvis/bbox_{m}']) for m in METRICS}


def run_stage1(work_dir, seed, epochs):
    name = f'stage1_seed{seed}'
    cfg = _base_cfg(STAGE1, work_dir, name, seed, epochs)
    # short budget: warmup, then the twin's constant lr (its steps at 8 / 11 of 12
    # epochs are not reached in the default 8 epochs)
    cfg.param_scheduler = [
        dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
             end=50)
    ]
    runner = Runner.from_cfg(cfg)
    runner.train()
    result = _evaluate(runner)
    ckpt = osp.join(cfg.work_dir, f'epoch_{epochs}.pth')
    return result, ckpt


def run_stage2(work_dir, loss_name, seed, epochs, stage1_ckpt):
    name = f'stage2_{loss_name}_seed{seed}'
    cfg = _base_cfg(STAGE2, work_dir, name, seed, epochs)
    loss = copy.deepcopy(LOSSES[loss_name])
    if loss['type'] == 'SeesawLoss':
        loss['num_classes'] = cfg.model.roi_head.bbox_head.num_classes
    cfg.model.roi_head.bbox_head.loss_cls = loss
    cfg.load_from = stage1_ckpt
    cfg.param_scheduler = [
        dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
             end=20),
        dict(type='MultiStepLR', begin=0, end=epochs, by_epoch=True,
             milestones=[max(1, int(epochs * 0.75))], gamma=0.1),
    ]
    runner = Runner.from_cfg(cfg)
    if loss_name == 'seesaw':
        runner.register_hook(SeesawWarmStartHook(stage1_ckpt))
    start = time.perf_counter()
    runner.train()
    seconds = time.perf_counter() - start
    result = _evaluate(runner)
    result['train_s'] = seconds
    return result


def roi_head_step_times(repeats, num_rois=512, num_classes=1230):
    """Median seconds of one RoI-head training step with CE and with ACSL."""
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules()
    torch.manual_seed(0)
    feats = torch.randn(num_rois, 256, 7, 7)
    labels = torch.randint(0, num_classes + 1, (num_rois, ))
    labels[num_rois // 4:] = num_classes  # 25 % positives, as the R-CNN sampler
    groups = ['r', 'c', 'f'] * (num_classes // 3)
    heads = {}
    for name, loss in (('softmax', LOSSES['softmax']),
                       ('acsl', dict(LOSSES['acsl'], label_groups=groups))):
        torch.manual_seed(0)
        heads[name] = MODELS.build(dict(
            type='Shared2FCBBoxHead', in_channels=256, fc_out_channels=1024,
            roi_feat_size=7, num_classes=num_classes, loss_cls=loss))
    times = {name: [] for name in heads}
    weights = torch.ones(num_rois)
    for step in tqdm(range(repeats + 1), desc='RoI-head step time'):
        for name, head in heads.items():
            head.zero_grad()
            start = time.perf_counter()
            cls_score, _ = head(feats)
            loss = head.loss_cls(cls_score, labels, weights,
                                 avg_factor=num_rois)
            loss.backward()
            if step:  # the first round warms up
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def _mean_std(values):
    mean = statistics.mean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return mean, std


def write_report(work_dir, results, speed, args, seconds):
    lines = [
        '### Tiny LVIS v0.5, decoupled recipe (AP in %, mean ± std over seeds '
        f'{", ".join(map(str, args.seeds))})', '',
        '| method | AP | APr | APc | APf |', '| --- | --- | --- | --- | --- |'
    ]
    summary = {}
    for key, runs in results.items():
        row = [LABELS[key]]
        summary[key] = {}
        for m in METRICS:
            mean, std = _mean_std([100 * r[m] for r in runs])
            summary[key][m] = (mean, std)
            row.append(f'{mean:.1f} ± {std:.1f}')
        lines.append('| ' + ' | '.join(row) + ' |')
    lines += ['', 'Per seed (AP / APr / APc / APf, %):', '']
    for key, runs in results.items():
        per = '; '.join('/'.join(f'{100 * r[m]:.1f}' for m in METRICS)
                        for r in runs)
        lines.append(f'- {LABELS[key]}: {per}')
    if speed:
        ratio = speed['acsl'] / speed['softmax']
        lines += [
            '', '### RoI-head training step (Shared2FC head, 1230 classes, '
            '512 RoIs, 1 CPU thread, median)', '',
            '| loss | step time (ms) | ratio to CE |', '| --- | --- | --- |',
            f"| softmax CE | {1000 * speed['softmax']:.1f} | 1.00 |",
            f"| ACSL | {1000 * speed['acsl']:.1f} | {ratio:.3f} |"
        ]
    lines += [
        '', f'Stage 1: {args.stage1_epochs} epochs; stage 2: '
        f'{args.stage2_epochs} epochs; total {seconds / 60:.1f} min.'
    ]
    text = '\n'.join(lines) + '\n'
    with open(osp.join(work_dir, 'acsl_benchmark.md'), 'w') as f:
        f.write(text)
    with open(osp.join(work_dir, 'acsl_benchmark.json'), 'w') as f:
        json.dump(dict(results=results, speed=speed, args=vars(args)), f,
                  indent=2)
    _plot(work_dir, summary)
    return text


def _plot(work_dir, summary):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    keys = list(summary)
    width = 0.8 / len(keys)
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for i, key in enumerate(keys):
        xs = [j + i * width for j in range(len(METRICS))]
        ax.bar(xs, [summary[key][m][0] for m in METRICS], width,
               yerr=[summary[key][m][1] for m in METRICS], capsize=2,
               label=LABELS[key])
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(METRICS))])
    ax.set_xticklabels(METRICS)
    ax.set_ylabel('AP (%)')
    ax.set_title('Tiny LVIS v0.5, decoupled recipe')
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(osp.join(work_dir, 'acsl_benchmark.png'), dpi=120)
    plt.close(fig)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/acsl_benchmark')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--stage1-epochs', type=int, default=8)
    parser.add_argument('--stage2-epochs', type=int, default=3)
    parser.add_argument(
        '--losses', nargs='+',
        default=['softmax', 'acsl', 'seesaw', 'acsl-adaptive'],
        choices=list(LOSSES))
    parser.add_argument(
        '--shared-stage1', action='store_true',
        help='train stage 1 once (first seed) and vary only stage 2')
    parser.add_argument('--speed-repeats', type=int, default=8,
                        help='RoI-head steps timed per loss (0 skips)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)
    os.makedirs(args.work_dir, exist_ok=True)
    start = time.perf_counter()
    speed = roi_head_step_times(args.speed_repeats) \
        if args.speed_repeats else {}
    results = {'stage1': []}
    results.update({name: [] for name in args.losses})
    stage1_seeds = args.seeds[:1] if args.shared_stage1 else args.seeds
    jobs = len(stage1_seeds) + len(args.seeds) * len(args.losses)
    bar = tqdm(total=jobs, desc='ACSL benchmark runs')
    ckpts = {}
    for seed in stage1_seeds:
        metrics, ckpts[seed] = run_stage1(args.work_dir, seed,
                                          args.stage1_epochs)
        results['stage1'].append(metrics)
        bar.update()
    for seed in args.seeds:
        ckpt = ckpts.get(seed, ckpts[stage1_seeds[0]])
        for name in args.losses:
            results[name].append(
                run_stage2(args.work_dir, name, seed, args.stage2_epochs,
                           ckpt))
            bar.update()
    bar.close()
    text = write_report(args.work_dir, results, speed, args,
                        time.perf_counter() - start)
    print(text)


if __name__ == '__main__':
    main()
