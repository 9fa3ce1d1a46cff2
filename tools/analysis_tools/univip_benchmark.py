"""UniVIP vs BYOL in miniature: frozen-feature probes of the arms and training-step speed.

``quality``: pre-train arms of the tiny UniVIP COCO twin on the tiny multi-object scenes
(``make_tiny_datasets.py --only univip_scenes``: 64x64 images with 2-4 shapes of 10 classes,
proposals = jittered ground-truth boxes + distractors; 64 px scenes, K = 3 instances of 32 px)
and judge the frozen, globally pooled ResNet feature with three probes (spec section 7), each
fitted on the training scenes and scored on the val scenes:

- scene: linear probe (L-BFGS logistic regression) for the class with the largest area;
- instance: linear probe on 32 px crops of single ground-truth objects (their class);
- multi-label: per-class logistic regression for which classes are present, macro mAP.

Arms: random initialisation (the floor), BYOL (scene-scene term only), BYOL + scene-instance,
full UniVIP, UniVIP with uniform OT marginals (1/K instead of the scene-affinity weights).

Finished quality runs are kept in ``<work-dir>/runs/`` and reused; ``quality --merge``
reports the runs of several work dirs (e.g. one process per seed, run side by side) as one
grid without training.

``speed``: one optimiser step of the tiny UniVIP model vs its BYOL arm on the same batch,
interleaved rounds, process CPU time, ratio to BYOL.

Examples::

    python tools/analysis_tools/univip_benchmark.py quality --epochs 10 --work-dir work_dirs/univip_benchmark
    python tools/analysis_tools/univip_benchmark.py quality --seeds 0 --work-dir work_dirs/ub_s0
    python tools/analysis_tools/univip_benchmark.py quality --seeds 1 --work-dir work_dirs/ub_s1
    python tools/analysis_tools/univip_benchmark.py quality --merge work_dirs/ub_s0 \
        work_dirs/ub_s1 --work-dir work_dirs/univip_benchmark
    python tools/analysis_tools/univip_benchmark.py speed --work-dir work_dirs/univip_benchmark
"""
import json
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

import mmcv  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from projects.common import benchmark as hb  # noqa: E402
from projects.common.ssl.frozen_eval import linear_probe, topk_accuracy  # noqa: E402

TINY = 'configs/univip/tiny/univip_resnet50_8xb64-amp-coslr-800e_coco.py'
SCENES = 'data/tiny/univip_scenes'
NUM_CLASSES = 10
NO_INSTANCE = {'model.loss_weights.instance': 0.0}
NO_SCENE_INSTANCE = {'model.loss_weights.scene_instance': 0.0}


def stretch_schedule(cfg, seed):
    """Cosine lr decay over the benchmark's epochs (the twin's schedule ends at its own)."""
    epochs = cfg.train_cfg.max_epochs
    cfg.param_scheduler[1].update(T_max=epochs - 1, end=epochs)


def _arm(name, label, options=None):
    return hb.Arm(name, TINY, label, options or {}, modify=stretch_schedule)


ARMS = {
    'random': _arm('random', 'random init (no pre-training)'),
    'byol': _arm('byol', 'BYOL', dict(NO_INSTANCE, **NO_SCENE_INSTANCE)),
    'byol-si': _arm('byol-si', 'BYOL + scene-instance', NO_INSTANCE),
    'univip': _arm('univip', 'UniVIP'),
    'univip-uniform': _arm('univip-uniform', 'UniVIP, uniform OT weights',
                           {'model.ot_weights': 'uniform'}),
}
PROBES = (('scene', 'scene top-1'), ('instance', 'instance top-1'),
          ('multilabel', 'multi-label mAP'))


