"""Matching costs and the per-group Hungarian assigner of Obj2Seq (Sec. 3.4).

Each retained (image, class) group is an independent binary set-prediction
problem; the cost is ``2 focal + 5 L1 + 2 (-GIoU)`` for boxes, plus for pose
``40 keypoint-L1 / num_pts - 5 OKS / num_box`` with the class and box terms
divided by ``num_box`` (official ``HungarianMatcher``).
"""
from typing import Dict, Optional

import torch
from mmengine.structures import InstanceData
from scipy.optimize import linear_sum_assignment
from torch import Tensor

from mmdet.models.task_modules.assigners import AssignResult, HungarianAssigner
from mmdet.models.task_modules.assigners.match_cost import BaseMatchCost
from mmdet.registry import TASK_UTILS

from .losses import COCO_KEYPOINT_SIGMAS, keypoint_visibility


@TASK_UTILS.register_module()
class KeypointL1Cost(BaseMatchCost):
    """``weight * sum_j m_j |kp_pred_j - kp_gt_j|_1`` over visible joints.

    ``pred_instances.keypoints`` (N, K, 2) and ``gt_instances.keypoints``
    (M, K, 3) are normalised to the image size. Normaliser key: ``num_pts``.
    """

    normalizer_key = 'num_pts'

    def __call__(self, pred_instances: InstanceData, gt_instances: InstanceData,
                 img_meta: Optional[dict] = None, **kwargs) -> Tensor:
        pred = pred_instances.keypoints
        gt = gt_instances.keypoints
        mask = keypoint_visibility(gt)  # (M, K)
        diff = (pred[:, None] - gt[None, ..., :2]).abs().sum(-1)  # (N, M, K)
        return (diff * mask[None]).sum(-1) * self.weight


@TASK_UTILS.register_module()
class KeypointOKSCost(BaseMatchCost):
    """``-weight * OKS`` with the COCO kernel ``exp(-d^2 / (2 A (2 sigma)^2))``.

    Computed on normalised coordinates with ``A`` the normalised GT box area
    (``gt_instances.areas``), averaged over visible joints. Normaliser: ``num_box``.
    """

    normalizer_key = 'num_box'

    def __init__(self, sigmas=COCO_KEYPOINT_SIGMAS, weight: float = 5.) -> None:
        super().__init__(weight=weight)
        self.sigmas = torch.tensor(sigmas, dtype=torch.float32)

    def __call__(self, pred_instances: InstanceData, gt_instances: InstanceData,
                 img_meta: Optional[dict] = None, **kwargs) -> Tensor:
        return -self.weight * coco_oks(pred_instances.keypoints,
                                       gt_instances.keypoints,
                                       gt_instances.areas, self.sigmas)


def coco_oks(pred: Tensor, gt: Tensor, areas: Tensor, sigmas: Tensor) -> Tensor:
    """Pairwise COCO-kernel OKS, (N, K, 2) x (M, K, 3) -> (N, M).

    ``exp(-d^2 / (2 A (2 sigma)^2))`` averaged over the visible joints of each GT.
    """
    sigmas = sigmas.to(pred)
    mask = keypoint_visibility(gt)
    d2 = ((pred[:, None] - gt[None, ..., :2])**2).sum(-1)  # (N, M, K)
    var = (2 * sigmas)**2
    kernel = torch.exp(-d2 / (2 * areas[None, :, None] * var[None, None] + 1e-15))
    return (kernel * mask[None]).sum(-1) / mask.sum(-1).clamp(min=1)[None]


@TASK_UTILS.register_module()
class Obj2SeqHungarianAssigner(HungarianAssigner):
    """HungarianAssigner whose costs can be divided by batch normalisers.

    ``assign(..., normalizers=dict(num_box=., num_pts=.))`` divides each cost by
    ``normalizers[cost.normalizer_key]`` (``num_box`` for costs without the
    attribute); without ``normalizers`` it equals mmdet's HungarianAssigner.
    """

    def assign(self,
               pred_instances: InstanceData,
               gt_instances: InstanceData,
               img_meta: Optional[dict] = None,
               normalizers: Optional[Dict[str, float]] = None,
               **kwargs) -> AssignResult:
        num_gts = len(gt_instances)
        num_preds = len(pred_instances)
        device = pred_instances.scores.device
        assigned_gt_inds = torch.zeros(num_preds, dtype=torch.long,
                                       device=device)
        assigned_labels = torch.full((num_preds, ), -1, dtype=torch.long,
                                     device=device)
        if num_gts == 0 or num_preds == 0:
            return AssignResult(num_gts, assigned_gt_inds, None,
                                labels=assigned_labels)
        costs = []
        for match_cost in self.match_costs:
            cost = match_cost(pred_instances=pred_instances,
                              gt_instances=gt_instances, img_meta=img_meta)
            if normalizers is not None:
                key = getattr(match_cost, 'normalizer_key', 'num_box')
                cost = cost / normalizers[key]
            costs.append(cost)
        cost = torch.stack(costs).sum(0).detach().cpu()
        row, col = linear_sum_assignment(cost.numpy())
        row = torch.from_numpy(row).to(device)
        col = torch.from_numpy(col).to(device)
        assigned_gt_inds[:] = 0
        assigned_gt_inds[row] = col + 1
        assigned_labels[row] = gt_instances.labels[col]
        return AssignResult(num_gts, assigned_gt_inds, None,
                            labels=assigned_labels)
