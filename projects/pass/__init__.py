"""PASS: Part-Aware Self-Supervised Pre-Training for Person Re-Identification
(Zhu et al., ECCV 2022, arXiv 2203.03931).

Pre-training (mmpretrain): ``PASSMultiCrop`` views, ``PASSViT`` with [PART] tokens,
``PASSProjector`` (4 DINO branches), ``PASSHead`` (44-term loss, 4 centers), ``PASS``
(EMA teacher on the globals) and the per-parameter clipping optimiser wrappers; the
teacher, DINO head, centering loss, hooks and multi-crop base come from
:mod:`projects.common.ssl`.
ReID fine-tuning and evaluation: ``Market1501Dataset``, ``MSMT17Dataset``,
``RandomIdentitySampler``, ``PartBNNeck``, ``PASSReIDHead``, ``WarmupCosineLR`` and
``ReIDMetric`` (Market protocol).

``pass`` is a Python keyword: import the package by name,
``importlib.import_module('projects.pass')`` (configs do this through
``custom_imports``).
"""
from projects.common import ssl as _ssl  # noqa: F401  (registers the SSL toolkit)
from .identity_sampler import RandomIdentitySampler
from .lr_schedule import WarmupCosineLR
from .optim_wrapper import (PerParameterClipAmpOptimWrapper,
                            PerParameterClipOptimWrapper)
from .part_crops import PASSMultiCrop, area_rows
from .pass_algorithm import PASS
from .pass_head import PASSHead
from .pass_vit import PASSViT, pretrain_pos_embed
from .projector import PASSProjector
from .reid_datasets import Market1501Dataset, MSMT17Dataset
from .reid_metric import ReIDMetric, market_protocol, squared_euclidean
from .reid_model import (PartBNNeck, PASSReIDHead,
                         batch_hard_soft_margin_triplet)

__all__ = [
    'PASS', 'PASSHead', 'PASSMultiCrop', 'PASSProjector', 'PASSReIDHead',
    'PASSViT', 'PartBNNeck', 'Market1501Dataset', 'MSMT17Dataset',
    'RandomIdentitySampler', 'ReIDMetric', 'PerParameterClipOptimWrapper',
    'PerParameterClipAmpOptimWrapper', 'WarmupCosineLR', 'area_rows',
    'market_protocol', 'squared_euclidean', 'pretrain_pos_embed',
    'batch_hard_soft_margin_triplet'
]
