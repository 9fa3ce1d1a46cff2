"""Obj2Seq in miniature on a synthetic "shapes" set (spec section 6b).

Measures, over several seeds, at an equal training budget:
  (a) multi-label mAP of the prompt indicator;
  (b) box AP (pycocotools) of the sequence head vs a parallel MLP head;
  (c) class-conditioned inference: restricting the prompts to a subset yields only
      those classes; recall drops when K < number of present classes;
  (d) keypoint AP (pycocotools OKS) of the sequence vs the parallel keypoint head.

Example::

    python tools/analysis_tools/obj2seq_benchmark.py --work-dir work_dirs/obj2seq_bench

Writes ``results.md`` (table), ``results.json`` and ``results.png`` to the work dir.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

import cv2
import numpy as np
import torch
from tqdm import tqdm

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
import projects  # noqa: E402,F401
import projects.obj2seq  # noqa: E402,F401
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.structures import InstanceData  # noqa: E402

from mmdet.registry import MODELS  # noqa: E402
from mmdet.structures import DetDataSample  # noqa: E402
from projects.obj2seq.datasets.metrics import voc_average_precision  # noqa: E402

COLOURS = ((220, 40, 40), (40, 200, 40), (40, 80, 230))
SHAPES = ('square', 'triangle')
NUM_CLASSES = len(COLOURS) * len(SHAPES)
KPT_SIGMAS = (0.05, 0.05, 0.05, 0.05)


def make_shapes(num_images, size, rng, max_objects=3):
    """Images (H, W, 3) uint8 and per-image (boxes xyxy, labels, keypoints (n, 4, 3)).

    Keypoints: the 4 corners of a square; the 3 vertices + centroid of a triangle.
    """
    data = []
    for _ in range(num_images):
        img = np.full((size, size, 3), 235, np.uint8)
        img += rng.randint(0, 15, img.shape).astype(np.uint8)
        boxes, labels, kpts = [], [], []
        for _ in range(rng.randint(1, max_objects + 1)):
            colour, shape = rng.randint(len(COLOURS)), rng.randint(len(SHAPES))
            s = rng.randint(size // 6, size // 3)
            x, y = rng.randint(0, size - s), rng.randint(0, size - s)
            if shape == 0:
                pts = np.array([[x, y], [x + s, y], [x + s, y + s], [x, y + s]])
                kp = pts
            else:
                pts = np.array([[x + s / 2, y], [x + s, y + s], [x, y + s]])
                kp = np.concatenate([pts, pts.mean(0, keepdims=True)])
            cv2.fillPoly(img, [pts.round().astype(np.int32)], COLOURS[colour])
            boxes.append([x, y, x + s, y + s])
            labels.append(colour * len(SHAPES) + shape)
            kpts.append(np.concatenate([kp, np.full((4, 1), 2.)], 1))
        data.append((img, np.array(boxes, np.float32), np.array(labels),
                     np.array(kpts, np.float32)))
    return data


def model_cfg(pose, predictor, topk=3, d=32):
    levels = 2
    cfg = dict(
        type='Obj2Seq', num_queries=10, num_feature_levels=levels,
        data_preprocessor=dict(type='DetDataPreprocessor',
                               mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], bgr_to_rgb=False),
        backbone=dict(type='ResNet', depth=18, base_channels=16, num_stages=4,
                      out_indices=(1, 2), norm_cfg=dict(type='BN'),
                      style='pytorch'),
        neck=dict(type='ChannelMapper', in_channels=[32, 64], kernel_size=1,
                  out_channels=d, act_cfg=None,
                  norm_cfg=dict(type='GN', num_groups=8), num_outs=levels),
        encoder=dict(num_layers=1, layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=d, num_heads=4, num_levels=levels,
                               num_points=2, dropout=0., batch_first=True),
            ffn_cfg=dict(embed_dims=d, feedforward_channels=2 * d,
                         ffn_drop=0.))),
        decoder=dict(num_layers=2, return_intermediate=True, layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=d, num_heads=4, dropout=0.,
                               batch_first=True),
            cross_attn_cfg=dict(embed_dims=d, num_heads=4, num_levels=levels,
                                num_points=2, dropout=0., batch_first=True),
            ffn_cfg=dict(embed_dims=d, feedforward_channels=2 * d,
                         ffn_drop=0.)), post_norm_cfg=None),
        positional_encoding=dict(num_feats=d // 2, normalize=True, offset=-0.5),
        indicator=None if pose else dict(
            type='PromptIndicator', num_blocks=1, num_heads=4, ffn_dims=2 * d,
            retain_topk=topk),
        bbox_head=dict(
            type='Obj2SeqHead', num_classes=1 if pose else NUM_CLASSES,
            embed_dims=d, num_heads=4, num_levels=levels, num_points=2,
            num_keypoints=4 if pose else 0, predictor=predictor,
            classifier_layers=1 if pose else 2,
            combine='none' if pose else 'multiple',
            loss_keypoint=dict(type='KeypointL1Loss', loss_weight=40.),
            loss_oks=dict(type='KeypointOKSLoss', sigmas=KPT_SIGMAS,
                          loss_weight=5.)),
        train_cfg=dict(assigner=dict(
            type='Obj2SeqHungarianAssigner',
            match_costs=[dict(type='FocalLossCost', weight=2.0),
                         dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
                         dict(type='IoUCost', iou_mode='giou', weight=2.0)] +
            ([dict(type='KeypointL1Cost', weight=40.),
              dict(type='KeypointOKSCost', sigmas=KPT_SIGMAS, weight=5.)]
             if pose else []))),
        test_cfg=dict(max_per_img=30))
    return cfg


def to_batch(model, items, pose, training):
    inputs, samples = [], []
    for idx, (img, boxes, labels, kpts) in items:
        h, w = img.shape[:2]
        inputs.append(torch.from_numpy(img).permute(2, 0, 1).contiguous())
        s = DetDataSample(metainfo=dict(
            img_id=idx, img_shape=(h, w), ori_shape=(h, w),
            scale_factor=(1., 1.)))
        gt = InstanceData(bboxes=torch.from_numpy(boxes),
                          labels=torch.from_numpy(
                              np.zeros_like(labels) if pose else labels).long())
        if pose:
            gt.keypoints = torch.from_numpy(kpts)
        s.gt_instances = gt
        samples.append(s)
    return model.data_preprocessor(dict(inputs=inputs, data_samples=samples),
                                   training)


def train(model, data, pose, iters, batch_size, rng, desc):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, [int(iters * 0.8)], 0.1)
    model.train()
    for _ in tqdm(range(iters), desc=desc, leave=False):
        idx = rng.choice(len(data), batch_size, replace=False)
        batch = to_batch(model, [(i, data[i]) for i in idx], pose, True)
        losses = model(**batch, mode='loss')
        loss = sum(v for v in losses.values())
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()


@torch.no_grad()
def predict(model, data, pose, batch_size=16):
    model.eval()
    outs = []
    for start in range(0, len(data), batch_size):
        items = [(i, data[i]) for i in range(start,
                                              min(len(data), start + batch_size))]
        outs += model(**to_batch(model, items, pose, False), mode='predict')
    return outs


def coco_ap(data, outs, pose, iou_type):
    """pycocotools AP of predictions on the synthetic set."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    images, anns, dets = [], [], []
    for idx, (img, boxes, labels, kpts) in enumerate(data):
        images.append(dict(id=idx, width=img.shape[1], height=img.shape[0]))
        for b, lab, kp in zip(boxes, labels, kpts):
            w, h = b[2] - b[0], b[3] - b[1]
            anns.append(dict(id=len(anns) + 1, image_id=idx, iscrowd=0,
                             category_id=0 if pose else int(lab),
                             bbox=[float(b[0]), float(b[1]), float(w), float(h)],
                             area=float(w * h), num_keypoints=4,
                             keypoints=kp.reshape(-1).tolist()))
    for idx, out in enumerate(outs):
        p = out.pred_instances
        for k in range(len(p)):
            b = p.bboxes[k].tolist()
            det = dict(image_id=idx, category_id=int(p.labels[k]),
                       score=float(p.scores[k]),
                       bbox=[b[0], b[1], b[2] - b[0], b[3] - b[1]])
            if iou_type == 'keypoints':
                kp = p.keypoints[k].numpy()
                det['keypoints'] = np.concatenate(
                    [kp, np.ones((len(kp), 1))], 1).reshape(-1).tolist()
            dets.append(det)
    cats = [dict(id=c, name=str(c)) for c in range(1 if pose else NUM_CLASSES)]
    gt = COCO()
    gt.dataset = dict(images=images, annotations=anns, categories=cats)
    gt.createIndex()
    if not dets:
        return 0.
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):
        ev = COCOeval(gt, gt.loadRes(dets), iou_type)
        if iou_type == 'keypoints':
            ev.params.kpt_oks_sigmas = np.array(KPT_SIGMAS)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return 100. * max(float(ev.stats[0]), 0.)