def load_probe_data(root=SCENES, instance_size=32, limit=0):
    """Per split: scene images (N, H, W, 3) BGR uint8, dominant labels (N,), multi-hot
    labels (N, C), object crops (M, s, s, 3) and their labels (M,); the first ``limit``
    scenes of each split (0: all)."""
    data = {}
    for split in ('train', 'val'):
        with open(osp.join(root, 'annotations', f'scenes_{split}.json')) as f:
            scenes = json.load(f)['data_list']
        scenes = scenes[:limit] if limit else scenes
        imgs, dominant, multi, crops, crop_labels = [], [], [], [], []
        for scene in scenes:
            img = mmcv.imread(osp.join(root, split, scene['img_path']))
            imgs.append(img)
            objects = scene['objects']
            dominant.append(max(objects, key=lambda o: o['area'])['label'])
            hot = np.zeros(NUM_CLASSES, np.float32)
            hot[[o['label'] for o in objects]] = 1
            multi.append(hot)
            for obj in objects:
                x1, y1, x2, y2 = (int(round(v)) for v in obj['bbox'])
                crops.append(mmcv.imresize(img[y1:y2, x1:x2], (instance_size,) * 2,
                                           interpolation='bicubic'))
                crop_labels.append(obj['label'])
        data[split] = dict(scenes=np.stack(imgs), dominant=torch.tensor(dominant),
                           multi=torch.tensor(np.stack(multi)), crops=np.stack(crops),
                           crop_labels=torch.tensor(crop_labels))
    return data


@torch.no_grad()
def frozen_features(model, images, batch_size=100):
    """Globally pooled backbone features (N, C) of BGR uint8 images (N, H, W, 3)."""
    from projects.common.ssl.frozen_eval import pool_features
    was_training = model.training
    model.eval()
    feats = []
    for start in range(0, len(images), batch_size):
        batch = torch.from_numpy(images[start:start + batch_size]).permute(0, 3, 1, 2)
        inputs = model.data_preprocessor(
            dict(inputs=batch.contiguous(), data_samples=None), False)['inputs']
        feats.append(pool_features(model.extract_feat(inputs)))
    model.train(was_training)
    return torch.cat(feats)


def multilabel_probe(train_x, train_y, test_x, weight_decay=1e-3, max_iter=100):
    """Per-class logistic regression (BCE) on standardised frozen features; scores (Q, C)."""
    return linear_probe(train_x, train_y, test_x, train_y.size(1), weight_decay=weight_decay,
                        max_iter=max_iter, multi_label=True)


def probe_scores(model, data):
    """Scene top-1, instance top-1 (%) and multi-label macro mAP (%) of frozen features."""
    from mmpretrain.evaluation import AveragePrecision

    feats = {split: dict(scenes=frozen_features(model, d['scenes']),
                         crops=frozen_features(model, d['crops']))
             for split, d in data.items()}
    tr, va = data['train'], data['val']
    scene = linear_probe(feats['train']['scenes'], tr['dominant'],
                         feats['val']['scenes'], NUM_CLASSES)
    inst = linear_probe(feats['train']['crops'], tr['crop_labels'],
                        feats['val']['crops'], NUM_CLASSES)
    multi = multilabel_probe(feats['train']['scenes'], tr['multi'],
                             feats['val']['scenes'])
    return dict(scene=topk_accuracy(scene, va['dominant'], (1, ))['top1'],
                instance=topk_accuracy(inst, va['crop_labels'], (1, ))['top1'],
                multilabel=float(AveragePrecision.calculate(multi, va['multi'])))


def _model(runner):
    from mmengine.model import is_model_wrapper
    return runner.model.module if is_model_wrapper(runner.model) else runner.model


def quality_run(args):
    """The quality grid: runs kept in ``<work-dir>/runs/`` are reused, ``--merge`` reports
    kept runs only (settings: epochs, train and probe images)."""
    data = {}
    extra = {'train_dataloader.dataset.indices': args.train_images} \
        if args.train_images else None

    def probe(runner):
        if not data:  # loaded once, on the first run that is not kept yet
            data.update(load_probe_data(limit=args.probe_images))
        return probe_scores(_model(runner), data)

    def run(arm, seed):
        if arm.name == 'random':
            runner = hb.build_runner(arm, args.work_dir, seed, extra=extra)
            runner.model.init_weights()
            return dict(metrics=probe(runner), curve=[], train_s=0.)
        return hb.train_arm(arm, args.work_dir, seed, args.epochs, evaluate=None,
                            extra=extra, probe=probe)

    return hb.run_or_merge(args, [ARMS[a] for a in args.arms], run,
                           keys=('epochs', 'train_images', 'probe_images'),
                           desc='UniVIP quality')


