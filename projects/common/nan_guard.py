"""Stop training when the loss or the weights stop being finite.

mmengine trains on through NaN / Inf losses to the end of the schedule, exits 0 and
writes checkpoints full of NaN. :class:`FiniteLossHook` checks every loss term after
each iteration, before any checkpoint hook runs (priority ``VERY_HIGH``), and the
weights before every checkpoint is written; on failure it raises
:class:`NonFiniteLossError`, which names the iteration, the loss terms and the last
checkpoint, and the tools exit non-zero.

With ``AmpOptimWrapper`` a non-finite loss is normal now and then (the dynamic loss
scaler skips that step), so there training stops only when the weights themselves
become non-finite or the loss stays non-finite for ``amp_patience`` iterations.
"""
import math

import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


class NonFiniteLossError(RuntimeError):
    """The loss or the weights became NaN / Inf; the message says where and what to do."""


def _value(value):
    if isinstance(value, torch.Tensor):
        return value.detach().float().mean().item() if value.numel() else 0.
    return float(value)


def _non_finite_params(model):
    return [name for name, p in model.named_parameters()
            if not bool(torch.isfinite(p.detach()).all())]


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Raise :class:`NonFiniteLossError` on a NaN / Inf loss term or weight.

    Args:
        amp_patience (int): consecutive non-finite iterations tolerated under
            ``AmpOptimWrapper`` (whose loss scaler skips such steps).
    """

    priority = 'VERY_HIGH'

    def __init__(self, amp_patience=100):
        self.amp_patience = amp_patience
        self._bad_streak = 0

    def _stop(self, runner, what):
        last = runner.message_hub.get_info('last_ckpt')
        kept = (f'The last good checkpoint is {last}' if last else
                'No checkpoint was written before this point')
        raise NonFiniteLossError(
            f'{what} at iteration {runner.iter + 1} (epoch {runner.epoch + 1}); '
            f'training stopped and no checkpoint was written from it. {kept}. '
            'Fix: lower the learning rate (optim_wrapper.optimizer.lr), add '
            'gradient clipping (optim_wrapper.clip_grad=dict(max_norm=...)), '
            'or check the data and the loss weights.')

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if not outputs:
            return
        values = {k: _value(v) for k, v in outputs.items()
                  if isinstance(v, (torch.Tensor, float, int))}
        bad = {k: v for k, v in values.items() if not math.isfinite(v)}
        if not bad:
            self._bad_streak = 0
            return
        terms = ', '.join(f'{k}={v}' for k, v in values.items())
        from mmengine.optim import AmpOptimWrapper
        if isinstance(runner.optim_wrapper, AmpOptimWrapper):
            self._bad_streak += 1
            broken = _non_finite_params(runner.model)
            if broken:
                self._stop(runner, f'Weights became non-finite ({broken[0]} '
                           f'and {len(broken) - 1} more; losses: {terms})')
            if self._bad_streak < self.amp_patience:
                return
            self._stop(runner, f'The loss stayed non-finite for '
                       f'{self._bad_streak} iterations under AMP ({terms})')
        self._stop(runner, f'Non-finite loss ({", ".join(bad)}; all terms: '
                   f'{terms})')

    def before_save_checkpoint(self, runner, checkpoint):
        state = checkpoint.get('state_dict', {})
        broken = [k for k, v in state.items() if isinstance(v, torch.Tensor)
                  and v.is_floating_point() and not bool(
                      torch.isfinite(v).all())]
        if broken:
            self._stop(runner, f'Weights are non-finite ({broken[0]} and '
                       f'{len(broken) - 1} more)')
