"""Training-schedule hooks of DINO-style self-distillation (DINO app. C, official ``main_dino.py``).

Every hook unwraps the model with mmengine's ``is_model_wrapper`` (DDP, FSDP, ...) and works
on a single CPU process as well; none assumes ``runner.model.module``.

- :class:`TeacherTempScheduleHook`: tells each :class:`CenteredCrossEntropyLoss` the epoch
  (its warm-up schedule lives in the loss config).
- :class:`FreezeLastLayerHook`: drops the prototype gradients during the first epoch(s)
  (official ``cancel_gradients_last_layer``: after clipping, before the optimiser step).
- :class:`CosineWeightDecayHook`: per-iteration cosine weight decay (0.04 -> 0.4) that scales
  each parameter group from its own base value, so zero-decay groups (norms, biases) stay 0.
"""
import math
from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict
from mmpretrain.registry import HOOKS

from .centering_loss import CenteredCrossEntropyLoss


def unwrap_model(runner):
    """``runner.model`` without its DDP/FSDP wrapper."""
    model = runner.model
    return model.module if is_model_wrapper(model) else model


def _optimizers(runner):
    wrapper = runner.optim_wrapper
    wrappers = wrapper.values() if isinstance(wrapper, OptimWrapperDict) else [wrapper]
    return [w.optimizer for w in wrappers]


@HOOKS.register_module()
class TeacherTempScheduleHook(Hook):
    """Set the epoch of every :class:`CenteredCrossEntropyLoss` before each training epoch."""

    priority = 'NORMAL'

    def before_train_epoch(self, runner) -> None:
        losses = [m for m in unwrap_model(runner).modules()
                  if isinstance(m, CenteredCrossEntropyLoss)]
        if not losses:
            raise RuntimeError(
                'TeacherTempScheduleHook found no CenteredCrossEntropyLoss in the model; '
                'remove the hook or use that loss in the head.')
        for loss in losses:
            loss.set_epoch(runner.epoch)


@HOOKS.register_module()
class FreezeLastLayerHook(Hook):
    """Skip the optimiser update of the prototype layer while ``epoch < freeze_epochs``.

    The gradients of the matching parameters are set to ``None`` in an optimiser step
    pre-hook, i.e. after backward, gradient all-reduce and clipping, exactly where the
    official code cancels them; the optimiser then skips those parameters (no step, no
    weight decay). DDP is unaffected because the gradients were already reduced.

    Args:
        freeze_epochs (int): Epochs without prototype updates. Defaults to 1.
        param_keys (Sequence[str]): Substrings of parameter names to freeze.
            Defaults to ``('last_layer', )``.
    """

    priority = 'NORMAL'

    def __init__(self, freeze_epochs: int = 1,
                 param_keys: Sequence[str] = ('last_layer', )) -> None:
        self.freeze_epochs = freeze_epochs
        self.param_keys = tuple(param_keys)
        self._handles = []
        self.frozen_params = []

    def before_train(self, runner) -> None:
        self.frozen_params = [
            p for name, p in unwrap_model(runner).named_parameters()
            if p.requires_grad and any(k in name for k in self.param_keys)
        ]
        if not self.frozen_params:
            raise RuntimeError(
                f'FreezeLastLayerHook: no trainable parameter name contains any of '
                f'{self.param_keys}; set param_keys to the prototype layer name.')

    def _drop_grads(self, optimizer, args, kwargs):
        for p in self.frozen_params:
            p.grad = None

    def before_train_epoch(self, runner) -> None:
        frozen = runner.epoch < self.freeze_epochs
        if frozen and not self._handles:
            self._handles = [o.register_step_pre_hook(self._drop_grads)
                             for o in _optimizers(runner)]
        elif not frozen:
            self._remove()

    def after_train(self, runner) -> None:
        self._remove()

    def _remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []


@HOOKS.register_module()
class CosineWeightDecayHook(Hook):
    """Cosine weight-decay schedule per iteration, relative to each group's base decay.

    ``wd_g(it) = end_g + (base_g - end_g) * (1 + cos(pi * it / max_iters)) / 2`` with
    ``end_g = base_g * ratio``: a group whose base decay is 0 stays at 0. ``ratio`` is
    ``end_ratio`` or ``end_weight_decay / optimizer default weight_decay`` (DINO: 0.4 / 0.04).
    The base values are kept in each group's ``initial_weight_decay`` (saved with the
    optimiser state, so a resumed run continues the same schedule).

    Args:
        end_weight_decay (float, optional): Final decay of the groups at the optimiser's
            default decay.
        end_ratio (float, optional): Final / base decay. Give exactly one of the two.
    """

    priority = 'NORMAL'

    def __init__(self, end_weight_decay: Optional[float] = None,
                 end_ratio: Optional[float] = None) -> None:
        if (end_weight_decay is None) == (end_ratio is None):
            raise ValueError('CosineWeightDecayHook: give exactly one of end_weight_decay '
                             f'({end_weight_decay}) and end_ratio ({end_ratio}).')
        self.end_weight_decay = end_weight_decay
        self.end_ratio = end_ratio

    def _ratio(self, optimizer) -> float:
        if self.end_ratio is not None:
            return self.end_ratio
        base = optimizer.defaults.get('weight_decay', 0.)
        if not base:
            raise ValueError(
                f'CosineWeightDecayHook end_weight_decay={self.end_weight_decay} needs a '
                'non-zero optimizer weight_decay to scale from; set it or use end_ratio.')
        return self.end_weight_decay / base

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        progress = (1 + math.cos(math.pi * runner.iter / runner.max_iters)) / 2
        for optimizer in _optimizers(runner):
            ratio = self._ratio(optimizer)
            for group in optimizer.param_groups:
                base = group.setdefault('initial_weight_decay', group['weight_decay'])
                end = base * ratio
                group['weight_decay'] = end + (base - end) * progress
