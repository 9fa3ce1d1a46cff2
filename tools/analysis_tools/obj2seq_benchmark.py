"""Obj2Seq in miniature on the tiny COCO sets (spec section 6b), through the tiny twins.

At an equal training budget and the same seeds:
  (b) box AP of the sequence head vs the parallel MLP head (tiny detection twin,
      ``model.bbox_head.predictor``), mmdet's ``CocoMetric``;
  (c) class-conditioned inference on the trained sequence model: with
      ``test_cfg.class_subset`` only those classes are predicted; box AP with the
      indicator keeping K = 1 class per image instead of the twin's K;
  (d) keypoint AP of the sequence vs the parallel head (tiny keypoint twin).
Every number comes from the twin's own val evaluator.

Example::

    python tools/analysis_tools/obj2seq_benchmark.py --work-dir work_dirs/obj2seq_benchmark
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

import torch  # noqa: E402

from projects.common import benchmark as hb  # noqa: E402

DET = 'configs/obj2seq/tiny/obj2seq_r50_8xb1-50e_coco.py'
POSE = 'configs/obj2seq/tiny/obj2seq-pose_r50_8xb1-50e_coco-keypoint.py'
PARALLEL = {'model.bbox_head.predictor': 'parallel'}
ARMS = [
    hb.Arm('det-sequence', DET, 'detection, sequence head'),
    hb.Arm('det-parallel', DET, 'detection, parallel MLP head', PARALLEL),
    hb.Arm('pose-sequence', POSE, 'keypoints, sequence head'),
    hb.Arm('pose-parallel', POSE, 'keypoints, parallel MLP head', PARALLEL),
]
SUBSET = [0, 1, 2]


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


def report(results, args):
    rep = hb.Report('obj2seq_benchmark', 'Obj2Seq in miniature (tiny COCO twins)')
    n = len(args.seeds)
    keys = sorted({k for runs in results.values() for r in runs for k in r['metrics']
                   if k.endswith(('bbox_mAP', 'keypoints_mAP', 'inside_pct'))})

    def cell(runs, key):
        if key not in runs[0]['metrics']:
            return '-'
        scale = 100 if key.endswith('mAP') else 1
        return hb.mean_std([r['metrics'][key] for r in runs], scale=scale)

    rows = [[a.label] + [cell(results[a.name], k) for k in keys]
            for a in ARMS if a.name in results]
    rep.add_table(f'{args.epochs} epochs, mean ± sample std over n={n} seeds {args.seeds} '
                  f'(AP in %; subset = % of detections inside classes {SUBSET})',
                  ['arm'] + keys, rows)
    for key in ('coco/bbox_mAP', 'coco/keypoints_mAP'):
        vals = {a.label: [100 * r['metrics'][key] for r in results[a.name]]
                for a in ARMS if a.name in results and key in results[a.name][0]['metrics']}
        if vals:
            rep.add_bars(key, vals)
    for a in ARMS:
        if a.name in results:
            rep.add_curves(a.label, [r['curve'] for r in results[a.name]])
    rep.data = dict(results=results, args=vars(args))
    return rep


def parse_args(argv=None):
    parser = hb.benchmark_parser(__doc__, 'obj2seq_benchmark')
    parser.add_argument('--epochs', type=int, default=30, help='the twins use 30')
    parser.add_argument('--arms', nargs='+', default=[a.name for a in ARMS],
                        choices=[a.name for a in ARMS])
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)

    def run(arm, seed):
        probe = class_conditioned if arm.name == 'det-sequence' else None
        return hb.train_arm(arm, args.work_dir, seed, args.epochs, probe=probe)

    results = hb.run_grid([a for a in ARMS if a.name in args.arms], args.seeds, run,
                          desc='Obj2Seq benchmark')
    rep = report(results, args)
    return rep.publish(args.work_dir)


if __name__ == '__main__':
    main()
