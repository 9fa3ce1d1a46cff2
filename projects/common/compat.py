"""Fixes for known incompatibilities of the pinned OpenMMLab stack with current torch / numpy.

Each fix is scoped to the library it repairs and is applied once by :func:`apply_all`
(called on ``import projects``):

1. mmengine 0.10.7 loads checkpoints with ``torch.load`` and the torch >= 2.6 default
   ``weights_only=True``; mmengine checkpoints pickle ``HistoryBuffer`` and numpy arrays, so
   loading or resuming fails, while its http loader unpickles downloads without any check.
   Every mmengine loading path goes through :func:`projects.common.safe_load.safe_load`
   (``weights_only=True`` plus exactly the data types mmengine checkpoints hold).
2. lvis 0.5.3 uses ``np.float`` (removed in numpy 1.24). ``lvis.eval`` gets a numpy proxy that
   restores the alias for that module only.
3. The mmaction2 1.2.0 wheel lacks ``mmaction/models/localizers/drn``; a placeholder package is
   registered so ``import mmaction.models`` works (DRN itself is unavailable and says so).
4. mmcv's setup and mmengine's ``mmdet::`` base configs import ``pkg_resources``; we check for it
   and fail with the fix when setuptools >= 81 removed it.
5. mmengine writes checkpoints in place, so a job killed while saving leaves a truncated file that
   ``--resume`` then picks up. Local checkpoints are written to a temporary file in the same folder
   and renamed, which is atomic on POSIX file systems (with the mode ``open`` would give,
   i.e. respecting the umask; ``DurableCheckpointHook`` removes leftovers of killed saves).
   ``work_dir/last_checkpoint`` is resolved inside its work dir (relative names, copied
   work dirs).
6. mmengine resolves every ``mmdet::<config>`` base by reloading ``pkg_resources`` and
   re-reading all of the package's metafiles (seconds per config); for config parsing these
   lookups are memoised (installed packages do not change while a process runs).
7. mmengine tags every typed dict inherited from a ``package::`` base with ``_scope_``; for a
   dataloader's ``collate_fn`` the Runner passes that tag on to the function (``TypeError``).
   The tag is dropped from ``collate_fn`` before the Runner builds the dataloader.
8. mmcv 2.1 ``imfrombytes`` passes an empty (0-byte) file's bytes to ``cv2.imdecode``, which
   raises a bare ``cv2.error`` (``!buf.empty()``) that names no file. Empty bytes decode to
   ``None``, as other undecodable bytes do, so ``LoadImageFromFile`` reports
   ``failed to load image: <path>``.
9. mmpretrain 1.2 enables its multimodal models when ``transformers>=4.28.0`` is installed, but
   they use APIs that transformers 5 removed (``apply_chunking_to_forward``...), so with
   transformers >= 5 (pulled in by other packages) ``import mmpretrain.models``, and with it
   ``import mmdet.models``, fails. With transformers >= 5 mmpretrain's ``WITH_MULTIMODAL``
   is turned off before its models are imported (the multimodal models become mmpretrain's
   own placeholders that explain the missing dependency).
"""
import importlib
import importlib.util
import os.path as osp
import sys
import types

_APPLIED = set()


def _once(name):
    if name in _APPLIED:
        return False
    _APPLIED.add(name)
    return True


def patch_checkpoint_loading():
    """Route mmengine's local and http(s) checkpoint loaders through :func:`safe_load`.

    mmengine 0.10.7 calls ``torch.load`` without ``weights_only`` (torch >= 2.6 then
    refuses its own ``HistoryBuffer``) and downloads through
    ``torch.hub.load_state_dict_from_url``, whose default is ``weights_only=False``
    (any code in a downloaded file runs). Both now load with ``weights_only=True`` and
    the allowlist of :mod:`projects.common.safe_load`, which is also registered with
    torch for the host code that calls ``torch.load`` itself.
    """
    if not _once('checkpoint'):
        return
    import torch
    import mmengine.runner.checkpoint as ckpt_mod
    from mmengine.runner.checkpoint import CheckpointLoader

    from .safe_load import mmengine_safe_globals, safe_load

    torch.serialization.add_safe_globals(mmengine_safe_globals())

    def load_from_local(filename, map_location):
        """Load a local checkpoint with the weights-only unpickler."""
        return safe_load(filename, map_location=map_location)

    def load_from_http(filename, map_location=None, model_dir=None,
                       progress=None):
        """Download ``filename`` once (rank 0 first) and load it weights-only."""
        from urllib.parse import urlparse

        from mmengine.dist import barrier, get_dist_info
        rank, world_size = get_dist_info()
        model_dir = model_dir or osp.join(torch.hub.get_dir(), 'checkpoints')
        cached = osp.join(model_dir, osp.basename(urlparse(filename).path))

        def download():
            if not osp.isfile(cached):
                import os
                os.makedirs(model_dir, exist_ok=True)
                torch.hub.download_url_to_file(
                    filename, cached, progress=rank == 0 if progress is None
                    else progress)

        if rank == 0:
            download()
        if world_size > 1:
            barrier()
            if rank > 0:
                download()
        return safe_load(cached, map_location=map_location)

    # ``prefixes=''`` is the default scheme: plain paths.
    CheckpointLoader.register_scheme(prefixes='', force=True)(load_from_local)
    CheckpointLoader.register_scheme(
        prefixes=('http://', 'https://'), force=True)(load_from_http)
    # The openmmlab://, torchvision:// and mmcls:// loaders call these two
    # module functions directly once they resolved the name.
    ckpt_mod.load_from_local = load_from_local
    ckpt_mod.load_from_http = load_from_http


