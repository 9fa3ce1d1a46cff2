"""CPU inference profile (and optionally a training step): Obj2Seq vs mmdet's Deformable DETR.

Both models are built from their full configs (same ResNet-50 backbone, same input, the
paper's test resolution by default: one 800 x 1067 image, as a 480 x 640 COCO image
after the shorter-side-800 resize), without pretrained weights, and timed in turns in
one process with the same thread count. Every stage of the forward pass is timed
separately, and the model card takes the table this prints.

Example::

    python tools/analysis_tools/obj2seq_speed.py --work-dir work_dirs/obj2seq_speed
"""
import argparse
import os
import os.path as osp
import statistics
import sys
import time
from collections import defaultdict

import torch
from tqdm import tqdm

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
import projects  # noqa: E402,F401
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.structures import InstanceData  # noqa: E402

from mmdet.registry import MODELS  # noqa: E402
from mmdet.structures import DetDataSample  # noqa: E402

BASELINE = 'Deformable DETR (mmdet)'
CONFIGS = {
    BASELINE: 'configs/obj2seq/deformable-detr_r50_16xb2-50e_coco.py',
    'Obj2Seq': 'configs/obj2seq/obj2seq_r50_8xb1-50e_coco.py',
}
# (row, object path, method): the timed calls; 'head' runs inside 'decoder' for
# Obj2Seq and is subtracted from it
STAGES = [
    ('backbone + neck', '', 'extract_feat'),
    ('encoder', '', 'forward_encoder'),
    ('indicator / queries', '', 'pre_decoder'),
    ('decoder', '', 'forward_decoder'),
    ('sequence head', 'bbox_head', 'forward_layer'),
    ('head + post-processing', 'bbox_head', 'predict'),
]


def batch(model, shape, training):
    h, w = shape
    sample = DetDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w),
                                         scale_factor=(1., 1.)))
    sample.gt_instances = InstanceData(
        bboxes=torch.tensor([[10., 20., 120., 200.], [150., 40., 300., 160.],
                             [30., 30., 90., 90.]]),
        labels=torch.tensor([0, 2, 0]))
    img = torch.randint(0, 255, (3, h, w), dtype=torch.uint8)
    return model.data_preprocessor(dict(inputs=[img], data_samples=[sample]),
                                   training)


def instrument(model, totals):
    """Wrap the stage methods of ``model`` so that their time adds to ``totals``."""
    for row, path, method in STAGES:
        owner = model.bbox_head if path == 'bbox_head' else model
        if not hasattr(owner, method):
            continue
        original = getattr(owner, method)

        def timed(*args, _original=original, _row=row, **kwargs):
            start = time.perf_counter()
            out = _original(*args, **kwargs)
            totals[_row] += time.perf_counter() - start
            return out

        setattr(owner, method, timed)


def build(path):
    cfg = Config.fromfile(path)
    cfg.model.backbone.init_cfg = None
    if cfg.model.get('indicator') is not None:
        cfg.model.indicator.prompt_file = None  # the 512-d layout, random
    if cfg.get('custom_imports'):
        __import__(cfg.custom_imports['imports'][0])
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def profile(paths, shape, warmup, runs):
    """Per-stage and total inference seconds of each model (the run with the
    median total of ``runs``).

    The models run in turns (A, B, A, B, ...), so a change of machine load hits
    both alike.
    """
    models, datas, params, totals = {}, {}, {}, {}
    for name, path in paths.items():
        models[name] = build(path).eval()
        params[name] = sum(p.numel() for p in models[name].parameters()) / 1e6
        datas[name] = batch(models[name], shape, False)
        totals[name] = defaultdict(float)
        instrument(models[name], totals[name])
    samples = {name: [] for name in paths}
    with torch.no_grad():
        for i in tqdm(range(warmup + runs), desc='inference'):
            for name, model in models.items():
                totals[name].clear()
                start = time.perf_counter()
                model(**datas[name], mode='predict')
                stages = dict(totals[name])
                stages['total'] = time.perf_counter() - start
                if i >= warmup:
                    samples[name].append(stages)
    results = {}
    for name, runs_of_model in samples.items():
        totals_of_runs = [r['total'] for r in runs_of_model]
        # the stages of the run with the median total, so that they add up
        stages = dict(runs_of_model[totals_of_runs.index(
            statistics.median_low(totals_of_runs))])
        if 'sequence head' in stages:
            stages['decoder'] -= stages['sequence head']
        total = stages.pop('total')
        stages['other'] = total - sum(stages.values())
        results[name] = (params[name], total, stages)
    return results


def train_step(path, shape, warmup, runs):
    model = build(path).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)
    data = batch(model, shape, True)
    for i in tqdm(range(warmup + runs), desc=f'train {osp.basename(path)}',
                  leave=False):
        if i == warmup:
            t0 = time.perf_counter()
        losses = model(**data, mode='loss')
        opt.zero_grad()
        sum(losses.values()).backward()
        opt.step()
    return (time.perf_counter() - t0) / runs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/obj2seq_speed')
    parser.add_argument('--shape', type=int, nargs=2, default=[800, 1067],
                        metavar=('H', 'W'))
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--train', action='store_true',
                        help='also time one training step (forward + backward)')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    init_default_scope('mmdet')
    results = profile(CONFIGS, args.shape, args.warmup, args.runs)
    base = results[BASELINE][1]
    h, w = args.shape
    lines = [
        f'CPU ({args.threads} thread), one {h}x{w} image, ResNet-50 without '
        f'pretrained weights, the run with the median total of {args.runs} '
        f'after {args.warmup} warm-up, the two models in turns in one process.',
        '',
        '| stage | ' + ' | '.join(f'{n} (s)' for n in results) + ' |',
        '| --- |' + ' --- |' * len(results)
    ]
    rows = [row for row, _, _ in STAGES] + ['other']
    for row in rows:
        cells = [f'{res[2][row]:.3f}' if row in res[2] else '-'
                 for res in results.values()]
        lines.append(f'| {row} | ' + ' | '.join(cells) + ' |')
    lines.append('| **total** | ' + ' | '.join(
        f'**{res[1]:.3f}**' for res in results.values()) + ' |')
    lines.append('| params (M) | ' + ' | '.join(
        f'{res[0]:.1f}' for res in results.values()) + ' |')
    lines += ['', '| model | inference ratio |' +
              (' train step (s) | train ratio |' if args.train else ''),
              '| --- | --- |' + (' --- | --- |' if args.train else '')]
    steps = {name: train_step(path, args.shape, args.warmup, args.runs)
             for name, path in CONFIGS.items()} if args.train else {}
    for name, (_, total, _) in results.items():
        line = f'| {name} | {total / base:.2f} |'
        if args.train:
            line += f' {steps[name]:.3f} | {steps[name] / steps[BASELINE]:.2f} |'
        lines.append(line)
    text = '\n'.join(lines) + '\n'
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'speed.md'), 'w') as f:
        f.write(text)
    print(text)


if __name__ == '__main__':
    main()
