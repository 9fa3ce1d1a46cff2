"""Masked-then-alignment objective of MAC: symmetric InfoNCE over the global batch.

MAC (arXiv 2212.00986, Sec. 1.5 of our spec) aligns the masked video and masked caption
embeddings with Frozen in Time's ``NormSoftmaxLoss``: with unit vectors ``z_t``, ``z_v`` and
``S_ij = z_t,i . z_v,j``,

    L = -1/B sum_i log softmax_j(S_ij / tau)[i]  -  1/B sum_j log softmax_i(S_ij / tau)[j],

the SUM of the text-to-video and video-to-text terms with a fixed ``tau = 0.05`` (official
behaviour, ``reduction='sum'``). ``reduction='mean'`` halves it (mmaction2's CLIPSimilarity
weighting); ``learnable_temperature=True`` learns ``log(1 / tau)`` as CLIP does.
"""
import math

import torch
import torch.distributed as torch_dist
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import all_gather, get_rank, get_world_size

from mmaction.registry import MODELS


class GatherLayer(torch.autograd.Function):
    """All-gather with gradient: the backward sums the gradients of every rank.

    Every rank computes the loss over the whole gathered batch, so the gradient of a local
    embedding is the sum of the per-rank gradients (an all-reduce), which makes one DDP step
    equal to a step on the global-batch loss (Frozen's DataParallel). mmaction2's
    ``GatherLayer`` keeps only the local gradient, which scales the step by 1 / world size.
    With one process it is the identity.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor):
        return tuple(all_gather(x))

    @staticmethod
    def backward(ctx, *grads: torch.Tensor):
        stacked = torch.stack(grads)
        if get_world_size() > 1:
            torch_dist.all_reduce(stacked)
        return stacked[get_rank()]


def gather_with_grad(x: torch.Tensor) -> torch.Tensor:
    """Concatenate ``x`` (B, D) of all ranks along the batch axis, differentiably."""
    if get_world_size() == 1:
        return x
    return torch.cat(GatherLayer.apply(x), 0)


@MODELS.register_module()
class MACContrastiveLoss(nn.Module):
    """Symmetric InfoNCE on a text-video cosine similarity matrix.

    Args:
        temperature (float): tau (0.05, fixed in Frozen / MAC).
        reduction (str): ``'sum'`` of both directions (official) or ``'mean'``.
        learnable_temperature (bool): learn ``log(1 / tau)`` (CLIP); False keeps tau fixed.
        loss_weight (float): multiplies the loss.
    """

    def __init__(self, temperature: float = 0.05, reduction: str = 'sum',
                 learnable_temperature: bool = False,
                 loss_weight: float = 1.0):
        super().__init__()
        if reduction not in ('sum', 'mean'):
            raise ValueError(f"reduction={reduction!r} is unknown; use 'sum' "
                             "(Frozen / MAC) or 'mean' (CLIP)")
        if temperature <= 0:
            raise ValueError(f'temperature={temperature} must be > 0; MAC uses '
                             '0.05')
        self.reduction = reduction
        self.loss_weight = loss_weight
        log_scale = torch.tensor(math.log(1.0 / temperature))
        if learnable_temperature:
            self.log_scale = nn.Parameter(log_scale)
        else:
            self.register_buffer('log_scale', log_scale, persistent=False)

    def forward(self, similarity: torch.Tensor) -> dict:
        """Loss of a (B, B) matrix ``S[i, j] = z_t,i . z_v,j``; the positives are the diagonal.

        Returns:
            dict: ``loss_t2v`` and ``loss_v2t``, whose sum is the objective.
        """
        if similarity.ndim != 2 or similarity.shape[0] != similarity.shape[1]:
            raise ValueError('the similarity matrix must be square (B, B), got '
                             f'{tuple(similarity.shape)}')
        logits = similarity * self.log_scale.exp()
        target = torch.arange(logits.shape[0], device=logits.device)
        weight = self.loss_weight * (0.5 if self.reduction == 'mean' else 1.0)
        return dict(
            loss_t2v=weight * F.cross_entropy(logits, target),
            loss_v2t=weight * F.cross_entropy(logits.t(), target))
