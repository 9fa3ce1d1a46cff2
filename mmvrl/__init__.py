"""The ``mmvrl`` package scope: configs and the model index installed with the package.

OpenMMLab's package-scope conventions (``_base_ = 'mmvrl::acsl/<config>.py'``, mmpretrain's
model hub) look for ``mmvrl/.mim/configs`` and ``mmvrl/.mim/model-index.yml``, as they do for
``mmdet`` and ``mmpretrain``. The code itself lives in ``projects.<method>``. This package is
imported at interpreter start by ``mmvrl.pth`` (see :mod:`mmvrl.site`), so it imports nothing.
"""
import os.path as osp

MIM_DIR = osp.join(osp.dirname(osp.abspath(__file__)), '.mim')
