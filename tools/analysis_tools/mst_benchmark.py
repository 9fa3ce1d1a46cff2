"""MST vs DINO in miniature: frozen-feature quality of the arms and training-step speed.

``quality``: pre-train arms of the tiny MST twin on the tiny shape scenes (spec section 8:
6 shape classes, 400 train / 100 val 32x32 images with per-pixel label maps, 32x32 global
crops, 4x4 patches; ``configs/mst/tiny/_base_/tiny_shapes.py``) and judge the frozen
student by three probes, train split as bank, val split as queries: 20-NN (T 0.07) and a
linear probe (L-BFGS logistic regression) on the [CLS] feature for the image label (the
large shape), and the dense per-patch probe (a linear classifier on the patch tokens
predicting each 4x4 patch's majority class of 7, background included; patch accuracy and
mIoU, :mod:`projects.mst.dense_probe`). Arms: random initialisation (the floor), DINO (no
masking, no decoder), DINO + random masking (same expected ratio), MST, MST without the
decoder, MST without attention guidance (random candidate set + decoder).

``speed``: one optimiser step of the tiny MST model vs the tiny DINO arm on the same batch,
interleaved rounds, process CPU time, ratio to DINO.

Examples::

    python tools/analysis_tools/mst_benchmark.py quality --epochs 12 --work-dir work_dirs/mst_benchmark
    python tools/analysis_tools/mst_benchmark.py quality --epochs 12 --seeds 1 --arms mst
    python tools/analysis_tools/mst_benchmark.py quality --merge work_dirs/mst_benchmark
    python tools/analysis_tools/mst_benchmark.py speed --work-dir work_dirs/mst_benchmark
"""
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402

from projects.common import benchmark as hb  # noqa: E402

TINY = 'configs/mst/tiny/mst_deit-small-p16_16xb64-amp-coslr-100e_in1k.py'
SHAPES = 'configs/mst/tiny/_base_/tiny_shapes.py'
NO_MASK = {'model.masker.low_attn_ratio': 0.0}
NO_DEC = {'model.head.restore_loss.loss_weight': 0.0}
RANDOM = {'model.masker.guidance': 'random'}


def shapes_setup(cfg, seed):
    """Shape-scene data for training and the probes; cosine lr decay over the benchmark's
    epochs (the twin's schedule ends at its own)."""
    epochs = cfg.train_cfg.max_epochs
    cfg.param_scheduler[1].update(T_max=epochs - 1, end=epochs)
    shapes = Config.fromfile(SHAPES)
    indices = cfg.train_dataloader.dataset.get('indices')
    cfg.train_dataloader = shapes.shapes_train_dataloader
    if indices:
        cfg.train_dataloader.dataset.indices = indices
    cfg.test_dataloader = shapes.shapes_test_dataloader
    cfg.test_cfg.bank_dataloader = shapes.shapes_bank_dataloader
    cfg.shapes_dense_test_cfg = shapes.shapes_dense_test_cfg
    cfg.shapes_seg_test_dataloader = shapes.shapes_seg_test_dataloader


def _arm(name, label, options=None):
    return hb.Arm(name, TINY, label, options or {}, modify=shapes_setup)


ARMS = {
    'random': _arm('random', 'random init (no pre-training)'),
    'dino': _arm('dino', 'DINO', dict(NO_MASK, **NO_DEC)),
    'dino-randmask': _arm('dino-randmask', 'DINO + random masking', dict(RANDOM, **NO_DEC)),
    'mst': _arm('mst', 'MST'),
    'mst-nodec': _arm('mst-nodec', 'MST without decoder', NO_DEC),
    'mst-noguide': _arm('mst-noguide', 'MST without attention guidance', RANDOM),
}


def probe(runner):
    """20-NN and linear top-1 of the [CLS] feature, dense per-patch probe of the tokens."""
    from projects.mst.dense_probe import dense_patch_probe, extract_patches
    cfg = runner.cfg
    metrics = hb.frozen_feature_probe(runner, cfg.test_cfg.bank_dataloader.to_dict(),
                                      cfg.test_dataloader.to_dict())
    dense = cfg.shapes_dense_test_cfg
    train = extract_patches(runner.model, runner.build_dataloader(
        dense.bank_dataloader.to_dict()), dense.patch_size, dense.num_classes)
    test = extract_patches(runner.model, runner.build_dataloader(
        cfg.shapes_seg_test_dataloader.to_dict()), dense.patch_size, dense.num_classes)
    scores = dense_patch_probe(*train, *test, dense.num_classes)
    metrics.update(dense_acc=scores['acc'], dense_miou=scores['miou'])
    return metrics


