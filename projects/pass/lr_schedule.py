"""Learning-rate schedule of the official PASS fine-tuning (TransReID's
``solver/scheduler_factory.py``: timm ``CosineLRScheduler`` stepped once per epoch with
the 1-based epoch number).

For epoch ``t = e + t_offset`` (``e`` the 0-based mmengine epoch, ``t_offset = 1`` as the
official loop calls ``scheduler.step(epoch)`` with ``epoch`` from 1):

- ``t < warmup_epochs``: ``lr = warmup_lr + t * (base - warmup_lr) / warmup_epochs``;
- ``warmup_epochs <= t < max_epochs``:
  ``lr = eta_min + (base - eta_min) * (1 + cos(pi * t / max_epochs)) / 2`` (the cosine
  runs over the whole schedule, warm-up included, as timm without ``warmup_prefix``);
- ``t >= max_epochs``: ``eta_min``.

``warmup_lr`` and ``eta_min`` are absolute (timm), ``base`` is each group's initial lr
(bias groups at 2x). Official: base 4e-4, warm-up 20 epochs from 0.01 x base, eta_min
0.002 x base, 120 epochs.
"""
import math

from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import _ParamScheduler
from mmpretrain.registry import PARAM_SCHEDULERS


class WarmupCosineParamScheduler(_ParamScheduler):
    """timm-style warm-up + cosine of any optimiser parameter, by epoch."""

    def __init__(self,
                 optimizer,
                 param_name: str,
                 max_epochs: int,
                 warmup_epochs: int,
                 warmup_value: float,
                 eta_min: float,
                 t_offset: int = 1,
                 begin: int = 0,
                 end: int = None,
                 last_step: int = -1,
                 by_epoch: bool = True,
                 verbose: bool = False):
        if not by_epoch:
            raise ValueError('WarmupCosineLR follows the official per-epoch '
                             'stepping; keep by_epoch=True.')
        if not 0 <= warmup_epochs < max_epochs:
            raise ValueError(
                f'WarmupCosineLR: warmup_epochs={warmup_epochs} must lie in '
                f'[0, max_epochs={max_epochs}).')
        self.max_epochs = max_epochs
        self.warmup_epochs = warmup_epochs
        self.warmup_value = warmup_value
        self.eta_min = eta_min
        self.t_offset = t_offset
        super().__init__(
            optimizer,
            param_name,
            begin=begin,
            end=max_epochs if end is None else end,
            last_step=last_step,
            by_epoch=by_epoch,
            verbose=verbose)

    def value_at(self, base: float, t: int) -> float:
        if t < self.warmup_epochs:
            return self.warmup_value + t * (base - self.warmup_value) / \
                self.warmup_epochs
        if t >= self.max_epochs:
            return self.eta_min
        return self.eta_min + 0.5 * (base - self.eta_min) * (
            1 + math.cos(math.pi * t / self.max_epochs))

    def _get_value(self):
        t = self.last_step + self.t_offset
        return [self.value_at(base, t) for base in self.base_values]


@PARAM_SCHEDULERS.register_module()
class WarmupCosineLR(LRSchedulerMixin, WarmupCosineParamScheduler):
    """Learning-rate version of :class:`WarmupCosineParamScheduler` (see module doc)."""
