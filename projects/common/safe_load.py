"""Load checkpoints without letting them run code: ``torch.load(weights_only=True)`` plus
an allowlist of exactly the data types an mmengine checkpoint holds.

A pickle can name any importable callable, and ``torch.load(..., weights_only=False)``
calls it; a downloaded ``.pth`` can therefore execute anything. ``weights_only=True``
only rebuilds tensors and plain containers, and refuses every other global. mmengine's
Runner checkpoints additionally contain the message hub's ``HistoryBuffer`` objects and
numpy arrays, scalars and dtypes (see :func:`mmengine_safe_globals`); those are data
only (no custom ``__setstate__`` or ``__reduce__`` runs), so they are allowed.

A checkpoint that needs anything else is refused with :class:`UnsafeCheckpointError`,
whose message names the type and the opt-in: set ``MMVRL_UNSAFE_LOAD=1`` (or pass
``unsafe=True``) for a file you trust.
"""
import os
import os.path as osp
import pickle
import re
import warnings

UNSAFE_ENV = 'MMVRL_UNSAFE_LOAD'


class CheckpointError(OSError):
    """A checkpoint that cannot be used; the message says which file and the fix."""


class UnsafeCheckpointError(CheckpointError, pickle.UnpicklingError):
    """The checkpoint names a type outside the allowlist (it could run code)."""


class CorruptCheckpointError(CheckpointError):
    """The checkpoint file is truncated or not a torch checkpoint."""


class CheckpointNotFoundError(CheckpointError, FileNotFoundError):
    """The checkpoint path does not exist."""


# Registered by ``HistoryBuffer._set_default_statistics`` on its first instance.
_DEFAULT_STATISTICS = {'min', 'max', 'sum', 'mean', 'current'}


def _history_buffer_getattr(obj, name):
    """``getattr`` restricted to what a pickled ``HistoryBuffer`` needs.

    A ``HistoryBuffer`` pickles its ``_statistics_methods`` (``min``, ``mean``...) as
    ``getattr(HistoryBuffer, 'min')``. A general ``getattr`` would let a pickle reach
    ``__globals__`` and from there any function, so only these lookups are served.
    """
    from mmengine.logging import HistoryBuffer
    if obj is HistoryBuffer and name in (
            set(HistoryBuffer._statistics_methods) | _DEFAULT_STATISTICS):
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'Unsupported global: GLOBAL getattr({getattr(obj, "__name__", obj)!r}'
        f', {name!r}) is not a HistoryBuffer statistics method')


def mmengine_safe_globals():
    """The non-tensor types found in mmengine / OpenMMLab checkpoints.

    ``HistoryBuffer`` (message hub scalars, with :func:`_history_buffer_getattr` for
    its statistics methods) and the numpy pieces that pickle arrays (``_reconstruct``,
    ``ndarray``, ``dtype`` and its per-type classes) and scalars
    (``multiarray.scalar``).
    """
    import numpy as np
    from mmengine.logging import HistoryBuffer
    try:
        from numpy.core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct, scalar
    found = [HistoryBuffer, (_history_buffer_getattr, 'builtins.getattr'),
             _reconstruct, scalar, np.ndarray, np.dtype]
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        found += [getattr(dtypes, name) for name in dir(dtypes)
                  if name.endswith('DType')]
    else:
        found += sorted({type(np.dtype(c)) for c in np.typecodes['All']},
                        key=str)
    return found


def unsafe_load_enabled():
    return os.environ.get(UNSAFE_ENV, '').lower() in ('1', 'true', 'yes')


def _refusal(filename, exc):
    m = re.search(r'GLOBAL ([\w.]+)', str(exc))
    name = m.group(1) if m else None
    what = (f'the type {name!r}' if name else
            f'an object the safe loader does not rebuild ({exc})')
    return (f'Checkpoint {filename} needs {what}, which is not one of the '
            'data types a weights checkpoint holds (tensors, containers, numpy '
            'arrays, mmengine HistoryBuffer), so it was not unpickled: loading '
            'it could run code. Fix: use a checkpoint from a source you trust '
            'or extract its state_dict; if you trust this file, set '
            f'{UNSAFE_ENV}=1 in the environment of the command.')


def _corrupt(filename, exc):
    return (f'Checkpoint {filename} is incomplete or not a torch checkpoint '
            f'({type(exc).__name__}: {str(exc).splitlines()[0]}). It was '
            'probably cut off by a kill during saving or an interrupted '
            'download. Fix: use another checkpoint (e.g. the previous '
            'epoch_*.pth / iter_*.pth in the work dir) or download it again.')


_TRUNCATION = ('failed finding central directory', 'PytorchStreamReader failed',
               'invalid load key', 'unexpected EOF', 'Ran out of input',
               'truncated', 'EOF')


def _is_truncation(exc):
    return isinstance(exc, EOFError) or any(s in str(exc) for s in _TRUNCATION)


def safe_load(filename, map_location=None, extra_globals=(), unsafe=None,
              **kwargs):
    """``torch.load`` with ``weights_only=True`` and the mmengine allowlist.

    Args:
        filename (str | file): the checkpoint (a path or a binary file object).
        map_location: as for :func:`torch.load`.
        extra_globals (Sequence[type]): more types to allow for this load only
            (e.g. ``argparse.Namespace`` in official DETR-style checkpoints).
        unsafe (bool, optional): unpickle everything (trusted files only).
            Defaults to the ``MMVRL_UNSAFE_LOAD`` environment variable.

    Raises:
        CheckpointNotFoundError: ``filename`` does not exist.
        UnsafeCheckpointError: the file needs a type outside the allowlist.
        CorruptCheckpointError: the file is truncated or not a checkpoint.
    """
    import torch
    name = filename if isinstance(filename, (str, os.PathLike)) else getattr(
        filename, 'name', '<file object>')
    if isinstance(filename, (str, os.PathLike)):
        filename = osp.expanduser(str(filename))
        if not osp.isfile(filename):
            raise CheckpointNotFoundError(
                f'Checkpoint {filename} does not exist. Fix: check the path '
                '(load_from, --resume, init_cfg.checkpoint or the tool '
                'argument that names it).')
    if unsafe is None:
        unsafe = unsafe_load_enabled()
    try:
        if unsafe:
            warnings.warn(f'{UNSAFE_ENV}: unpickling {name} without the '
                          'weights-only check (trusted files only).')
            return torch.load(filename, map_location=map_location,
                              weights_only=False, **kwargs)
        allowed = mmengine_safe_globals() + list(extra_globals)
        with torch.serialization.safe_globals(allowed):
            return torch.load(filename, map_location=map_location,
                              weights_only=True, **kwargs)
    except pickle.UnpicklingError as exc:
        if 'GLOBAL' in str(exc) or not _is_truncation(exc):
            raise UnsafeCheckpointError(_refusal(name, exc)) from None
        raise CorruptCheckpointError(_corrupt(name, exc)) from exc
    except (RuntimeError, EOFError, ValueError) as exc:
        if _is_truncation(exc):
            raise CorruptCheckpointError(_corrupt(name, exc)) from exc
        raise


def is_intact(filename):
    """Whether ``filename`` is a complete torch zip checkpoint (cheap: no unpickling).

    A file cut off while being written lacks the zip's central directory.
    """
    import zipfile
    try:
        with zipfile.ZipFile(filename) as archive:
            return any(n.endswith('data.pkl') for n in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False
