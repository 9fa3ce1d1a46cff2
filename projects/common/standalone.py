"""Imported first by ``projects`` and by every method package, so that a method package
imported by itself still works.

With a host checkout's ``projects/`` folder first on ``sys.path`` (mmdet's ``dist_train.sh``
sets ``PYTHONPATH`` to the checkout), ``projects`` can resolve to that folder: then
``custom_imports = dict(imports=['projects.acsl'])`` loads our ``projects.acsl`` but never runs
``projects/__init__.py``. Importing this module from the method package applies, once per process:

- the compatibility fixes of :mod:`projects.common.compat` (e.g. lvis ``np.float`` for ACSL's
  LVIS evaluation);
- :func:`mmvrl.site.install`: the ``mmvrl::`` config scope and our mmpretrain model index, for
  processes that did not start with ``mmvrl.pth`` (a clone on ``PYTHONPATH``, never installed).
"""
import mmvrl.site

from . import compat

compat.apply_all()
mmvrl.site.install()
