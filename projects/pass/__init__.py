"""PASS: Part-Aware Self-Supervised Pre-Training for Person Re-Identification
(Zhu et al., ECCV 2022, arXiv 2203.03931).

ReID fine-tuning and evaluation: ``Market1501Dataset``, ``MSMT17Dataset``,
``RandomIdentitySampler``, ``PASSViT``, ``PartBNNeck``, ``PASSReIDHead``,
``WarmupCosineLR`` and ``ReIDMetric`` (Market protocol).

``pass`` is a Python keyword: import the package by name,
``importlib.import_module('projects.pass')`` (configs do this through
``custom_imports``).
"""
from .identity_sampler import RandomIdentitySampler
from .lr_schedule import WarmupCosineLR
from .pass_vit import PASSViT, pretrain_pos_embed
from .reid_datasets import Market1501Dataset, MSMT17Dataset
from .reid_metric import ReIDMetric, market_protocol, squared_euclidean
from .reid_model import (PartBNNeck, PASSReIDHead,
                         batch_hard_soft_margin_triplet)

__all__ = [
    'PASSReIDHead', 'PASSViT', 'PartBNNeck', 'Market1501Dataset',
    'MSMT17Dataset', 'RandomIdentitySampler', 'ReIDMetric', 'WarmupCosineLR',
    'market_protocol', 'squared_euclidean', 'pretrain_pos_embed',
    'batch_hard_soft_margin_triplet'
]