def quality_report(results, args):
    rep = hb.Report('univip_quality',
                    'UniVIP vs BYOL in miniature (tiny multi-object scenes, frozen R-18)')
    rows = [[ARMS[name].label, 0 if name == 'random' else args.epochs,
             f"{sum(r['train_s'] for r in runs) / len(runs):.0f}"] +
            [hb.mean_std([r['metrics'][key] for r in runs]) for key, _ in PROBES]
            for name, runs in results.items()]
    rep.add_table(f'Val scenes, mean ± sample std over n={len(args.seeds)} seeds '
                  f'{args.seeds} (chance: scene / instance top-1 10 %, multi-label mAP '
                  'about the class frequency)',
                  ['arm', 'epochs', 'train (s)'] + [label for _, label in PROBES], rows)
    for key, label in PROBES:
        rep.add_bars(label, {ARMS[n].label: [r['metrics'][key] for r in runs]
                             for n, runs in results.items()})
    for name, runs in results.items():
        if name != 'random':
            rep.add_curves(ARMS[name].label, [r['curve'] for r in runs])
    rep.data = dict(results=results, args=vars(args))
    return rep


def speed_fns(args):
    """One optimiser step of the tiny UniVIP model and of its BYOL arm on the same views."""
    from mmengine.logging import MessageHub
    from mmpretrain.registry import MODELS
    MessageHub.get_current_instance().update_info('max_iters', 10**6)
    g = torch.Generator().manual_seed(0)
    cfg = hb.load_config(ARMS['univip'], args.work_dir, 0)
    k = cfg.model.num_instances
    views = ([torch.randn(args.batch_size, 3, 64, 64, generator=g) for _ in range(2)] +
             [torch.randn(args.batch_size, 3, 32, 32, generator=g) for _ in range(2 * k)])
    fns = {}
    for name in ('byol', 'univip'):
        cfg = hb.load_config(ARMS[name], args.work_dir, 0)
        torch.manual_seed(0)
        model = MODELS.build(cfg.model).train()
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

        def step(model=model, opt=opt):
            losses = model.loss(views, [])
            opt.zero_grad(set_to_none=True)
            sum(v for n, v in losses.items() if 'loss' in n).backward()
            opt.step()
        fns[ARMS[name].label] = step
    return fns


def speed_report(times, args):
    rep = hb.Report('univip_speed', 'UniVIP training-step speed (tiny twin, CPU)')
    rep.add_table(f'Batch {args.batch_size} (2 x 64 px scenes + 2 x 3 x 32 px instances; '
                  'BYOL skips the instances), 1 CPU thread, median of '
                  f'{args.repeats} interleaved rounds (process CPU time)',
                  ['method', 'step (ms)', 'ratio to BYOL'], hb.speed_rows(times, 'BYOL'))
    rep.data = dict(times=times, args=vars(args))
    return rep


def parse_args(argv=None):
    parser = hb.benchmark_parser(__doc__, 'univip_benchmark')
    parser.add_argument('mode', choices=['quality', 'speed'])
    parser.add_argument('--epochs', type=int, default=10, help='pre-training epochs')
    parser.add_argument('--arms', nargs='+', choices=list(ARMS), default=list(ARMS))
    parser.add_argument('--train-images', type=int, default=0,
                        help='quality: pre-train on only this many scenes (0: all; at least '
                        'one batch of 32)')
    parser.add_argument('--probe-images', type=int, default=0,
                        help='quality: probe on only this many scenes per split (0: all)')
    parser.add_argument('--batch-size', type=int, default=32, help='speed: images per step')
    parser.add_argument('--repeats', type=int, default=5, help='speed: timed rounds')
    return hb.refuse_merge_outside(parser, parser.parse_args(argv))


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)
    if args.mode == 'quality':
        rep = quality_report(quality_run(args), args)
    else:
        times = hb.interleaved_timing(speed_fns(args), args.repeats,
                                      clock=time.process_time)
        rep = speed_report(times, args)
    return rep.publish(args.work_dir)


if __name__ == '__main__':
    main()
