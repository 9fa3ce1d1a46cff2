"""MMVRL: ten vision methods as OpenMMLab 2.0 plugins.

Importing this package applies the compatibility fixes in :mod:`projects.common.compat`
(checkpoint loading on torch >= 2.6, lvis with numpy >= 1.24, the mmaction2 1.2.0 wheel).
Each method lives in ``projects.<method>`` and registers itself on import.
"""
from .common import compat as _compat
from .version import __version__

_compat.apply_all()

__all__ = ['__version__']
