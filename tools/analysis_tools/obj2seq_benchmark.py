"""Obj2Seq in miniature on the tiny COCO sets (spec section 6b), through the tiny twins.

At an equal training budget (``--epochs``, lr step at 80 % of it for every arm) and the
same seeds:
  (a) multi-label mAP of the prompt indicator trained alone (tiny ``obj2seq-mlc`` twin,
      its ``MultiLabelMAPMetric``), next to the chance level (expected mAP of random
      scores on the same val labels);
  (b) box AP of the sequence head vs the parallel MLP head (tiny detection twin,
      ``model.bbox_head.predictor``), mmdet's ``CocoMetric``;
  (c) class-conditioned inference on the trained sequence model: with
      ``test_cfg.class_subset`` only those classes are predicted; box AP with the
      indicator keeping K = 1 class per image instead of the twin's K;
  (d) keypoint AP of the sequence vs the parallel head (tiny keypoint twin).
Every trained number comes from the twin's own val evaluator. The arms train and evaluate on
a benchmark set drawn by the tiny COCO generator at a larger size (``--train-images`` /
``--val-images``, default 512 / 128; same on-disk format, detection and keypoint
annotations), because the twins' 64 training images do not generalise to val.

Example::

    python tools/analysis_tools/obj2seq_benchmark.py --work-dir work_dirs/obj2seq_benchmark
"""
import dataclasses
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

import numpy as np  # noqa: E402
import torch  # noqa: E402

from projects.common import benchmark as hb  # noqa: E402
from projects.obj2seq.datasets.metrics import voc_average_precision  # noqa: E402

# The twins' tiny COCO (64 train images) is too small to generalise from: the indicator
# reaches 81 % multi-label mAP on its training images and chance (35 %) on val after 30
# epochs. The benchmark draws a larger set with the same generator and on-disk format
# (its first images are the tiny set's).
BENCH_IMAGES = dict(train=512, val=128)
TINY_ROOT = 'data/tiny/coco/'
DET = 'configs/obj2seq/tiny/obj2seq_r50_8xb1-50e_coco.py'
POSE = 'configs/obj2seq/tiny/obj2seq-pose_r50_8xb1-50e_coco-keypoint.py'
MLC = 'configs/obj2seq/tiny/obj2seq-mlc_r50_8xb1-50e_coco.py'
PARALLEL = {'model.bbox_head.predictor': 'parallel'}
ARMS = [
    hb.Arm('mlc', MLC, 'multi-label, indicator alone'),
    hb.Arm('det-sequence', DET, 'detection, sequence head'),
    hb.Arm('det-parallel', DET, 'detection, parallel MLP head', PARALLEL),
    hb.Arm('pose-sequence', POSE, 'keypoints, sequence head'),
    hb.Arm('pose-parallel', POSE, 'keypoints, parallel MLP head', PARALLEL),
]
SUBSET = [0, 1, 2]
# (row label, arm, metric key, scale to %)
ROWS = [
    ('(a) indicator multi-label mAP', 'mlc', 'multi-label/mAP', 1),
    ('(a) chance (random scores, same val labels)', 'mlc', 'multi-label/mAP_chance', 1),
    ('(b) box AP, sequence head', 'det-sequence', 'coco/bbox_mAP', 100),
    ('(b) box AP, parallel MLP head', 'det-parallel', 'coco/bbox_mAP', 100),
    (f'(c) % detections inside the prompt subset {SUBSET}', 'det-sequence',
     'subset/inside_pct', 1),
    ('(c) box AP, sequence head, K = 1 instead of 3', 'det-sequence',
     'k1/coco/bbox_mAP', 100),
    ('(d) keypoint AP (OKS), sequence head', 'pose-sequence', 'coco/keypoints_mAP', 100),
    ('(d) keypoint AP (OKS), parallel MLP head', 'pose-parallel', 'coco/keypoints_mAP', 100),
    ('(d) pose-model box AP, sequence head', 'pose-sequence', 'coco/bbox_mAP', 100),
    ('(d) pose-model box AP, parallel MLP head', 'pose-parallel', 'coco/bbox_mAP', 100),
]


def make_data(data_dir, num_images=None):
    """The benchmark's COCO-format set under ``data_dir`` (drawn once; deterministic)."""
    marker = osp.join(data_dir, '.obj2seq_benchmark_complete')
    num_images = num_images or BENCH_IMAGES
    if osp.exists(marker):
        with open(marker) as f:
            if json.load(f) == num_images:
                return
    sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                                'dataset_converters'))
    from tiny_datasets import coco
    from tqdm import tqdm
    with tqdm(total=sum(num_images.values()), desc='benchmark COCO') as bar:
        coco.generate(data_dir, progress=bar.update, num_images=num_images)
    with open(marker, 'w') as f:
        json.dump(num_images, f)


def use_data(root):
    """``Arm.modify`` pointing a twin's train / val data and evaluator at ``root``."""
    root = root.rstrip('/') + '/'

    def modify(cfg, seed):
        for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
            loader.dataset.data_root = root
        for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
            for ev in evaluator if isinstance(evaluator, list) else [evaluator]:
                if 'ann_file' in ev:
                    if not ev.ann_file.startswith(TINY_ROOT):
                        raise ValueError(f'obj2seq_benchmark: evaluator ann_file '
                                         f'{ev.ann_file} is not under {TINY_ROOT}')
                    ev.ann_file = root + ev.ann_file[len(TINY_ROOT):]
    return modify


