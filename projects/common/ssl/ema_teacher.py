"""EMA teacher for self-distillation (BYOL sec. 3.1, DINO sec. 3.1 "teacher network").

The teacher is an exponential moving average of the student,
``theta_t <- tau * theta_t + (1 - tau) * theta_s``, with ``tau`` raised from its base
value to 1 along a cosine over training (DINO: tau 0.996 -> 1).

Momentum convention (read this before writing a config): mmpretrain's
:class:`~mmpretrain.models.utils.CosineEMA` and mmengine's
:class:`~mmengine.model.ExponentialMovingAverage` update
``avg <- (1 - m) * avg + m * src``, so their ``momentum`` ``m`` is ONE MINUS the
paper's ``tau``::

    DINO / PASS / MST  tau 0.996 -> 1     momentum=0.004, end_momentum=0.0
    BYOL               tau 0.99  -> 1     momentum=0.01,  end_momentum=0.0

A paper value passed unconverted (``momentum=0.996``) makes the teacher 99.6 % student at
every step; :class:`EMATeacher` refuses momenta above 0.5 for that reason.
"""
import math
from typing import Optional

import torch
import torch.nn as nn
from mmengine.logging import MessageHub
from mmpretrain.models.utils import CosineEMA
from mmpretrain.registry import MODELS


def momentum_from_tau(tau: float) -> float:
    """mmpretrain ``momentum`` for a paper EMA coefficient ``tau`` (``1 - tau``)."""
    return 1.0 - tau


@MODELS.register_module()
class EMATeacher(CosineEMA):
    """Cosine-scheduled EMA copy of a student that never receives gradients.

    Subclass of mmpretrain's ``CosineEMA`` (same state dict: ``module.*`` plus
    ``steps``). The first :meth:`update_parameters` call copies the student; later calls
    apply ``avg <- (1 - m_k) * avg + m_k * src`` with
    ``m_k = end - (end - momentum) * (cos(pi * k / K) + 1) / 2`` and ``K`` the
    ``max_iters`` the runner publishes in the MessageHub.

    Args:
        model (nn.Module): The student (backbone + projector) to copy.
        momentum (float): ``1 - tau`` at the start of training. Defaults to 0.004
            (DINO's tau 0.996). Must lie in [0, 0.5].
        end_momentum (float): ``1 - tau`` at the end. Defaults to 0.0 (tau -> 1).
        interval (int): Update every ``interval`` calls. Defaults to 1.
        device (torch.device, optional): Where to keep the teacher.
        update_buffers (bool): Average buffers too (BN statistics) instead of copying
            them. Defaults to False.
    """

    def __init__(self,
                 model: nn.Module,
                 momentum: float = 0.004,
                 end_momentum: float = 0.0,
                 interval: int = 1,
                 device: Optional[torch.device] = None,
                 update_buffers: bool = False) -> None:
        for name, value in (('momentum', momentum),
                            ('end_momentum', end_momentum)):
            if not 0.0 <= value <= 0.5:
                raise ValueError(
                    f'EMATeacher {name}={value}: mmpretrain momenta are 1 - tau '
                    f'(DINO tau 0.996 -> momentum 0.004, end 0). Pass '
                    f'{name}={momentum_from_tau(value):.4g} if {value} is a paper tau.')
        super().__init__(model, momentum=momentum, end_momentum=end_momentum,
                         interval=interval, device=device,
                         update_buffers=update_buffers)
        self.module.requires_grad_(False)

    def current_momentum(self, step: Optional[int] = None) -> float:
        """``m_k`` for update ``step`` (defaults to the next one)."""
        step = int(self.steps) if step is None else step
        max_iters = self._max_iters()
        cosine = (math.cos(math.pi * step / float(max_iters)) + 1) / 2
        return self.end_momentum - (self.end_momentum - self.momentum) * cosine

    @staticmethod
    def _max_iters() -> int:
        max_iters = MessageHub.get_current_instance().get_info('max_iters')
        if not max_iters:
            raise RuntimeError(
                'EMATeacher needs the total number of iterations for its cosine '
                'momentum; the runner publishes it, outside a runner call '
                "MessageHub.get_current_instance().update_info('max_iters', n).")
        return max_iters

    @torch.no_grad()
    def update_parameters(self, model: nn.Module) -> None:
        """Move the teacher towards ``model`` (first call: copy it)."""
        if int(self.steps) > 0:
            self._max_iters()
        super().update_parameters(model)

    @torch.no_grad()
    def forward(self, *args, **kwargs):
        """Teacher forward; no autograd graph is built."""
        return self.module(*args, **kwargs)
