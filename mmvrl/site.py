"""Start-up hook (``mmvrl.pth``) that lets the OpenMMLab hosts' own tools and APIs find MMVRL.

``pip install -e .`` / ``mim install -e .`` (and a wheel install) put ``mmvrl.pth`` into
site-packages; Python runs its one line at start-up, which calls :func:`install`. Nothing heavy is
imported: a meta-path finder goes first on ``sys.meta_path`` and acts only on ``projects``,
``mmvrl`` and two host modules.

1. ``projects``: where no regular ``projects`` package comes first on ``sys.path`` (a host
   checkout's namespace ``projects/`` folder, which mmdet's ``dist_train.sh`` puts there, or
   nothing), ``projects`` is MMVRL's package, and its ``__path__`` also holds the host's folders,
   so ``projects.ViTDet`` still imports. A regular package on ``sys.path`` (a clone on
   ``PYTHONPATH``, or ``tools/_bootstrap.py``) always wins; if it is a host's, our method packages
   (``projects.acsl``...) are still found as its children.
2. Working inside an MMVRL checkout (the working directory or a folder below it), ``projects`` and
   the ``mmvrl::`` configs come from that checkout, not from the clone the environment installed,
   so a host tool started in a clone runs that clone's code.
3. After ``mmengine.config.config`` is imported, ``mmvrl`` joins mmengine's package-scope table
   (``_base_ = 'mmvrl::acsl/<config>.py'``) and the installed-path lookup of ``mmvrl`` returns the
   package folder (mmengine looks beside the dist-info folder, where an editable install has none).
4. After ``mmpretrain.apis.model`` is imported, the mmpretrain models of our model index are
   registered in its ``ModelHub`` (``get_model(name)``, ``list_models``, ``inference_model(name)``),
   and a model fetched by name imports its config's ``custom_imports``.
"""
import importlib.machinery
import importlib.util
import os
import os.path as osp
import sys

INSTALLED_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PACKAGES = ('projects', 'mmvrl')
# Methods whose image models are mmpretrain models (their other configs are mmdet / mmseg ones).
MMPRETRAIN_METHODS = ('dpt', 'emae')
MMPRETRAIN_TASKS = {'Image Classification'}


def is_checkout(path):
    """Whether ``path`` is the root of an MMVRL source checkout."""
    return (osp.isfile(osp.join(path, 'setup.py'))
            and osp.isfile(osp.join(path, 'projects', '__init__.py'))
            and osp.isfile(osp.join(path, 'mmvrl', 'site.py')))


def checkout_root(start=None):
    """The MMVRL checkout holding ``start`` (default: the working directory), or ``None``."""
    try:
        path = osp.abspath(start or os.getcwd())
    except OSError:  # the working directory was removed
        return None
    while True:
        if is_checkout(path):
            return path
        parent = osp.dirname(path)
        if parent == path:
            return None
        path = parent


def package_root():
    """Folder holding the ``projects`` and ``mmvrl`` packages this process should use."""
    return checkout_root() or INSTALLED_ROOT


def _package_spec(name, root):
    init = osp.join(root, *name.split('.'), '__init__.py')
    if not osp.isfile(init):
        return None
    return importlib.util.spec_from_file_location(
        name, init, submodule_search_locations=[osp.dirname(init)])


class _AfterImportLoader:
    """Loader wrapper that runs ``hook(module)`` once the module has executed."""

    def __init__(self, loader, hook):
        self._loader = loader
        self._hook = hook

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        self._hook(module)

    def __getattr__(self, name):
        return getattr(self._loader, name)


