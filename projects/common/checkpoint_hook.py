"""A ``CheckpointHook`` that never leaves a run without an intact checkpoint.

mmengine 0.10.7's ``CheckpointHook`` removes the oldest checkpoint (``max_keep_ckpts``) and
the previous best checkpoint *before* it writes the new one, so a job killed during the
save (with ``max_keep_ckpts=1`` the tiny configs use) has no checkpoint left at all. It
also writes the absolute checkpoint path into ``work_dir/last_checkpoint``, so a copied or
moved work dir resumes from the original folder.

:class:`DurableCheckpointHook` takes the same arguments and changes only that:

* removals of old checkpoints are deferred until the new checkpoint (written atomically by
  the save patched in :mod:`projects.common.compat`) and ``last_checkpoint`` are in place;
* ``last_checkpoint`` holds the file name relative to the work dir when the checkpoint is
  inside it (:func:`resolve_last_checkpoint` reads both forms);
* temporary files left behind by killed saves are removed before training starts.
"""
import glob
import os
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmengine.registry import HOOKS

from .compat import TEMP_PREFIX


class _DeferredRemovals:
    """File backend proxy that records ``remove`` / ``rmtree`` instead of doing them."""

    def __init__(self, backend):
        self._backend = backend
        self.pending = []

    def remove(self, path):
        self.pending.append((self._backend.remove, path))

    def rmtree(self, path):
        self.pending.append((self._backend.rmtree, path))

    def __getattr__(self, name):
        return getattr(self._backend, name)

    def flush(self, keep):
        for remove, path in self.pending:
            if path not in keep:
                remove(path)
        self.pending = []


def resolve_last_checkpoint(work_dir):
    """The checkpoint named by ``work_dir/last_checkpoint``, or ``None``.

    A relative name is taken relative to ``work_dir``. An absolute path outside
    ``work_dir`` (older runs, a copied work dir) is replaced by the file of the same name
    inside ``work_dir`` when that exists, so a copy resumes from itself.
    """
    save_file = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(save_file):
        return None
    with open(save_file) as f:
        name = f.read().strip()
    if not name:
        return None
    if '://' in name:
        return name
    if not osp.isabs(name):
        return osp.join(work_dir, name)
    local = osp.join(work_dir, osp.basename(name))
    if osp.abspath(osp.dirname(name)) != osp.abspath(work_dir) and \
            osp.isfile(local):
        return local
    return name


@HOOKS.register_module()
class DurableCheckpointHook(CheckpointHook):
    """``CheckpointHook`` that removes old checkpoints only after the new one is saved.

    Arguments are those of :class:`mmengine.hooks.CheckpointHook`.
    """

    def before_train(self, runner):
        super().before_train(runner)
        if is_main_process() and '://' not in str(self.out_dir):
            for tmp in glob.glob(osp.join(self.out_dir, TEMP_PREFIX + '*')):
                runner.logger.warning(
                    f'Removing {tmp}, left by a save that was interrupted.')
                os.remove(tmp)

    def _deferring(self, save, *args):
        backend = self.file_backend
        deferred = self.file_backend = _DeferredRemovals(backend)
        try:
            save(*args)
        finally:
            self.file_backend = backend
        if is_main_process():
            # Never remove what was just written (same step saved twice).
            deferred.flush(keep={getattr(self, 'last_ckpt', None),
                                 getattr(self, 'best_ckpt_path', None)})

    def _save_checkpoint_with_step(self, runner, step, meta):
        self._deferring(super()._save_checkpoint_with_step, runner, step,
                        meta)
        if is_main_process() and osp.abspath(
                osp.dirname(str(self.last_ckpt))) == osp.abspath(
                    runner.work_dir):
            save_file = osp.join(runner.work_dir, 'last_checkpoint')
            tmp = save_file + '.tmp'
            with open(tmp, 'w') as f:
                f.write(osp.basename(self.last_ckpt))
            os.replace(tmp, save_file)

    def _save_best_checkpoint(self, runner, metrics):
        self._deferring(super()._save_best_checkpoint, runner, metrics)
