"""The three UniVIP objectives (CVPR 2022, loss equations; spec section 1.5).

Notation: online outputs pass through the predictor (``p`` for scenes, ``o`` for
instances); target outputs are EMA projections (``t``) and never receive gradients.
Each loss uses BYOL's negative cosine ``L(x, y) = -<x, y> / (||x|| ||y||)``, averaged
over the batch, so the scene-scene term times 2 is mmpretrain's BYOL loss.
"""
from typing import Callable, Optional

import torch
import torch.nn.functional as F

from .sinkhorn import SinkhornOT

OT_WEIGHT_MODES = ('scene', 'uniform')


def negative_cosine(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Batch mean of ``-cos(pred, target)`` for (B, d) features."""
    return -(F.normalize(pred, dim=-1) * F.normalize(target, dim=-1)).sum(-1).mean()


def scene_scene_loss(p1: torch.Tensor, p2: torch.Tensor, t1: torch.Tensor,
                     t2: torch.Tensor,
                     loss_fn: Callable = negative_cosine) -> torch.Tensor:
    """L_scene = L(s1, s2) + L(s2, s1): online predictions (B, d) of each scene view
    against the target projection (B, d) of the other view."""
    return loss_fn(p1, t2.detach()) + loss_fn(p2, t1.detach())


def scene_instance_loss(fused: torch.Tensor, t1: torch.Tensor, t2: torch.Tensor,
                        loss_fn: Callable = negative_cosine) -> torch.Tensor:
    """L_scene-instance = L_affinity(s1, I) + L_affinity(s2, I).

    ``fused`` (B, d) is ``I = f_linear(concat(o_1..o_K))``; ``t1``, ``t2`` (B, d) are
    the target projections of the two scene views.
    """
    return loss_fn(fused, t1.detach()) + loss_fn(fused, t2.detach())


def instance_weights(instances: torch.Tensor,
                     scene_a: torch.Tensor,
                     scene_b: torch.Tensor) -> torch.Tensor:
    """OT marginal weights ``max{x_k^T (f_a + f_b) / 2, 0}`` of (B, K, d) instances
    against the mean of two (B, d) scene outputs of the other network; (B, K)."""
    scene = (scene_a + scene_b) / 2
    return torch.einsum('bkd,bd->bk', instances, scene).clamp(min=0)


def instance_instance_loss(online: torch.Tensor, target: torch.Tensor,
                           online_scenes: tuple, target_scenes: tuple,
                           solver: Optional[SinkhornOT] = None,
                           weights: str = 'scene') -> torch.Tensor:
    """L_instance = -sum_mn cos(o_m, t_n) Y~_mn, batch mean (instance-instance equation).

    Cost ``c_mn = 1 - cos(o_m, t_n)``; supplier (row) weights
    ``b_m = max{o_m^T (f_t1 + f_t2)/2, 0}`` from the target scene projections,
    demander (column) weights ``a_n = max{t_n^T (f_o1 + f_o2)/2, 0}`` from the online
    scene predictions. The plan ``Y~`` is a constant (computed without gradients), so
    gradients reach only the cosine matrix, never ``a`` or ``b``.

    Args:
        online (Tensor): (B, K, d) online instance predictions o.
        target (Tensor): (B, K, d) target instance projections t.
        online_scenes (tuple[Tensor]): (f_o1, f_o2), each (B, d).
        target_scenes (tuple[Tensor]): (f_t1, f_t2), each (B, d).
        solver (SinkhornOT, optional): Defaults to ``SinkhornOT()`` (eps 0.1,
            50 iterations, unit mass).
        weights (str): 'scene' (the paper's weights) or 'uniform' (1/K on both
            sides; the ablation arm).
    """
    if weights not in OT_WEIGHT_MODES:
        raise ValueError(f'ot_weights={weights!r} is not one of {OT_WEIGHT_MODES}.')
    solver = SinkhornOT() if solver is None else solver
    target = target.detach()
    cosine = torch.einsum('bmd,bnd->bmn', F.normalize(online, dim=-1),
                          F.normalize(target, dim=-1))
    with torch.no_grad():
        if weights == 'scene':
            row = instance_weights(online.detach(), *[t.detach() for t in target_scenes])
            col = instance_weights(target, *[p.detach() for p in online_scenes])
        else:
            row = torch.ones(online.shape[:2], device=online.device)
            col = torch.ones(target.shape[:2], device=target.device)
        plan = solver(1 - cosine.detach(), row, col)
    return -(cosine * plan).sum(dim=(1, 2)).mean()
