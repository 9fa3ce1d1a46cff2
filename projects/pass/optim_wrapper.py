"""Per-parameter gradient clipping of the official PASS / DINO trainer
(``utils.clip_gradients``): every parameter's gradient is rescaled separately to an L2
norm of at most ``max_norm``, ``g <- g * min(1, max_norm / (||g|| + 1e-6))``, instead of
mmengine's clipping of the global norm.

Use ``clip_grad=dict(max_norm=3.0)``; with the AMP wrapper the gradients are unscaled
first (mmengine unscales whenever ``clip_grad`` is set).
"""
import torch
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmpretrain.registry import OPTIM_WRAPPERS


class _PerParameterClip:

    def _clip_grad(self) -> None:
        max_norm = self.clip_grad_kwargs.get('max_norm')
        if max_norm is None:
            raise ValueError(
                'per-parameter clipping needs clip_grad=dict(max_norm=...); got '
                f'{self.clip_grad_kwargs}.')
        with torch.no_grad():
            for group in self.optimizer.param_groups:
                for p in group['params']:
                    if p.grad is None:
                        continue
                    coef = max_norm / (p.grad.norm(2) + 1e-6)
                    p.grad.mul_(coef.clamp(max=1.0))


@OPTIM_WRAPPERS.register_module()
class PerParameterClipOptimWrapper(_PerParameterClip, OptimWrapper):
    """``OptimWrapper`` with the official per-parameter gradient clipping."""


@OPTIM_WRAPPERS.register_module()
class PerParameterClipAmpOptimWrapper(_PerParameterClip, AmpOptimWrapper):
    """``AmpOptimWrapper`` with the official per-parameter gradient clipping."""
