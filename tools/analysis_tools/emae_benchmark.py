"""EMAE vs MAE in miniature: frozen-feature quality and training-step speed.

``quality``: pre-train arms of the tiny EMAE twin on tiny ImageNet (10 classes, 400 train /
100 val images; shape and hue carry the label) and judge the frozen encoder by weighted
k-NN (k 20, T 0.07, cosine) and a linear probe (L-BFGS logistic regression) on mean-pooled
tokens, train split as bank, val split as queries. Arms: random initialisation (the
baseline a pre-training must beat), MAE (EMAE with K = 1, bit-identical to mmpretrain's
MAE), EMAE (K = 4, lambda_sc 1), EMAE with lambda_sc 0, and MAE with K times the epochs
(equal encoder token passes). Masked MSE / inconsistency come from the twin's own
``ReconstructionMetric`` on the val split (each model with its own K).

``speed``: one training step of the full ViT-B/16 configs (224 px, MAE's 8-block decoder):
EMAE (K 4) vs MAE (K 1) on the same images and MAE on K times the images (same rows),
interleaved repetitions, process CPU time, ratios to MAE.

Finished quality runs are kept in ``<work-dir>/runs/`` and reused; ``quality --merge``
reports the runs of several work dirs (e.g. one process per seed) without training.

Examples::

    python tools/analysis_tools/emae_benchmark.py quality --work-dir work_dirs/emae_benchmark
    python tools/analysis_tools/emae_benchmark.py quality --merge work_dirs/emae_s0 \
        work_dirs/emae_s1 --work-dir work_dirs/emae_benchmark
    python tools/analysis_tools/emae_benchmark.py speed --work-dir work_dirs/emae_benchmark
"""
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

import torch  # noqa: E402

from projects.common import benchmark as hb  # noqa: E402

TINY = 'configs/emae/tiny/emae_vit-base-p16_8xb128-amp-coslr-300e_in1k.py'
FULL = 'configs/emae/emae_vit-base-p16_8xb128-amp-coslr-300e_in1k.py'
K = 4
MAE = {'model.backbone.num_parts': 1}
ARMS = {
    'random': hb.Arm('random', TINY, 'random init (no pre-training)', MAE),
    'mae': hb.Arm('mae', TINY, 'MAE (EMAE K=1)', MAE),
    'emae': hb.Arm('emae', TINY, f'EMAE (K={K}, λ=1)'),
    'emae-l0': hb.Arm('emae-l0', TINY, f'EMAE (K={K}, λ=0)',
                      {'model.head.consistency_weight': 0.0}),
    'mae-kx': hb.Arm('mae-kx', TINY, f'MAE, {K}x epochs (equal compute)', MAE),
}


def probe_loaders(cfg):
    """Train split (bank) and val split (queries), both with the twin's test pipeline."""
    test = cfg.test_dataloader.to_dict()
    test['sampler'] = dict(type='DefaultSampler', shuffle=False)
    bank = dict(test, dataset=dict(test['dataset'], ann_file='meta/train.txt',
                                   data_prefix=dict(img_path='train/')))
    return bank, test


def quality_run(args):
    def probe(runner):
        bank, test = probe_loaders(runner.cfg)
        return hb.frozen_feature_probe(runner, bank, test, pool='mean')

    def run(arm, seed):
        if arm.name == 'random':
            runner = hb.build_runner(arm, args.work_dir, seed)
            runner.model.init_weights()
            return dict(metrics=dict(probe(runner), **{
                k: float(v) for k, v in runner.test().items()}), curve=[], train_s=0.)
        epochs = args.epochs * (K if arm.name == 'mae-kx' else 1)
        return hb.train_arm(arm, args.work_dir, seed, epochs, evaluate='test',
                            probe=probe)

    return hb.run_or_merge(args, [ARMS[a] for a in args.arms], run, keys=('epochs', ),
                           desc='EMAE quality')


def quality_report(results, args):
    rep = hb.Report('emae_quality', 'EMAE vs MAE in miniature (tiny ImageNet, frozen features)')
    rows = []
    for name, runs in results.items():
        m = [r['metrics'] for r in runs]
        parts = ARMS[name].options.get('model.backbone.num_parts', K)
        incons = (hb.mean_std([x['reconstruction/inconsistency'] for x in m], 4)
                  if parts > 1 else 'n/a (K=1)')
        epochs = 0 if name == 'random' else args.epochs * (K if name == 'mae-kx' else 1)
        rows.append([ARMS[name].label, epochs,
                     f"{sum(r['train_s'] for r in runs) / len(runs):.0f}",
                     hb.mean_std([x['knn_top1'] for x in m]),
                     hb.mean_std([x['linear_top1'] for x in m]),
                     hb.mean_std([x['reconstruction/mse'] for x in m], 3), incons])
    rep.add_table(
        f'Top-1 % on 100 val images (chance 10 %), mean ± sample std over n={len(args.seeds)} '
        f'seeds {args.seeds}',
        ['arm', 'epochs', 'train (s)', 'k-NN top-1', 'linear top-1', 'masked MSE',
         'inconsistency'], rows)
    for metric, key in (('k-NN top-1', 'knn_top1'), ('linear top-1', 'linear_top1')):
        rep.add_bars(metric, {ARMS[n].label: [r['metrics'][key] for r in runs]
                              for n, runs in results.items()})
    for name, runs in results.items():
        if name != 'random':
            rep.add_curves(ARMS[name].label, [r['curve'] for r in runs])
    rep.data = dict(results=results, args=vars(args))
    return rep


def speed_fns(args):
    """One optimiser step of each full-size model (built from the full config)."""
    from mmengine.config import Config
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(FULL)
    x = torch.randn(args.batch_size, 3, 224, 224)
    fns = {}
    for name, parts, inputs in (('MAE', 1, x), (f'EMAE (K={K})', K, x),
                                (f'MAE on {K}x the images', 1, x.repeat(K, 1, 1, 1))):
        model_cfg = cfg.model.copy()
        model_cfg.backbone = dict(model_cfg.backbone, num_parts=parts)
        torch.manual_seed(0)
        model = MODELS.build(model_cfg).train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4)

        def step(model=model, opt=opt, inputs=inputs):
            loss = sum(v for k, v in model.loss(inputs, None).items() if 'loss' in k)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        fns[name] = step
    return fns


def speed_report(times, args):
    rep = hb.Report('emae_speed', 'EMAE training-step speed (ViT-B/16, 224 px, CPU)')
    rows = hb.speed_rows(times, 'MAE')
    rep.add_table(f'Batch {args.batch_size}, 1 CPU thread, median of {args.repeats} '
                  'interleaved rounds (process CPU time)',
                  ['method', 'step (ms)', 'ratio to MAE'], rows,
                  note=f'EMAE step / (K x MAE step) = {float(rows[1][2]) / K:.3f} '
                       '(target <= 1.1); EMAE / MAE on K x the images = '
                       f'{float(rows[1][1]) / float(rows[2][1]):.3f}.')
    rep.data = dict(times=times, args=vars(args))
    return rep


def parse_args(argv=None):
    parser = hb.benchmark_parser(__doc__, 'emae_benchmark')
    parser.add_argument('mode', choices=['quality', 'speed'])
    parser.add_argument('--epochs', type=int, default=20,
                        help='pre-training epochs (the MAE equal-compute arm gets K x)')
    parser.add_argument('--arms', nargs='+', choices=list(ARMS), default=list(ARMS))
    parser.add_argument('--batch-size', type=int, default=2, help='speed: images per step')
    parser.add_argument('--repeats', type=int, default=3, help='speed: timed rounds')
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