TEMP_PREFIX = '.tmp-'


def _umask():
    import os
    mask = os.umask(0)
    os.umask(mask)
    return mask


def patch_atomic_checkpoint_save():
    """Make the Runner write local checkpoints atomically (temp file + rename)."""
    if not _once('atomic_save'):
        return
    import os
    import tempfile

    import mmengine.runner.runner as runner_mod
    from mmengine.runner import checkpoint as ckpt_mod

    original = ckpt_mod.save_checkpoint

    def save_checkpoint(checkpoint, filename, file_client_args=None,
                        backend_args=None):
        """Save like mmengine, but via a temporary file and ``os.replace`` locally."""
        is_local = '://' not in str(filename) and file_client_args is None \
            and backend_args is None
        if not is_local:
            return original(checkpoint, filename, file_client_args,
                            backend_args)
        import torch
        folder = os.path.dirname(os.path.abspath(filename))
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=TEMP_PREFIX + os.path.basename(filename) + '.', dir=folder)
        try:
            # mkstemp creates the file 0600; give it the mode open() would.
            os.chmod(tmp, 0o666 & ~_umask())
            with os.fdopen(fd, 'wb') as f:
                torch.save(checkpoint, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, filename)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise

    runner_mod.save_checkpoint = save_checkpoint
    ckpt_mod.save_checkpoint = save_checkpoint


def patch_last_checkpoint_lookup():
    """Resolve ``work_dir/last_checkpoint`` relative to its work dir (see
    :func:`projects.common.checkpoint_hook.resolve_last_checkpoint`).

    mmengine 0.10.7 returns the file's text as is: an absolute path into the original
    folder for a copied work dir, and a path relative to the current directory for the
    relative names ``DurableCheckpointHook`` writes.
    """
    if not _once('last_checkpoint'):
        return
    import mmengine.runner.checkpoint as ckpt_mod
    import mmengine.runner.runner as runner_mod

    from .checkpoint_hook import resolve_last_checkpoint

    def find_latest_checkpoint(path):
        """The checkpoint ``path/last_checkpoint`` names, resolved in ``path``."""
        return resolve_last_checkpoint(path)

    ckpt_mod.find_latest_checkpoint = find_latest_checkpoint
    runner_mod.find_latest_checkpoint = find_latest_checkpoint


def cache_external_config_lookup():
    """Memoise mmengine's ``package::config`` path resolution."""
    if not _once('cfg_lookup'):
        return
    import functools

    import mmengine.config.config as config_mod
    config_mod._get_external_cfg_path = functools.lru_cache(maxsize=None)(
        config_mod._get_external_cfg_path)
    config_mod.get_installed_path = functools.lru_cache(maxsize=None)(
        config_mod.get_installed_path)
    original_is_installed = config_mod.is_installed
    installed = set()

    def is_installed(package):
        """mmengine's check, remembered once a package is found."""
        if package not in installed and original_is_installed(package):
            installed.add(package)
        return package in installed

    config_mod.is_installed = is_installed


def patch_collate_fn_scope():
    """Drop the ``_scope_`` tag from ``collate_fn`` configs before building dataloaders."""
    if not _once('collate_scope'):
        return
    from mmengine.runner import Runner

    original = Runner.build_dataloader

    def build_dataloader(dataloader, seed=None, diff_rank_seed=False):
        if isinstance(dataloader, dict) and isinstance(
                dataloader.get('collate_fn'), dict) and \
                '_scope_' in dataloader['collate_fn']:
            dataloader = dataloader.copy()
            collate_fn = dict(dataloader['collate_fn'])
            collate_fn.pop('_scope_')
            dataloader['collate_fn'] = collate_fn
        return original(dataloader, seed=seed, diff_rank_seed=diff_rank_seed)

    Runner.build_dataloader = staticmethod(build_dataloader)


