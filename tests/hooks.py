"""Hooks used by the end-to-end tests (imported by configs through ``custom_imports``)."""
import json
import os
import os.path as osp
import signal

from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class KillAfterEpochHook(Hook):
    """SIGKILL the training process right after epoch ``epoch`` (after its checkpoint)."""

    priority = 'LOWEST'

    def __init__(self, epoch):
        self.epoch = epoch

    def after_train_epoch(self, runner):
        # ``runner.epoch`` counts finished epochs only after this hook.
        if runner.epoch + 1 == self.epoch:
            os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module()
class RankMarkerHook(Hook):
    """Write ``rank_<r>.json`` with the number of iterations this rank trained."""

    priority = 'LOWEST'

    def __init__(self):
        self.iters = 0

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.iters += 1

    def after_run(self, runner):
        from mmengine.dist import get_rank, get_world_size
        with open(osp.join(runner.work_dir, f'rank_{get_rank()}.json'),
                  'w') as f:
            json.dump(dict(iters=self.iters, world_size=get_world_size()), f)


@HOOKS.register_module()
class KillAfterIterHook(Hook):
    """SIGKILL the training process right after iteration ``iter`` (after its checkpoint)."""

    priority = 'LOWEST'

    def __init__(self, iter):
        self.iter = iter

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.iter:
            os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module()
class KillDuringSaveHook(Hook):
    """SIGKILL the process in the middle of writing checkpoint number ``save``."""

    def __init__(self, save):
        self.save = save
        self.saves = 0

    def before_save_checkpoint(self, runner, checkpoint):
        self.saves += 1
        if self.saves != self.save:
            return
        import torch

        def half_written(obj, f, *args, **kwargs):
            f.write(b'PK\x03\x04 partial checkpoint')
            f.flush()
            os.kill(os.getpid(), signal.SIGKILL)

        torch.save = half_written
