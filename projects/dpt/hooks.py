"""Drop-path warm-up of the official DPT ImageNet recipe."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


@HOOKS.register_module()
class DropPathWarmupHook(Hook):
    """Train without stochastic depth for ``warmup_epochs``, then with ``drop_path_rate``.

    The official ImageNet training sets every DPT's drop-path rate to 0 for the first
    100 epochs and to 0.1 afterwards (re-spread linearly over the blocks). The hook
    calls ``set_drop_path_rate`` of every submodule that has it (the backbone) before
    each training epoch.

    Args:
        warmup_epochs (int): Epochs trained with drop-path rate 0. Default 100.
        drop_path_rate (float): Rate from epoch ``warmup_epochs`` on. Default 0.1.
    """

    priority = 'NORMAL'

    def __init__(self, warmup_epochs=100, drop_path_rate=0.1):
        if warmup_epochs < 0:
            raise ValueError(f'warmup_epochs={warmup_epochs} must be >= 0.')
        if not 0 <= drop_path_rate < 1:
            raise ValueError(
                f'drop_path_rate={drop_path_rate} must be in [0, 1).')
        self.warmup_epochs = warmup_epochs
        self.drop_path_rate = drop_path_rate

    def rate_at(self, epoch):
        """Drop-path rate used in (0-based) ``epoch``."""
        return 0. if epoch < self.warmup_epochs else self.drop_path_rate

    def before_train_epoch(self, runner):
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        targets = [
            m for m in model.modules() if hasattr(m, 'set_drop_path_rate')
        ]
        if not targets:
            raise RuntimeError(
                'DropPathWarmupHook found no module with set_drop_path_rate(); '
                'use it with a DeformablePatchTransformer backbone.')
        for m in targets:
            m.set_drop_path_rate(self.rate_at(runner.epoch))