class _NumpyWithFloat(types.ModuleType):
    """numpy proxy that restores the removed ``np.float`` alias for one module."""

    def __init__(self, np):
        super().__init__('numpy')
        self._np = np
        self.float = float

    def __getattr__(self, name):
        return getattr(self._np, name)


def patch_lvis():
    """Give ``lvis.eval`` (and ``lvis.results``) a numpy that still has ``float``."""
    if not _once('lvis'):
        return
    if importlib.util.find_spec('lvis') is None:
        return
    import numpy as np
    if hasattr(np, 'float'):
        return
    proxy = _NumpyWithFloat(np)
    for name in ('lvis.eval', 'lvis.results', 'lvis.lvis'):
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        if getattr(mod, 'np', None) is np:
            mod.np = proxy


def _missing_drn(*args, **kwargs):
    raise ImportError(
        'DRN is not shipped in the mmaction2 1.2.0 wheel '
        '(mmaction/models/localizers/drn is missing); install mmaction2 from '
        'source to use it.')


def patch_mmaction_drn():
    """Register a placeholder for the package the mmaction2 1.2.0 wheel lacks."""
    if not _once('mmaction'):
        return
    spec = importlib.util.find_spec('mmaction')
    if spec is None or not spec.submodule_search_locations:
        return
    root = list(spec.submodule_search_locations)[0]
    if osp.isdir(osp.join(root, 'models', 'localizers', 'drn')):
        return
    pkg_name = 'mmaction.models.localizers.drn'
    if pkg_name in sys.modules:
        return
    pkg = types.ModuleType(pkg_name)
    pkg.__path__ = []
    sub = types.ModuleType(pkg_name + '.drn')
    sub.DRN = _missing_drn
    pkg.drn = sub
    pkg.DRN = _missing_drn
    sys.modules[pkg_name] = pkg
    sys.modules[pkg_name + '.drn'] = sub
    try:
        import importlib_metadata  # noqa: F401  (mmaction2 imports it)
    except ImportError:
        import importlib.metadata as _md
        sys.modules.setdefault('importlib_metadata', _md)


def check_pkg_resources():
    """Fail early, with the fix, when ``pkg_resources`` is gone (setuptools >= 81)."""
    try:
        import pkg_resources  # noqa: F401
    except ImportError as e:
        raise ImportError(
            "'pkg_resources' is missing: mmengine's package base configs "
            "(e.g. _base_ = 'mmdet::...') need it. Install "
            "'setuptools>=77,<81' (pip install 'setuptools>=77,<81').") from e


def patch_empty_image_decode():
    """Make mmcv decode empty bytes to ``None`` instead of raising ``cv2.error``."""
    if not _once('empty_image'):
        return
    if importlib.util.find_spec('mmcv') is None:
        return
    import mmcv
    import mmcv.image
    import mmcv.image.io as io_mod

    original = io_mod.imfrombytes

    def imfrombytes(content, *args, **kwargs):
        """mmcv's decoder; an empty file gives ``None`` (mmcv's 'could not decode')."""
        if content is not None and len(content) == 0:
            return None
        return original(content, *args, **kwargs)

    for module in (mmcv, mmcv.image, io_mod):
        if getattr(module, 'imfrombytes', None) is original:
            module.imfrombytes = imfrombytes


def patch_mmpretrain_multimodal():
    """Turn off mmpretrain's multimodal models when transformers >= 5 is installed."""
    if not _once('mmpretrain_multimodal'):
        return
    if importlib.util.find_spec('mmpretrain') is None:
        return
    from importlib.metadata import PackageNotFoundError, version
    try:
        major = int(version('transformers').split('.')[0])
    except (PackageNotFoundError, ValueError):
        return
    if major < 5 or 'mmpretrain.models' in sys.modules:
        return
    import mmpretrain.utils.dependency as dependency
    dependency.WITH_MULTIMODAL = False


def apply_all():
    """Apply every fix whose library is installed (idempotent)."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        check_pkg_resources()
    if importlib.util.find_spec('mmengine') is not None:
        patch_checkpoint_loading()
        patch_atomic_checkpoint_save()
        patch_last_checkpoint_lookup()
        cache_external_config_lookup()
        patch_collate_fn_scope()
    patch_lvis()
    patch_mmaction_drn()
    patch_mmpretrain_multimodal()
    patch_empty_image_decode()
