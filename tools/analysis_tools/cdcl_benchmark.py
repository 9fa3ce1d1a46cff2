"""CDCL in miniature: single-dataset training vs joint training with shared BN vs CDCL.

Three tiny road-scene datasets with different domains and label sets (Cityscapes and
BDD100K with 19 classes, CamVid with 11; ``make_tiny_datasets.py``) are loaded once through
mmseg's dataset classes, resized to 64x128 and kept in memory. Three arms train the same
PSPNet (dilated ResNet-18, 16 base channels) for the same number of iterations and seeds:

* ``single``: one model per dataset, batch ``--batch`` of that dataset (mmseg's stock
  EncoderDecoder equals our segmentor with one dataset; see tests/cdcl).
* ``joint-bn``: one model, shared BatchNorm, per-dataset classifiers, summed per-dataset
  losses (DAT without DSBN): each iteration sees ``--batch`` samples of every dataset.
* ``cdcl``: dataset-specific BN + per-dataset classifiers + DAT (paper Sec. 3).

Each model is evaluated on every val image of its dataset(s) (whole 64x128 image, mIoU as
mmseg's IoUMetric computes it). Writes ``cdcl_benchmark.md`` (mean +- std over seeds and
per seed), ``cdcl_benchmark.json`` and ``cdcl_benchmark.png`` to ``--work-dir``.

Example::

    python tools/analysis_tools/cdcl_benchmark.py --work-dir work_dirs/cdcl_benchmark
"""
import argparse
import copy
import json
import os
import os.path as osp
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

from mmengine.config import ConfigDict  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmseg.evaluation.metrics import IoUMetric  # noqa: E402
from mmseg.registry import DATASETS, MODELS  # noqa: E402
from mmseg.structures import SegDataSample  # noqa: E402
from mmengine.structures import PixelData  # noqa: E402
from tqdm import tqdm  # noqa: E402

import projects.cdcl  # noqa: E402,F401

DATASETS_CFG = {
    'cityscapes': dict(
        type='CityscapesDataset', data_root='data/tiny/cityscapes/',
        prefix=('leftImg8bit/{}', 'gtFine/{}')),
    'bdd100k': dict(
        type='BDD100KDataset', data_root='data/tiny/bdd100k/',
        prefix=('images/10k/{}', 'labels/sem_seg/masks/{}')),
    'camvid': dict(
        type='CamVidDataset', data_root='data/tiny/camvid/',
        prefix=('{}', '{}annot')),
}
MEAN = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1)
STD = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--work-dir', default='work_dirs/cdcl_benchmark')
    p.add_argument('--datasets', nargs='+', default=list(DATASETS_CFG),
                   choices=list(DATASETS_CFG))
    p.add_argument('--iters', type=int, default=400)
    p.add_argument('--batch', type=int, default=4,
                   help='samples of each dataset per iteration')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--lr', type=float, default=0.01)
    p.add_argument('--height', type=int, default=64)
    p.add_argument('--crop', type=int, default=64)
    p.add_argument('--arms', nargs='+', default=['single', 'joint-bn', 'cdcl'],
                   choices=['single', 'joint-bn', 'cdcl'])
    p.add_argument('--threads', type=int, default=1)
    return p.parse_args(argv)


def load_split(name, split, height):
    """Images (N, 3, H, 2H) float and labels (N, H, 2H) long of one tiny split."""
    c = DATASETS_CFG[name]
    ds = DATASETS.build(dict(
        type=c['type'], data_root=c['data_root'],
        data_prefix=dict(img_path=c['prefix'][0].format(split),
                         seg_map_path=c['prefix'][1].format(split)),
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations'),
            dict(type='Resize', scale=(2 * height, height), keep_ratio=False),
            dict(type='PackSegInputs')
        ]))
    imgs, labels = [], []
    for i in range(len(ds)):
        item = ds[i]
        imgs.append(item['inputs'][[2, 1, 0]].float())
        labels.append(item['data_samples'].gt_sem_seg.data[0].long())
    return torch.stack(imgs), torch.stack(labels), len(ds.metainfo['classes'])


