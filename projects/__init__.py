"""MMVRL: ten vision methods as OpenMMLab 2.0 plugins.

Importing this package applies the compatibility fixes in :mod:`projects.common.compat`
(checkpoint loading on torch >= 2.6, lvis with numpy >= 1.24, the mmaction2 1.2.0 wheel).
Each method lives in ``projects.<method>`` and registers itself on import, applying the fixes
itself when ``projects`` is a host checkout's own folder (see :mod:`projects.common.standalone`).

mmdet's, mmseg's and mmpretrain's checkouts have a ``projects/`` folder of their own. Their
folders found on ``sys.path`` join this package's ``__path__`` (``pkgutil.extend_path``), so
``projects.ViTDet`` still imports next to ``projects.acsl``; ours come first.
"""
import pkgutil

__path__ = pkgutil.extend_path(__path__, __name__)

from .common import standalone  # noqa: E402,F401  (compat fixes, mmvrl scope)
from .version import __version__  # noqa: E402

__all__ = ['__version__']