def chance_map(targets, draws=2000, seed=0):
    """Expected multi-label mAP (x100) of uniformly random scores on ``targets`` (n, C).

    The metric's own per-class AP (``voc_average_precision``) averaged over the classes
    with positives, then over ``draws`` random score draws (fixed ``seed``).
    """
    targets = np.asarray(targets, dtype=np.float64)
    classes = [c for c in range(targets.shape[1]) if targets[:, c].any()]
    if not classes:
        raise ValueError('chance_map: no class has a positive image')
    rng = np.random.default_rng(seed)
    maps = [np.mean([voc_average_precision(rng.random(len(targets)), targets[:, c])
                     for c in classes]) for _ in range(draws)]
    return 100.0 * float(np.mean(maps))


def multilabel_chance(runner):
    """(a) chance level: image-level targets of the val set as the metric builds them
    (every instance, crowd included), scored at random."""
    dataset = runner.val_dataloader.dataset
    targets = np.zeros((len(dataset), len(dataset.metainfo['classes'])))
    for i in range(len(dataset)):
        for inst in dataset.get_data_info(i)['instances']:
            targets[i, inst['bbox_label']] = 1
    return {'multi-label/mAP_chance': chance_map(targets)}


def class_conditioned(runner):
    """(c) on a trained detection model: subset purity and AP with K = 1."""
    model = runner.model
    labels = []
    model.test_cfg['class_subset'] = SUBSET
    model.eval()
    with torch.no_grad():
        for batch in runner.val_dataloader:
            labels += [int(x) for s in model.test_step(batch)
                       for x in s.pred_instances.labels]
    model.test_cfg['class_subset'] = None
    inside = 100.0 * sum(x in SUBSET for x in labels) / max(len(labels), 1)
    topk = model.prompt_indicator.retain_topk
    model.prompt_indicator.retain_topk = 1
    k1 = runner.val_loop.run()
    model.prompt_indicator.retain_topk = topk
    return {'subset/inside_pct': inside, 'k1/coco/bbox_mAP': float(k1['coco/bbox_mAP'])}


PROBES = {'mlc': multilabel_chance, 'det-sequence': class_conditioned}


def schedule(epochs):
    """The twins' schedule shape at any budget: constant lr, one step (x0.1) at 80 %."""
    return {'param_scheduler': [dict(type='MultiStepLR', begin=0, end=epochs, by_epoch=True,
                                     milestones=[max(1, int(0.8 * epochs))], gamma=0.1)]}


def report(results, args):
    rep = hb.Report('obj2seq_benchmark', 'Obj2Seq in miniature (tiny twins, benchmark COCO set)',
                    log_curves=True)
    n = len(args.seeds)
    rows = [(label, arm, key, scale) for label, arm, key, scale in ROWS
            if arm in results and key in results[arm][0]['metrics']]
    table = [[label, hb.mean_std([r['metrics'][key] for r in results[arm]], scale=scale),
              ' / '.join(f"{scale * r['metrics'][key]:.1f}" for r in results[arm])]
             for label, arm, key, scale in rows]
    rep.add_table(f'{args.epochs} epochs on {args.train_images} training images, '
                  f'{args.val_images} val images; mean ± sample std over n={n} seeds '
                  f'{args.seeds} (AP and mAP in %)', ['measurement', 'mean ± std', 'per seed'], table)
    for key, scale in (('multi-label/mAP', 1), ('coco/bbox_mAP', 100),
                       ('coco/keypoints_mAP', 100)):
        vals = {a.label: [scale * r['metrics'][key] for r in results[a.name]]
                for a in ARMS if a.name in results and key in results[a.name][0]['metrics']}
        if vals:
            rep.add_bars(key, vals)
    for a in ARMS:
        if a.name in results:
            rep.add_curves(a.label, [hb.block_means(  # per-epoch mean loss
                r['curve'], max(1, len(r['curve']) // args.epochs)) for r in results[a.name]])
    rep.add_text(f'{args.epochs} epochs per arm and seed; ' + hb.cost_text(results))
    rep.data = dict(results=results, args=vars(args))
    return rep


def parse_args(argv=None):
    parser = hb.benchmark_parser(__doc__, 'obj2seq_benchmark')
    parser.add_argument('--epochs', type=int, default=30, help='the twins use 30')
    parser.add_argument('--train-images', type=int, default=BENCH_IMAGES['train'],
                        help='training images of the benchmark set (the twins have 64)')
    parser.add_argument('--val-images', type=int, default=BENCH_IMAGES['val'],
                        help='val images of the benchmark set (the twins have 24)')
    parser.add_argument('--data-dir', default=None,
                        help='where the benchmark set is drawn (default '
                             '<work-dir>/data/coco; reused when it has the same sizes)')
    parser.add_argument('--arms', nargs='+', default=[a.name for a in ARMS],
                        choices=[a.name for a in ARMS])
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)

    root = args.data_dir or osp.join(args.work_dir, 'data', 'coco')

    def run(arm, seed):
        make_data(root, dict(train=args.train_images, val=args.val_images))
        return hb.train_arm(dataclasses.replace(arm, modify=use_data(root)), args.work_dir,
                            seed, args.epochs, probe=PROBES.get(arm.name),
                            extra=schedule(args.epochs))

    results = hb.run_or_merge(args, [a for a in ARMS if a.name in args.arms], run,
                              keys=('epochs', 'train_images', 'val_images'),
                              desc='Obj2Seq benchmark')
    args.arms = list(results)
    return report(results, args).publish(args.work_dir)


if __name__ == '__main__':
    main()