def model_cfg(num_classes, dsbn):
    n = len(num_classes)
    norm = (dict(type='DSBN', num_datasets=n) if dsbn else dict(type='BN'))
    return ConfigDict(
        type='CDCLEncoderDecoder',
        num_datasets=n,
        backbone=dict(
            type='ResNetV1c', depth=18, stem_channels=16, base_channels=16,
            num_stages=4, out_indices=(0, 1, 2, 3), dilations=(1, 1, 2, 4),
            strides=(1, 2, 1, 1), norm_cfg=norm, contract_dilation=True),
        decode_head=dict(
            type='DatasetAwarePSPHead', in_channels=128, in_index=3,
            channels=32, pool_scales=(1, 2, 3, 6), dropout_ratio=0.1,
            num_classes=list(num_classes), norm_cfg=norm),
        auxiliary_head=dict(
            type='DatasetAwareFCNHead', in_channels=64, in_index=2,
            channels=16, num_convs=1, concat_input=False, dropout_ratio=0.1,
            num_classes=list(num_classes), norm_cfg=norm,
            loss_decode=dict(type='CrossEntropyLoss', loss_weight=0.4)),
        train_cfg=dict(),
        test_cfg=dict(mode='whole'))


def samples_for(labels, dataset_idx):
    out = []
    for label in labels:
        s = SegDataSample(metainfo=dict(
            dataset_idx=dataset_idx, img_shape=tuple(label.shape),
            ori_shape=tuple(label.shape), pad_shape=tuple(label.shape)))
        s.gt_sem_seg = PixelData(data=label[None])
        out.append(s)
    return out


def random_batch(data, batch, crop, gen):
    imgs, labels = data
    idx = torch.randint(0, len(imgs), (batch, ), generator=gen)
    x0 = torch.randint(0, imgs.shape[-1] - crop + 1, (batch, ), generator=gen)
    flip = torch.rand(batch, generator=gen) < 0.5
    out_i, out_l = [], []
    for k in range(batch):
        img = imgs[idx[k], :, :crop, x0[k]:x0[k] + crop]
        lab = labels[idx[k], :crop, x0[k]:x0[k] + crop]
        if flip[k]:
            img, lab = img.flip(-1), lab.flip(-1)
        out_i.append(img)
        out_l.append(lab)
    return (torch.stack(out_i) - MEAN) / STD, torch.stack(out_l)


def train(model, train_sets, args, seed, bar):
    """SGD (momentum 0.9, wd 1e-4) with poly decay; one summed loss per iteration."""
    gen = torch.Generator().manual_seed(1000 + seed)
    optim = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9,
                            weight_decay=1e-4)
    model.train()
    for it in range(args.iters):
        for group in optim.param_groups:
            group['lr'] = args.lr * (1 - it / args.iters)**0.9
        inputs, samples = [], []
        for d, data in enumerate(train_sets):
            x, y = random_batch(data, args.batch, args.crop, gen)
            inputs.append(x)
            samples += samples_for(y, d)
        losses = model.loss(torch.cat(inputs), samples)
        total, _ = model.parse_losses(losses)
        optim.zero_grad()
        total.backward()
        optim.step()
        bar.update(1)


@torch.no_grad()
def evaluate(model, val, dataset_idx, num_classes):
    imgs, labels = val
    model.eval()
    model.set_dataset_idx(dataset_idx)
    logits = model._forward((imgs - MEAN) / STD, dataset_idx=dataset_idx)
    logits = F.interpolate(logits, size=labels.shape[-2:], mode='bilinear',
                           align_corners=False)
    pred = logits.argmax(1)
    results = [
        IoUMetric.intersect_and_union(p, l, num_classes, 255)
        for p, l in zip(pred, labels)
    ]
    results = tuple(zip(*results))
    totals = [sum(r) for r in results]
    metrics = IoUMetric.total_area_to_metrics(*totals, ['mIoU'])
    return float(np.nanmean(np.asarray(metrics['IoU'])) * 100)