def multilabel_map(data, outs):
    scores = np.stack([o.multilabel_scores.numpy() for o in outs])
    targets = np.zeros_like(scores)
    for i, (_, _, labels, _) in enumerate(data):
        targets[i, labels] = 1
    aps = [voc_average_precision(scores[:, c], targets[:, c])
           for c in range(scores.shape[1])]
    return 100. * float(np.nanmean(aps))


def recall(data, outs, iou_thr=0.5):
    """Fraction of GT boxes found by a same-class prediction with IoU >= 0.5."""
    from mmdet.structures.bbox import bbox_overlaps
    hit = total = 0
    for (_, boxes, labels, _), out in zip(data, outs):
        p = out.pred_instances
        ious = bbox_overlaps(torch.from_numpy(boxes), p.bboxes)
        same = torch.from_numpy(labels)[:, None] == p.labels[None]
        hit += int(((ious >= iou_thr) & same).any(1).sum())
        total += len(boxes)
    return 100. * hit / max(total, 1)


def run(args):
    init_default_scope('mmdet')
    torch.set_num_threads(1)
    rows = {k: [] for k in ('ml_map', 'seq_ap', 'par_ap', 'subset_only',
                            'recall_k3', 'recall_k1', 'seq_kp_ap', 'par_kp_ap',
                            'seq_pose_box_ap', 'par_pose_box_ap')}
    t0 = time.time()
    for seed in range(args.seeds):
        rng = np.random.RandomState(seed)
        train_set = make_shapes(args.train_images, args.size, rng)
        val_set = make_shapes(args.val_images, args.size, rng)
        for pose in (False, True):
            for predictor in ('sequence', 'parallel'):
                torch.manual_seed(seed)
                model = MODELS.build(model_cfg(pose, predictor))
                model.init_weights()
                train(model, train_set, pose, args.iters, args.batch_size,
                      np.random.RandomState(seed + 100),
                      f'seed {seed} {"pose" if pose else "det"} {predictor}')
                outs = predict(model, val_set, pose)
                tag = 'seq' if predictor == 'sequence' else 'par'
                if pose:
                    rows[f'{tag}_kp_ap'].append(
                        coco_ap(val_set, outs, True, 'keypoints'))
                    rows[f'{tag}_pose_box_ap'].append(
                        coco_ap(val_set, outs, True, 'bbox'))
                    continue
                rows[f'{tag}_ap'].append(coco_ap(val_set, outs, False, 'bbox'))
                if predictor != 'sequence':
                    continue
                rows['ml_map'].append(multilabel_map(val_set, outs))
                rows['recall_k3'].append(recall(val_set, outs))
                subset = [0, 1, 2]
                model.test_cfg['class_subset'] = subset
                sub_outs = predict(model, val_set, pose)
                labels = torch.cat([o.pred_instances.labels for o in sub_outs])
                rows['subset_only'].append(
                    100. * float(np.isin(labels.numpy(), subset).mean()))
                model.test_cfg['class_subset'] = None
                model.prompt_indicator.retain_topk = 1
                multi = [i for i, d in enumerate(val_set)
                         if len(set(d[2].tolist())) > 1]
                outs_k1 = predict(model, [val_set[i] for i in multi], pose)
                rows['recall_k1'].append(
                    recall([val_set[i] for i in multi], outs_k1))
                model.prompt_indicator.retain_topk = 3
                outs_k3 = predict(model, [val_set[i] for i in multi], pose)
                rows['recall_k3'][-1] = recall([val_set[i] for i in multi],
                                               outs_k3)
    rows['minutes'] = (time.time() - t0) / 60
    return rows


