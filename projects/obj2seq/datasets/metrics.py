"""Metrics of Obj2Seq missing from mmdet 3: COCO keypoint AP and multi-label mAP."""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.fileio import get_local_path
from mmengine.logging import MMLogger

from mmdet.registry import METRICS


@METRICS.register_module()
class CocoKeypointMetric(BaseMetric):
    """COCO keypoint AP (pycocotools ``COCOeval``, iouType 'keypoints') and box AP.

    Predictions need ``pred_instances.keypoints`` (n, K, 2) in original-image
    pixels, ``bboxes`` (xyxy), ``scores`` and ``labels``.

    Args:
        ann_file (str): the ``person_keypoints_*.json`` ground truth.
        with_bbox (bool): also report box AP. Defaults to True.
    """

    default_prefix: Optional[str] = 'coco'

    def __init__(self, ann_file: str, with_bbox: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.ann_file = ann_file
        self.with_bbox = with_bbox

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred = sample['pred_instances']
            if 'keypoints' not in pred:
                raise KeyError('CocoKeypointMetric needs pred_instances.keypoints; '
                               'use a model with a keypoint head.')
            self.results.append(dict(
                img_id=sample['img_id'],
                bboxes=pred['bboxes'].cpu().numpy(),
                scores=pred['scores'].cpu().numpy(),
                labels=pred['labels'].cpu().numpy(),
                keypoints=pred['keypoints'].cpu().numpy()))

    @staticmethod
    def to_coco_results(results: List[dict], cat_ids: List[int]):
        """Per-detection COCO result dicts for keypoints and boxes."""
        kpt_res, box_res = [], []
        for res in results:
            for box, score, label, kpts in zip(res['bboxes'], res['scores'],
                                               res['labels'], res['keypoints']):
                xywh = [float(box[0]), float(box[1]), float(box[2] - box[0]),
                        float(box[3] - box[1])]
                flat = np.concatenate(
                    [kpts[:, :2], np.ones((len(kpts), 1))], 1).reshape(-1)
                common = dict(image_id=int(res['img_id']),
                              category_id=int(cat_ids[int(label)]),
                              score=float(score))
                kpt_res.append(dict(common, keypoints=flat.tolist()))
                box_res.append(dict(common, bbox=xywh))
        return kpt_res, box_res

    def compute_metrics(self, results: list) -> Dict[str, float]:
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
        logger = MMLogger.get_current_instance()
        with get_local_path(self.ann_file) as local_path:
            coco_gt = COCO(local_path)
        cat_ids = coco_gt.getCatIds(catNms=list(
            self.dataset_meta.get('classes', ('person', ))))
        img_ids = [int(r['img_id']) for r in results]
        kpt_res, box_res = self.to_coco_results(results, cat_ids)
        names = ['mAP', 'mAP_50', 'mAP_75', 'mAP_m', 'mAP_l']
        metrics = OrderedDict()
        tasks = [('keypoints', kpt_res)]
        if self.with_bbox:
            tasks.append(('bbox', box_res))
        for iou_type, res in tasks:
            if not res:
                logger.warning(f'no {iou_type} predictions; AP is 0.')
                for n in names:
                    metrics[f'{iou_type}_{n}'] = 0.
                continue
            coco_dt = coco_gt.loadRes(res)
            coco_eval = COCOeval(coco_gt, coco_dt, iou_type)
            coco_eval.params.imgIds = img_ids
            coco_eval.evaluate()
            coco_eval.accumulate()
            coco_eval.summarize()
            stats = coco_eval.stats
            picks = [0, 1, 2, 3, 4] if iou_type == 'keypoints' else \
                [0, 1, 2, 4, 5]
            for n, i in zip(names, picks):
                metrics[f'{iou_type}_{n}'] = round(float(stats[i]), 4)
        return metrics


def voc_average_precision(scores: np.ndarray, targets: np.ndarray) -> float:
    """All-point interpolated AP of one class (VOC 2010+ style).

    Args:
        scores (np.ndarray): (n,) confidences; targets (np.ndarray): (n,) 0/1.
    """
    order = np.argsort(-scores, kind='stable')
    tp = targets[order].astype(np.float64)
    num_pos = tp.sum()
    if num_pos == 0:
        return float('nan')
    tp_cum = np.cumsum(tp)
    recall = tp_cum / num_pos
    precision = tp_cum / np.arange(1, len(tp) + 1)
    mrec = np.concatenate([[0.], recall, [1.]])
    mpre = np.concatenate([[0.], precision, [0.]])
    for i in range(len(mpre) - 2, -1, -1):
        mpre[i] = max(mpre[i], mpre[i + 1])
    idx = np.where(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[idx + 1] - mrec[idx]) * mpre[idx + 1]))


@METRICS.register_module()
class MultiLabelMAPMetric(BaseMetric):
    """Multi-label mAP of the prompt indicator: VOC all-point AP per class,
    averaged over the classes that have positives, x100.

    Scores come from ``multilabel_scores`` (C,) of each data sample; targets are
    the classes of ``gt_instances`` and ``ignored_instances`` (crowd) labels.
    """

    default_prefix: Optional[str] = 'multi-label'

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'multilabel_scores' not in sample:
                raise KeyError('MultiLabelMAPMetric needs multilabel_scores in '
                               'the data samples; use a model with a prompt '
                               'indicator.')
            scores = sample['multilabel_scores'].cpu().numpy()
            target = np.zeros_like(scores)
            labels = [sample['gt_instances']['labels'].cpu().numpy()]
            if 'ignored_instances' in sample and \
                    'labels' in sample['ignored_instances']:
                labels.append(sample['ignored_instances']['labels'].cpu().numpy())
            target[np.concatenate(labels).astype(np.int64)] = 1
            self.results.append((scores, target))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        scores = np.stack([r[0] for r in results])
        targets = np.stack([r[1] for r in results])
        aps = [voc_average_precision(scores[:, c], targets[:, c])
               for c in range(scores.shape[1])]
        aps = [ap for ap in aps if not np.isnan(ap)]
        return dict(mAP=round(100. * float(np.mean(aps)), 2) if aps else 0.)