class MMVRLFinder:
    """Meta-path finder for ``projects`` / ``mmvrl`` and the two host modules we extend."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname in PACKAGES:
            found = importlib.machinery.PathFinder.find_spec(fullname, sys.path)
            if found is not None and found.loader is not None:
                return None  # a regular package first on sys.path wins
            return _package_spec(fullname, package_root())
        parent, _, child = fullname.rpartition('.')
        if parent == 'projects' and parent in sys.modules:
            ours = osp.join(package_root(), 'projects')
            search = list(getattr(sys.modules[parent], '__path__', []))
            if ours not in search and importlib.machinery.PathFinder.find_spec(
                    fullname, search) is None:
                return _package_spec(fullname, package_root())
            return None
        hook = _AFTER_IMPORT.get(fullname)
        if hook is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, 'find_spec'):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _AfterImportLoader(spec.loader, hook)
                return spec
        return None


def _extend_mmengine_config(module):
    """``mmvrl::`` package scope for mmengine configs (point 3 of the module docstring)."""
    if getattr(module, '_mmvrl_scope', False):
        return
    from mmengine.config import utils
    utils.MODULE2PACKAGE.setdefault('mmvrl', 'mmvrl')
    original = module.get_installed_path

    def get_installed_path(package):
        """mmengine's lookup; ``mmvrl`` is the package folder this process uses."""
        if package == 'mmvrl':
            return osp.join(package_root(), 'mmvrl')
        return original(package)

    module.get_installed_path = get_installed_path
    module._mmvrl_scope = True


def register_mmpretrain_models(hub):
    """Add the mmpretrain models of ``mmvrl/.mim/model-index.yml`` to mmpretrain's ``ModelHub``."""
    from modelindex.load_model_index import load
    mim = osp.join(package_root(), 'mmvrl', '.mim')
    index = load(osp.join(mim, 'model-index.yml'))
    index.build_models_with_collections()
    names = []
    for metainfo in index.models:
        parts = (metainfo.config or '').split('/')
        tasks = {r.task for r in (metainfo.results or [])}
        if len(parts) < 3 or parts[1] not in MMPRETRAIN_METHODS or \
                not tasks <= MMPRETRAIN_TASKS:
            continue
        name = metainfo.name.lower()
        if name in hub._models_dict:
            import warnings
            warnings.warn(
                f'MMVRL model {name} ({osp.abspath(metainfo.filepath)}) is not '
                f'registered in mmpretrain: the name is taken by '
                f'{osp.abspath(hub._models_dict[name].filepath)}.')
            continue
        metainfo.config = osp.join(mim, metainfo.config)
        hub._models_dict[name] = metainfo
        names.append(name)
    return names


def _extend_mmpretrain_hub(module):
    """Our models in mmpretrain's ``ModelHub`` (point 4 of the module docstring)."""
    hub = module.ModelHub
    if getattr(hub, '_mmvrl_models', None) is not None:
        return
    hub._mmvrl_models = set()
    register_mmpretrain = hub._register_mmpretrain_models.__func__
    get = hub.get.__func__

    def _register_mmpretrain_models(cls):
        register_mmpretrain(cls)
        if not cls._mmvrl_models:
            cls._mmvrl_models.update(register_mmpretrain_models(cls))

    def get_model_info(cls, model_name):
        cls._register_mmpretrain_models()
        metainfo = get(cls, model_name)
        if model_name.lower() in cls._mmvrl_models:
            from mmengine.utils import import_modules_from_strings
            imports = metainfo.config.get('custom_imports')
            if imports:
                import_modules_from_strings(**imports)
        return metainfo

    hub._register_mmpretrain_models = classmethod(_register_mmpretrain_models)
    hub.get = classmethod(get_model_info)


_AFTER_IMPORT = {
    'mmengine.config.config': _extend_mmengine_config,
    'mmpretrain.apis.model': _extend_mmpretrain_hub,
}


def install():
    """Put :class:`MMVRLFinder` first on ``sys.meta_path`` and extend already-imported hosts."""
    if not any(isinstance(f, MMVRLFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, MMVRLFinder())
    for name, hook in _AFTER_IMPORT.items():
        if name in sys.modules:
            hook(sys.modules[name])
