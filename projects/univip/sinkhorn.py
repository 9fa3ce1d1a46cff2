"""Batched log-domain Sinkhorn-Knopp for UniVIP's instance-instance transport (spec 1.5-1.6).

UniVIP (CVPR 2022, instance-instance term) weights instance pairs by the optimal-transport plan
``Y~ = argmin_Y sum_mn c_mn Y_mn`` subject to row sums ``b`` (online instances,
suppliers) and column sums ``a`` (target instances, demanders), solved with the
entropic Sinkhorn-Knopp iteration of OTA (eps 0.1, 50 iterations). The solver works
on log potentials so ``exp(-C / eps)`` never underflows.

Mass balance (not stated in the paper): ``a`` and ``b`` generally have different
totals, and plain Sinkhorn then satisfies only the marginal updated last. Both are
therefore normalised to the same total first (:func:`normalise_marginals`).
"""
import torch
import torch.nn as nn
from mmpretrain.registry import MODELS

MASS_MODES = ('unit', 'K')


def normalise_marginals(weights: torch.Tensor, mass: str = 'unit',
                        floor: float = 1e-6) -> torch.Tensor:
    """Rescale non-negative weights (B, K) to a common total per row.

    Each entry is floored at ``floor`` and the row renormalised; a row that is all
    zero becomes uniform. ``mass='unit'`` gives total 1 (L_instance stays in
    [-1, 1]), ``mass='K'`` total K (DeepEMD's convention).
    """
    if mass not in MASS_MODES:
        raise ValueError(f'ot_mass={mass!r} is not one of {MASS_MODES}; use '
                         "'unit' (default) or 'K'.")
    weights = weights.clamp(min=0)
    total = weights.sum(dim=-1, keepdim=True)
    uniform = torch.full_like(weights, 1.0 / weights.shape[-1])
    weights = torch.where(total > 0, weights / total.clamp(min=1e-12), uniform)
    weights = weights.clamp(min=floor)
    weights = weights / weights.sum(dim=-1, keepdim=True)
    if mass == 'K':
        weights = weights * weights.shape[-1]
    return weights


def log_sinkhorn(cost: torch.Tensor, row_marginal: torch.Tensor,
                 col_marginal: torch.Tensor, eps: float = 0.1,
                 num_iters: int = 50) -> torch.Tensor:
    """Entropic OT plan for a batch of problems, in log space.

    Same fixed point as POT's ``ot.sinkhorn(row_marginal, col_marginal, cost, eps)``:
    ``Y = diag(u) exp(-C / eps) diag(v)``, updating ``v`` then ``u`` each iteration,
    so the row marginal is met exactly after the last step.

    Args:
        cost (Tensor): (B, M, N) cost matrices.
        row_marginal (Tensor): (B, M) positive row sums (b, online instances).
        col_marginal (Tensor): (B, N) positive column sums (a, target instances),
            with the same total as ``row_marginal``.
        eps (float): Entropic regularisation. Defaults to 0.1 (OTA).
        num_iters (int): Sinkhorn iterations. Defaults to 50 (OTA).

    Returns:
        Tensor: (B, M, N) transport plans.
    """
    if eps <= 0:
        raise ValueError(f'Sinkhorn eps={eps} must be positive (OTA uses 0.1).')
    if num_iters < 1:
        raise ValueError(f'Sinkhorn num_iters={num_iters} must be >= 1 (OTA uses 50).')
    log_kernel = -cost / eps
    log_row = row_marginal.log()
    log_col = col_marginal.log()
    log_u = torch.zeros_like(log_row)
    log_v = torch.zeros_like(log_col)
    for _ in range(num_iters):
        log_v = log_col - torch.logsumexp(log_kernel + log_u.unsqueeze(-1), dim=-2)
        log_u = log_row - torch.logsumexp(log_kernel + log_v.unsqueeze(-2), dim=-1)
    return torch.exp(log_u.unsqueeze(-1) + log_kernel + log_v.unsqueeze(-2))


@MODELS.register_module()
class SinkhornOT(nn.Module):
    """Entropic transport plan between online and target instances (UniVIP instance-instance term).

    Args:
        eps (float): Entropic regularisation. Defaults to 0.1 [INF, OTA default].
        num_iters (int): Iterations. Defaults to 50 [INF, OTA default].
        mass (str): Total mass of both marginals, 'unit' (default) or 'K' [INF].
    """

    def __init__(self, eps: float = 0.1, num_iters: int = 50,
                 mass: str = 'unit') -> None:
        super().__init__()
        if mass not in MASS_MODES:
            raise ValueError(f'SinkhornOT mass={mass!r} is not one of {MASS_MODES}.')
        if eps <= 0 or num_iters < 1:
            raise ValueError(f'SinkhornOT eps={eps}, num_iters={num_iters}: need '
                             'eps > 0 and num_iters >= 1 (OTA: 0.1, 50).')
        self.eps = eps
        self.num_iters = num_iters
        self.mass = mass

    @torch.no_grad()
    def forward(self, cost: torch.Tensor, row_weights: torch.Tensor,
                col_weights: torch.Tensor) -> torch.Tensor:
        """Plan (B, K, K) for costs (B, K, K), raw supplier weights b (B, K) on rows
        and demander weights a (B, K) on columns; computed without gradients."""
        row = normalise_marginals(row_weights.float(), self.mass)
        col = normalise_marginals(col_weights.float(), self.mass)
        plan = log_sinkhorn(cost.float(), row, col, self.eps, self.num_iters)
        return plan.to(cost.dtype)