def quality_run(args):
    """Every (arm, seed) run of the grid; finished runs are kept in ``<work-dir>/runs/``
    and reused by a later call with the same epochs and train images, so seeds can run as
    separate processes, an interrupted grid resumes and ``--merge`` reports kept runs."""
    extra = {'train_dataloader.dataset.indices': args.train_images} \
        if args.train_images else None

    def run(arm, seed):
        if arm.name == 'random':
            runner = hb.build_runner(arm, args.work_dir, seed, extra=extra)
            runner.model.init_weights()
            return dict(metrics=probe(runner), curve=[], train_s=0.)
        return hb.train_arm(arm, args.work_dir, seed, args.epochs, evaluate=None,
                            extra=extra, probe=probe)

    return hb.run_or_merge(args, [ARMS[a] for a in args.arms], run,
                           keys=('epochs', 'train_images'), desc='MST quality')


METRICS = (('20-NN top-1', 'knn_top1'), ('linear top-1', 'linear_top1'),
           ('dense patch acc', 'dense_acc'), ('dense patch mIoU', 'dense_miou'))


def quality_report(results, args):
    rep = hb.Report('mst_quality', 'MST vs DINO in miniature (tiny shape scenes, frozen '
                    'student)')
    rows = [[ARMS[name].label, len(runs), 0 if name == 'random' else args.epochs,
             f"{sum(r['train_s'] for r in runs) / len(runs):.0f}"] +
            [hb.mean_std([r['metrics'][key] for r in runs]) for _, key in METRICS]
            for name, runs in results.items()]
    rep.add_table(f'Val images, % (image label: chance 16.7 %; patch labels: 7 classes, '
                  f'73 % background), mean ± sample std over the n seeds of {args.seeds}',
                  ['arm', 'n', 'epochs', 'train (s)'] + [m for m, _ in METRICS], rows)
    for metric, key in METRICS:
        rep.add_bars(metric, {ARMS[n].label: [r['metrics'][key] for r in runs]
                              for n, runs in results.items()})
    for name, runs in results.items():
        if name != 'random':
            rep.add_curves(ARMS[name].label, [r['curve'] for r in runs])
    rep.data = dict(results=results, args=vars(args))
    return rep


def speed_fns(args):
    """One optimiser step of the tiny MST model and of its DINO arm on the same views."""
    from mmengine.logging import MessageHub
    from mmpretrain.registry import MODELS
    MessageHub.get_current_instance().update_info('max_iters', 10**6)
    g = torch.Generator().manual_seed(0)
    views = ([torch.randn(args.batch_size, 3, 32, 32, generator=g) for _ in range(2)] +
             [torch.randn(args.batch_size, 3, 16, 16, generator=g) for _ in range(2)])
    fns = {}
    for name in ('dino', 'mst'):
        cfg = hb.load_config(ARMS[name], args.work_dir, 0)
        torch.manual_seed(0)
        model = MODELS.build(cfg.model).train()
        model.head.dino_loss.set_epoch(0)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4)

        def step(model=model, opt=opt):
            losses = model.loss(views, None)
            opt.zero_grad(set_to_none=True)
            sum(losses.values()).backward()
            opt.step()
        fns[ARMS[name].label] = step
    return fns


def speed_report(times, args):
    rep = hb.Report('mst_speed', 'MST training-step speed (tiny twin, CPU)')
    rep.add_table(f'Batch {args.batch_size} (2 x 32 px global + 2 x 16 px local crops), '
                  f'1 CPU thread, median of {args.repeats} interleaved rounds (process CPU '
                  'time)', ['method', 'step (ms)', 'ratio to DINO'],
                  hb.speed_rows(times, 'DINO'))
    rep.data = dict(times=times, args=vars(args))
    return rep


def parse_args(argv=None):
    parser = hb.benchmark_parser(__doc__, 'mst_benchmark')
    parser.add_argument('mode', choices=['quality', 'speed'])
    parser.add_argument('--epochs', type=int, default=30, help='pre-training epochs')
    parser.add_argument('--arms', nargs='+', choices=list(ARMS), default=list(ARMS))
    parser.add_argument('--train-images', type=int, default=0,
                        help='quality: use only this many training images (0: all)')
    parser.add_argument('--batch-size', type=int, default=16, help='speed: images per step')
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
