"""SAIM in miniature: random vs raster generation order, MAE, no blur; and step speed.

``quality``: pre-train arms of the tiny SAIM twin on tiny ImageNet (10 classes, 400 train /
100 val images) and judge the frozen encoder by weighted k-NN (k 20, T 0.07, cosine) and a
linear probe (L-BFGS logistic regression), on the cls token (the official probe's feature)
and on mean-pooled tokens (GAP), train split as bank, val split as queries (spec section 7).
Arms: random initialisation (the baseline a pre-training must beat), SAIM (a random order
per image and step), raster order (ViT-iGPT, the paper's baseline), SAIM without the target
blur, and MAE (the EMAE tiny twin with K = 1, bit-identical to mmpretrain's MAE, same
64-d 4-block ViT) at equal epochs. SAIM arms also report the held-out next-patch MSE of
their ``tools/test.py`` evaluator.

``speed``: one training step of the full ViT-B/16 configs (224 px): SAIM (two streams of
12 blocks over all 197 tokens) vs MAE (12 encoder blocks on 50 visible tokens, 8-block
512-d decoder) and a plain bidirectional ViT-B pass over all tokens, interleaved
repetitions, process CPU time, ratios to MAE, FLOPs (forward, fused multiply-adds) beside.

Finished quality runs are kept in ``<work-dir>/runs/`` and reused; ``quality --merge``
reports the runs of several work dirs (e.g. one process per seed) without training.

Examples::

    python tools/analysis_tools/saim_benchmark.py quality --work-dir work_dirs/saim_benchmark
    python tools/analysis_tools/saim_benchmark.py quality --merge work_dirs/saim_s0 \
        work_dirs/saim_s1 --work-dir work_dirs/saim_benchmark
    python tools/analysis_tools/saim_benchmark.py speed --work-dir work_dirs/saim_benchmark
"""
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

import torch  # noqa: E402

from projects.common import benchmark as hb  # noqa: E402

TINY = 'configs/saim/tiny/saim_vit-base-p16_32xb64-amp-coslr-300e_in1k.py'
TINY_RASTER = 'configs/saim/tiny/saim-raster_vit-base-p16_32xb64-amp-coslr-300e_in1k.py'
TINY_MAE = 'configs/emae/tiny/emae_vit-base-p16_8xb128-amp-coslr-300e_in1k.py'
FULL = 'configs/saim/saim_vit-base-p16_32xb64-amp-coslr-300e_in1k.py'
FULL_MAE = 'configs/emae/emae_vit-base-p16_8xb128-amp-coslr-300e_in1k.py'
ARMS = {
    'random': hb.Arm('random', TINY, 'random init (no pre-training)'),
    'saim': hb.Arm('saim', TINY, 'SAIM (random order)'),
    'raster': hb.Arm('raster', TINY_RASTER, 'raster order (ViT-iGPT)'),
    'saim-noblur': hb.Arm('saim-noblur', TINY, 'SAIM, no target blur',
                          {'model.head.blur_kernel_size': None}),
    'mae': hb.Arm('mae', TINY_MAE, 'MAE (r 0.75)', {'model.backbone.num_parts': 1}),
}


def probe_loaders(cfg):
    """Train split (bank) and val split (queries), both with the twin's test pipeline."""
    test = cfg.test_dataloader.to_dict()
    test['sampler'] = dict(type='DefaultSampler', shuffle=False)
    bank = dict(test, dataset=dict(test['dataset'], ann_file='meta/train.txt',
                                   data_prefix=dict(img_path='train/')))
    return bank, test


def probe(runner):
    """k-NN / linear top-1 on the cls token and on mean-pooled tokens."""
    bank, test = probe_loaders(runner.cfg)
    out = {}
    for pool, tag in (('auto', 'cls'), ('mean', 'gap')):
        res = hb.frozen_feature_probe(runner, bank, test, pool=pool)
        out.update({f'{tag}_{k}': v for k, v in res.items()})
    return out


def quality_run(args):
    def run(arm, seed):
        if arm.name == 'random':
            runner = hb.build_runner(arm, args.work_dir, seed)
            runner.model.init_weights()
            return dict(metrics=probe(runner), curve=[], train_s=0.)
        evaluate = None if arm.name == 'mae' else 'test'
        return hb.train_arm(arm, args.work_dir, seed, args.epochs,
                            evaluate=evaluate, probe=probe)

    return hb.run_or_merge(args, [ARMS[a] for a in args.arms], run, keys=('epochs', ),
                           desc='SAIM quality')


