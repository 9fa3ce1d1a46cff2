"""Losses of Obj2Seq that mmdet does not provide.

* :class:`Obj2SeqAsymmetricLoss`: the asymmetric loss of the prompt indicator
  (Sec. 3.2 of the paper, multi-label classification of the class prompts).
* :class:`KeypointL1Loss` and :class:`KeypointOKSLoss`: the keypoint terms of the
  pose task (Sec. 3.4 / official ``UnifiedSingleClassCriterion``).

Keypoints are in normalised image coordinates, shape (n, K, 2); targets carry a
third visibility channel, shape (n, K, 3).
"""
from typing import Optional

import torch
import torch.nn as nn
from torch import Tensor

from mmdet.registry import MODELS

#: COCO keypoint sigmas as used by ``pycocotools.cocoeval`` (17 joints).
COCO_KEYPOINT_SIGMAS = (0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079,
                        0.072, 0.072, 0.062, 0.062, 0.107, 0.107, 0.087,
                        0.087, 0.089, 0.089)


def keypoint_visibility(target: Tensor) -> Tensor:
    """Mask of joints that count in the losses: labelled (v > 0) and inside [0, 1].

    Args:
        target (Tensor): (n, K, 3) normalised keypoints with visibility flags.

    Returns:
        Tensor: (n, K) float mask.
    """
    xy = target[..., :2]
    inside = ((xy >= 0) & (xy <= 1)).all(-1)
    return ((target[..., 2] > 0) & inside).float()


@MODELS.register_module()
class Obj2SeqAsymmetricLoss(nn.Module):
    """Asymmetric loss (ASL) of the prompt indicator, official reduction.

    Per class, with p = sigmoid(x): positives ``-(1-p)^g+ log p``, negatives
    ``-p^g- log(1-p)``; the focusing factors are computed without gradient. The
    weighted terms are summed over the batch and classes and divided by the batch
    size, then rescaled by ``B*C / sum(weights)`` (1 for unit weights).

    Args:
        gamma_pos (float): focusing exponent of positives. Defaults to 0.
        gamma_neg (float): focusing exponent of negatives. Defaults to 2.
        clip (float): probability margin added to negatives. Defaults to 0.
        eps (float): clamp of the probabilities inside the log. Defaults to 1e-5.
        loss_weight (float): Defaults to 0.25.
    """

    def __init__(self,
                 gamma_pos: float = 0.,
                 gamma_neg: float = 2.,
                 clip: float = 0.,
                 eps: float = 1e-5,
                 loss_weight: float = 0.25) -> None:
        super().__init__()
        if gamma_pos < 0 or gamma_neg < 0:
            raise ValueError(
                f'gamma_pos={gamma_pos} and gamma_neg={gamma_neg} must be >= 0.')
        self.gamma_pos = gamma_pos
        self.gamma_neg = gamma_neg
        self.clip = clip
        self.eps = eps
        self.loss_weight = loss_weight

    def forward(self,
                logits: Tensor,
                targets: Tensor,
                weights: Optional[Tensor] = None) -> Tensor:
        """Compute the loss.

        Args:
            logits (Tensor): (B, C) presence logits.
            targets (Tensor): (B, C) multi-hot targets.
            weights (Tensor, optional): (B, C) element weights. Defaults to ones.
        """
        if logits.shape != targets.shape:
            raise ValueError(f'logits {tuple(logits.shape)} and targets '
                             f'{tuple(targets.shape)} must have the same shape.')
        targets = targets.to(logits.dtype)
        prob = logits.sigmoid()
        prob_neg = 1 - prob
        if self.clip > 0:
            prob_neg = (prob_neg + self.clip).clamp(max=1)
        loss = targets * torch.log(prob.clamp(min=self.eps)) + \
            (1 - targets) * torch.log(prob_neg.clamp(min=self.eps))
        if self.gamma_pos > 0 or self.gamma_neg > 0:
            with torch.no_grad():
                pt = prob * targets + prob_neg * (1 - targets)
                gamma = self.gamma_pos * targets + self.gamma_neg * (1 - targets)
                focus = torch.pow(1 - pt, gamma)
            loss = loss * focus
        batch_size = logits.size(0)
        if weights is None:
            total = -loss.sum() / batch_size
        else:
            total = -(loss * weights).sum() / batch_size
            total = total * weights.numel() / weights.sum().clamp(min=self.eps)
        return self.loss_weight * total


@MODELS.register_module()
class KeypointL1Loss(nn.Module):
    """L1 loss on visible, in-image joints, summed and divided by ``avg_factor``.

    Args:
        loss_weight (float): Defaults to 40 (official pose coefficient).
    """

    def __init__(self, loss_weight: float = 40.) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, pred: Tensor, target: Tensor,
                avg_factor: float = 1.) -> Tensor:
        """Args: pred (n, K, 2), target (n, K, 3) normalised; avg_factor = num_pts."""
        mask = keypoint_visibility(target)
        loss = ((pred - target[..., :2]).abs() * mask[..., None]).sum()
        return self.loss_weight * loss / avg_factor


def oks_loss_kernel(pred: Tensor, target: Tensor, area: Tensor,
                    sigmas: Tensor) -> Tensor:
    """Official-form OKS per person: mean over visible joints of
    ``exp(-d^2 / (2 A sigma + 1e-15))`` (sigma NOT squared, no factor 2).

    Args:
        pred (Tensor): (n, K, 2); target (Tensor): (n, K, 3); area (Tensor): (n,)
            normalised box area w*h; sigmas (Tensor): (K,).

    Returns:
        Tensor: (n,) OKS; persons without visible joints get 1 (zero loss).
    """
    mask = keypoint_visibility(target)
    d2 = ((pred - target[..., :2])**2).sum(-1)
    kernel = torch.exp(-d2 / (2 * area[:, None] * sigmas[None] + 1e-15))
    num_vis = mask.sum(-1)
    oks = (kernel * mask).sum(-1) / num_vis.clamp(min=1)
    return torch.where(num_vis > 0, oks, torch.ones_like(oks))


@MODELS.register_module()
class KeypointOKSLoss(nn.Module):
    """``1 - OKS`` per matched person (official kernel), summed / ``avg_factor``.

    Args:
        sigmas (tuple[float]): per-joint sigmas. Defaults to the COCO ones.
        loss_weight (float): Defaults to 5.
    """

    def __init__(self, sigmas=COCO_KEYPOINT_SIGMAS,
                 loss_weight: float = 5.) -> None:
        super().__init__()
        self.register_buffer('sigmas', torch.tensor(sigmas, dtype=torch.float32),
                             persistent=False)
        self.loss_weight = loss_weight

    def forward(self, pred: Tensor, target: Tensor, area: Tensor,
                avg_factor: float = 1.) -> Tensor:
        """Args: pred (n, K, 2), target (n, K, 3), area (n,) normalised box areas."""
        if pred.size(1) != self.sigmas.numel():
            raise ValueError(f'{pred.size(1)} keypoints but {self.sigmas.numel()} '
                             'sigmas; pass sigmas= with one value per joint.')
        oks = oks_loss_kernel(pred, target, area, self.sigmas)
        return self.loss_weight * (1 - oks).sum() / avg_factor
