"""FLOP counting for every MMVRL tool: mmengine's counters plus the ops they miss.

mmengine 0.10.7 does not count three ops our models use:

- ``aten::scaled_dot_product_attention`` (mmpretrain / mmseg transformers since torch 2.0):
  ``QK^T`` and ``AV``, ``prod(batch dims) * Lq * Lk * (D + Dv)`` multiply-adds
  (about 11 % of ViT-B/16 at 384 px);
- ``aten::grid_sampler`` (DPT's DePatch, deformable sampling): 4 weighted neighbours
  per output element (bilinear);
- ``aten::baddbmm`` (batched ``bias + A @ B``): ``b * n * k * m``.

:func:`register_extra_flop_handles` adds them to mmengine's default tables once, so
``get_model_complexity_info``, ``FlopAnalyzer`` and :func:`count_flops` agree everywhere.
One FLOP = one fused multiply-add (the OpenMMLab model-zoo convention).
"""
import math

import torch


def _shape(value):
    from mmengine.analysis.jit_handles import get_shape
    return get_shape(value)


def sdpa_flop_jit(inputs, outputs):
    """Multiply-adds of ``scaled_dot_product_attention(q, k, v)``."""
    q, k, v = (_shape(x) for x in inputs[:3])
    return math.prod(q[:-2]) * q[-2] * k[-2] * (q[-1] + v[-1])


def grid_sampler_flop_jit(inputs, outputs):
    """Bilinear ``grid_sample``: 4 multiply-adds per output element."""
    return 4 * math.prod(_shape(outputs[0]))


def baddbmm_flop_jit(inputs, outputs):
    """``baddbmm(bias, A (b, n, k), B (b, k, m))``: ``b * n * k * m`` multiply-adds."""
    b, n, k = _shape(inputs[1])
    return b * n * k * _shape(inputs[2])[-1]


EXTRA_FLOP_HANDLES = {
    'aten::scaled_dot_product_attention': sdpa_flop_jit,
    'aten::grid_sampler': grid_sampler_flop_jit,
    'aten::baddbmm': baddbmm_flop_jit,
}


def register_extra_flop_handles() -> None:
    """Add :data:`EXTRA_FLOP_HANDLES` to mmengine's default FLOP (and activation) tables."""
    from mmengine.analysis import complexity_analysis as ca
    from mmengine.analysis.jit_handles import generic_activation_jit
    for op, handle in EXTRA_FLOP_HANDLES.items():
        ca._DEFAULT_SUPPORTED_FLOP_OPS.setdefault(op, handle)
    ca._DEFAULT_SUPPORTED_ACT_OPS.setdefault('aten::scaled_dot_product_attention',
                                             generic_activation_jit())


@torch.no_grad()
def count_flops(model: torch.nn.Module, *inputs) -> int:
    """Multiply-adds of ``model(*inputs)`` with the extra handles, warnings silenced."""
    from mmengine.analysis import FlopAnalyzer
    register_extra_flop_handles()
    analyzer = FlopAnalyzer(model, inputs)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    return analyzer.total()