def quality_report(results, args):
    rep = hb.Report('saim_quality',
                    'SAIM in miniature (tiny ImageNet, frozen features)')
    rows = []
    for name, runs in results.items():
        m = [r['metrics'] for r in runs]
        mse = (hb.mean_std([x['reconstruction/mse'] for x in m], 3)
               if 'reconstruction/mse' in m[0] else 'n/a')
        rows.append([ARMS[name].label, 0 if name == 'random' else args.epochs,
                     f"{sum(r['train_s'] for r in runs) / len(runs):.0f}"] + [
                         hb.mean_std([x[key] for x in m])
                         for key in ('cls_knn_top1', 'cls_linear_top1',
                                     'gap_knn_top1', 'gap_linear_top1')] + [mse])
    rep.add_table(
        f'Top-1 % on 100 val images (chance 10 %), mean ± sample std over '
        f'n={len(args.seeds)} seeds {args.seeds}',
        ['arm', 'epochs', 'train (s)', 'cls k-NN', 'cls linear', 'GAP k-NN',
         'GAP linear', 'next-patch MSE'], rows)
    for metric, key in (('cls linear top-1', 'cls_linear_top1'),
                        ('GAP linear top-1', 'gap_linear_top1')):
        rep.add_bars(metric, {ARMS[n].label: [r['metrics'][key] for r in runs]
                              for n, runs in results.items()})
    for name, runs in results.items():
        if name != 'random':
            rep.add_curves(ARMS[name].label, [r['curve'] for r in runs])
    rep.data = dict(results=results, args=vars(args))
    return rep


class _Forward(torch.nn.Module):
    """The pre-training forward of a model as ``forward(x)``, for the FLOP counter."""

    def __init__(self, model, fn):
        super().__init__()
        self.model = model  # registered, so the tracer sees its parameters
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


def speed_models(args):
    """Pre-training forward functions of the full-size models, with their modules."""
    from mmengine.config import Config
    from mmpretrain.registry import MODELS
    torch.manual_seed(0)
    saim = MODELS.build(Config.fromfile(FULL).model).train()
    mae_cfg = Config.fromfile(FULL_MAE).model
    mae_cfg.backbone = dict(mae_cfg.backbone, num_parts=1)
    mae = MODELS.build(mae_cfg).train()
    noise = torch.rand(args.batch_size, saim.backbone.num_patches)

    def saim_fwd(x):
        return saim.predict_patches(x, noise[:x.shape[0]])[0]

    def mae_fwd(x):
        latent, _, ids_restore = mae.backbone(x)
        return mae.neck(latent, ids_restore)

    def vit_fwd(x):
        return saim.backbone(x, mask=None)[0]

    return {'MAE': (mae, mae_fwd), 'SAIM': (saim, saim_fwd),
            'ViT-B full pass': (saim, vit_fwd)}


def speed_fns(models, args):
    x = torch.randn(args.batch_size, 3, 224, 224)
    fns = {}
    for name, (model, fwd) in models.items():
        opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad],
                                lr=1e-4)

        def step(fwd=fwd, opt=opt):
            loss = fwd(x).float().pow(2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        fns[name] = step
    return fns


def speed_flops(models):
    from projects.common.flops import count_flops
    torch.manual_seed(0)
    x = torch.randn(1, 3, 224, 224)
    return {name: count_flops(_Forward(model, fwd), x)
            for name, (model, fwd) in models.items()}


def speed_report(times, flops, args):
    rep = hb.Report('saim_speed', 'SAIM training-step speed (ViT-B/16, 224 px, CPU)')
    rows = hb.speed_rows(times, 'MAE')
    for row, name in zip(rows, times):
        row += [f'{flops[name] / 1e9:.1f}', f"{flops[name] / flops['MAE']:.3f}"]
    step = dict(zip(times, rows))
    time_ratio = float(step['SAIM'][1]) / float(step['ViT-B full pass'][1])
    flop_ratio = flops['SAIM'] / flops['ViT-B full pass']
    rep.add_table(
        f'Batch {args.batch_size}, 1 CPU thread, median of {args.repeats} interleaved '
        'rounds (process CPU time); forward GFLOPs per image (fused multiply-adds)',
        ['method', 'step (ms)', 'step ratio to MAE', 'GFLOPs', 'FLOP ratio to MAE'], rows,
        note=f'SAIM step / ViT-B full-pass step = {time_ratio:.3f} against a FLOP ratio '
             f'of {flop_ratio:.3f} (gap {time_ratio / flop_ratio:.3f}).')
    rep.data = dict(times=times, flops=flops, args=vars(args))
    return rep


def parse_args(argv=None):
    parser = hb.benchmark_parser(__doc__, 'saim_benchmark')
    parser.add_argument('mode', choices=['quality', 'speed'])
    parser.add_argument('--epochs', type=int, default=20, help='pre-training epochs')
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
        models = speed_models(args)
        flops = speed_flops(models)
        times = hb.interleaved_timing(speed_fns(models, args), args.repeats,
                                      clock=time.process_time)
        rep = speed_report(times, flops, args)
    rep.write(args.work_dir)
    print(rep.markdown())
    return rep


if __name__ == '__main__':
    main()
