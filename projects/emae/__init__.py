"""EMAE: Efficient Masked Autoencoders with Self-Consistency (arXiv 2302.14431).

Registers ``EMAE``, ``EMAEViT`` and ``EMAEPretrainHead`` in mmpretrain's MODELS. The
decoder is mmpretrain's ``MAEPretrainDecoder``, unchanged.
"""
from ..common import standalone  # noqa: F401  (fixes when imported by itself)
from .emae import EMAE
from .emae_head import EMAEPretrainHead
from .emae_vit import EMAEViT
from .metrics import ReconstructionMetric
from .masking import ParallelMasks, num_visible_patches, parallel_masks

__all__ = [
    'EMAE', 'EMAEViT', 'EMAEPretrainHead', 'ParallelMasks',
    'num_visible_patches', 'parallel_masks', 'ReconstructionMetric'
]