def run(args):
    torch.set_num_threads(args.threads)
    init_default_scope('mmseg')
    names = args.datasets
    train_sets, val_sets, classes = [], [], []
    for name in names:
        ti, tl, c = load_split(name, 'train', args.height)
        vi, vl, _ = load_split(name, 'val', args.height)
        train_sets.append((ti, tl))
        val_sets.append((vi, vl))
        classes.append(c)
    jobs = []
    for seed in args.seeds:
        for arm in args.arms:
            if arm == 'single':
                jobs += [(seed, arm, [d]) for d in range(len(names))]
            else:
                jobs.append((seed, arm, list(range(len(names)))))
    results = {arm: {n: [] for n in names} for arm in args.arms}
    t0, c0 = time.time(), time.process_time()
    with tqdm(total=len(jobs) * args.iters, desc='cdcl benchmark') as bar:
        for seed, arm, ds in jobs:
            torch.manual_seed(seed)
            model = MODELS.build(model_cfg([classes[d] for d in ds],
                                           dsbn=(arm == 'cdcl')))
            train(model, [train_sets[d] for d in ds], args, seed, bar)
            for local, d in enumerate(ds):
                miou = evaluate(model, val_sets[d], local, classes[d])
                results[arm][names[d]].append(miou)
            bar.set_postfix(seed=seed, arm=arm)
    elapsed = (time.time() - t0, time.process_time() - c0)
    return names, results, elapsed


def write_report(args, names, results, elapsed):
    os.makedirs(args.work_dir, exist_ok=True)
    cmd = 'python tools/analysis_tools/cdcl_benchmark.py ' + ' '.join(
        sys.argv[1:])
    lines = [
        f'Tiny datasets {", ".join(names)} at {args.height}x{2 * args.height} '
        f'(train crops {args.crop}x{args.crop}), PSPNet dilated ResNet-18 '
        f'(16 base channels), {args.iters} iterations, batch {args.batch} per '
        f'dataset, SGD lr {args.lr} poly 0.9, seeds {args.seeds}; mIoU (%) on '
        f'the val split, mean +- std over seeds. {elapsed[0] / 60:.1f} min '
        f'wall, {elapsed[1] / 60:.1f} min CPU, {args.threads} thread(s).', '',
        '| arm | ' + ' | '.join(names) + ' | mean |',
        '|---|' + '---|' * (len(names) + 1)
    ]
    for arm, per in results.items():
        means = [np.mean(per[n]) for n in names]
        cells = [f'{np.mean(per[n]):.2f} +- {np.std(per[n]):.2f}'
                 for n in names]
        lines.append(f'| {arm} | ' + ' | '.join(cells) +
                     f' | {np.mean(means):.2f} |')
    lines += ['', 'Per seed:', '', '| arm | dataset | ' +
              ' | '.join(f'seed {s}' for s in args.seeds) + ' |',
              '|---|---|' + '---|' * len(args.seeds)]
    for arm, per in results.items():
        for n in names:
            lines.append(f'| {arm} | {n} | ' +
                         ' | '.join(f'{v:.2f}' for v in per[n]) + ' |')
    if 'cdcl' in results and 'single' in results:
        wins = sum(
            np.mean(results['cdcl'][n]) > np.mean(results['single'][n])
            for n in names)
        lines += ['', f'CDCL beats single-dataset training on {wins} of '
                  f'{len(names)} datasets (mean over seeds).']
    lines += ['', f'Command: `{cmd}`']
    text = '\n'.join(lines) + '\n'
    with open(osp.join(args.work_dir, 'cdcl_benchmark.md'), 'w') as f:
        f.write(text)
    with open(osp.join(args.work_dir, 'cdcl_benchmark.json'), 'w') as f:
        json.dump(dict(args=vars(args), results=results,
                       wall_s=elapsed[0], cpu_s=elapsed[1]),
                  f, indent=1)
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(6, 3.5))
        width = 0.8 / len(results)
        for k, (arm, per) in enumerate(results.items()):
            xs = np.arange(len(names)) + k * width
            ax.bar(xs, [np.mean(per[n]) for n in names], width,
                   yerr=[np.std(per[n]) for n in names], label=arm)
        ax.set_xticks(np.arange(len(names)) + width * (len(results) - 1) / 2)
        ax.set_xticklabels(names)
        ax.set_ylabel('val mIoU (%)')
        ax.legend()
        fig.tight_layout()
        fig.savefig(osp.join(args.work_dir, 'cdcl_benchmark.png'), dpi=100)
    except ImportError:
        pass
    return text


def main(argv=None):
    args = parse_args(argv)
    names, results, elapsed = run(args)
    print(write_report(args, names, results, elapsed))


if __name__ == '__main__':
    main()