def write(rows, args):
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(rows, f, indent=1)

    def ms(key):
        v = np.array(rows[key])
        return f'{v.mean():.1f} ± {v.std():.1f}'

    lines = [
        f'Synthetic shapes ({NUM_CLASSES} classes = 3 colours x 2 shapes, '
        f'{args.size} px, {args.train_images} train / {args.val_images} val '
        f'images), {args.iters} iterations x batch {args.batch_size}, '
        f'{args.seeds} seeds (mean ± std), CPU, {rows["minutes"]:.1f} min.',
        '',
        '| measurement | value |',
        '| --- | --- |',
        f'| (a) indicator multi-label mAP | {ms("ml_map")} |',
        f'| (b) box AP, sequence head | {ms("seq_ap")} |',
        f'| (b) box AP, parallel MLP head | {ms("par_ap")} |',
        f'| (c) % detections inside a 3-class prompt subset | '
        f'{ms("subset_only")} |',
        f'| (c) recall@0.5, images with >= 2 classes, K=3 | {ms("recall_k3")} |',
        f'| (c) recall@0.5, images with >= 2 classes, K=1 | {ms("recall_k1")} |',
        f'| (d) keypoint AP (OKS), sequence head | {ms("seq_kp_ap")} |',
        f'| (d) keypoint AP (OKS), parallel MLP head | {ms("par_kp_ap")} |',
        f'| (d) pose-model box AP, sequence / parallel | {ms("seq_pose_box_ap")}'
        f' / {ms("par_pose_box_ap")} |',
    ]
    text = '\n'.join(lines) + '\n'
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(text)
    print(text)
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        keys = ['seq_ap', 'par_ap', 'seq_kp_ap', 'par_kp_ap']
        names = ['box seq', 'box par', 'kpt seq', 'kpt par']
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.bar(names, [np.mean(rows[k]) for k in keys],
               yerr=[np.std(rows[k]) for k in keys], capsize=4)
        ax.set_ylabel('AP')
        ax.set_title('Obj2Seq heads on synthetic shapes')
        fig.tight_layout()
        fig.savefig(osp.join(args.work_dir, 'results.png'), dpi=100)
    except ImportError:
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/obj2seq_benchmark')
    parser.add_argument('--seeds', type=int, default=3)
    parser.add_argument('--iters', type=int, default=300)
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--train-images', type=int, default=512)
    parser.add_argument('--val-images', type=int, default=64)
    parser.add_argument('--size', type=int, default=96)
    args = parser.parse_args()
    write(run(args), args)


if __name__ == '__main__':
    main()
