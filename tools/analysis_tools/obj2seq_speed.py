"""CPU inference latency and training step time: Obj2Seq vs mmdet's Deformable DETR.

Both models are built from their full configs (same ResNet-50 backbone, same input),
without pretrained weights, and timed in one run on one CPU thread.

Example::

    python tools/analysis_tools/obj2seq_speed.py --work-dir work_dirs/obj2seq_speed
"""
import argparse
import os
import os.path as osp
import sys
import time

import torch
from tqdm import tqdm

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
import projects  # noqa: E402,F401
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.structures import InstanceData  # noqa: E402

from mmdet.registry import MODELS  # noqa: E402
from mmdet.structures import DetDataSample  # noqa: E402

CONFIGS = {
    'Deformable DETR (mmdet)': 'configs/obj2seq/deformable-detr_r50_16xb2-50e_coco.py',
    'Obj2Seq': 'configs/obj2seq/obj2seq_r50_8xb1-50e_coco.py',
}


def batch(model, size, training):
    sample = DetDataSample(metainfo=dict(img_shape=(size, size),
                                         ori_shape=(size, size),
                                         scale_factor=(1., 1.)))
    sample.gt_instances = InstanceData(
        bboxes=torch.tensor([[10., 20., 120., 200.], [150., 40., 300., 160.],
                             [30., 30., 90., 90.]]),
        labels=torch.tensor([0, 2, 0]))
    img = torch.randint(0, 255, (3, size, size), dtype=torch.uint8)
    return model.data_preprocessor(dict(inputs=[img], data_samples=[sample]),
                                   training)


def measure(path, size, warmup, runs):
    cfg = Config.fromfile(path)
    cfg.model.backbone.init_cfg = None
    if cfg.get('custom_imports'):
        __import__(cfg.custom_imports['imports'][0])
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    params = sum(p.numel() for p in model.parameters()) / 1e6
    model.eval()
    data = batch(model, size, False)
    with torch.no_grad():
        for i in tqdm(range(warmup + runs), desc=f'infer {osp.basename(path)}',
                      leave=False):
            if i == warmup:
                t0 = time.perf_counter()
            model(**data, mode='predict')
    infer = (time.perf_counter() - t0) / runs
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)
    data = batch(model, size, True)
    for i in tqdm(range(warmup + runs), desc=f'train {osp.basename(path)}',
                  leave=False):
        if i == warmup:
            t0 = time.perf_counter()
        losses = model(**data, mode='loss')
        opt.zero_grad()
        sum(losses.values()).backward()
        opt.step()
    step = (time.perf_counter() - t0) / runs
    return params, infer, step


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/obj2seq_speed')
    parser.add_argument('--size', type=int, default=320)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    init_default_scope('mmdet')
    results = {name: measure(path, args.size, args.warmup, args.runs)
               for name, path in CONFIGS.items()}
    base = results['Deformable DETR (mmdet)']
    lines = [
        f'CPU ({args.threads} thread), one {args.size}x{args.size} image, '
        f'ResNet-50 without pretrained weights, mean of {args.runs} runs after '
        f'{args.warmup} warm-up.', '',
        '| model | params (M) | inference (s) | train step (s) | '
        'inference ratio | train ratio |', '| --- | --- | --- | --- | --- | --- |'
    ]
    for name, (params, infer, step) in results.items():
        lines.append(f'| {name} | {params:.1f} | {infer:.3f} | {step:.3f} | '
                     f'{infer / base[1]:.2f} | {step / base[2]:.2f} |')
    text = '\n'.join(lines) + '\n'
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'speed.md'), 'w') as f:
        f.write(text)
    print(text)


if __name__ == '__main__':
    main()
