"""Tiny ReID folders written straight from the generator (no session-wide data needed)."""
import functools
import importlib
import os.path as osp
import sys

from tests.utils import REPO_ROOT

sys.path.insert(0, osp.join(REPO_ROOT, 'tools', 'dataset_converters'))

from tiny_datasets import reid  # noqa: E402


@functools.lru_cache(None)
def _written(name, root):
    reid.GENERATORS[name](osp.join(root, name))
    return osp.join(root, name)


def tiny_reid(name, tmp_path_factory):
    """Root of the tiny ``name`` set (market1501, msmt17, luperson), made once."""
    return _written(name, str(tmp_path_factory.getbasetemp()))


def pass_module(name=''):
    """``projects.pass[.name]``: ``pass`` is a Python keyword, so the package is
    imported by name (as ``custom_imports`` does), not with an import statement."""
    return importlib.import_module('projects.pass' + (f'.{name}' if name else ''))
