"""CDCL: Cross-Dataset Collaborative Learning for semantic segmentation (arXiv 2103.11351).

Dataset-Aware Blocks (shared convolutions + dataset-specific BatchNorm, ``dsbn.py``),
per-dataset classifiers (``heads.py``), Dataset Alternation Training in one summed loss
(``segmentor.py``), balanced multi-dataset batches (``sampler.py``), the dataset index
transform (``transforms.py``), CamVid (``datasets.py``) and per-dataset evaluation
(``loops.py``) for mmseg 1.x.
"""
from ..common import standalone  # noqa: F401  (fixes when imported by itself)
from .datasets import CamVidDataset
from .dsbn import (DatasetAwareMixin, DatasetSpecificBatchNorm,
                   DatasetSpecificSyncBatchNorm, dataset_aware_modules,
                   set_dataset_idx)
from .heads import DatasetAwareFCNHead, DatasetAwarePSPHead
from .loops import MultiDatasetTestLoop, MultiDatasetValLoop
from .sampler import MultiSourceSampler
from .segmentor import CDCLEncoderDecoder
from .transforms import SetDatasetIndex

__all__ = [
    'CamVidDataset', 'DatasetAwareMixin', 'DatasetSpecificBatchNorm',
    'DatasetSpecificSyncBatchNorm', 'dataset_aware_modules', 'set_dataset_idx',
    'DatasetAwareFCNHead', 'DatasetAwarePSPHead', 'MultiDatasetTestLoop',
    'MultiDatasetValLoop', 'MultiSourceSampler', 'CDCLEncoderDecoder',
    'SetDatasetIndex'
]
