"""MAC: Masked Contrastive Pre-Training for Efficient Video-Text Retrieval (arXiv 2212.00986).

Registers in mmaction2's registries: ``MACRetriever``, ``MACSpaceTimeViT``, ``MACTextEncoder``
and ``MACContrastiveLoss`` (MODELS), ``MACTokenize`` and ``MACLoadImageClip`` (TRANSFORMS),
``MACVideoTextDataset`` and ``MACImageTextDataset`` (DATASETS), ``MACRetrievalMetric``
(METRICS), ``MACSourceBatchSampler`` (DATA_SAMPLERS). Video decoding and frame sampling
are mmaction2's own transforms.
"""
from .contrastive_loss import GatherLayer, MACContrastiveLoss, gather_with_grad
from .datasets import MACImageTextDataset, MACVideoTextDataset
from .mac import MACRetriever
from .masking import (gather_visible_patches, mask_text_tokens,
                      num_visible_per_frame, sample_visible_patches)
from .samplers import MACSourceBatchSampler
from .retrieval_metric import (MACRetrievalMetric, rank_summary,
                               ranks_from_similarity)
from .space_time_vit import MACSpaceTimeViT
from .text_encoder import MACTextEncoder
from .tokenizer import MACTokenize, WordPieceTokenizer, build_tokenizer
from .transforms import MACLoadImageClip

__all__ = [
    'GatherLayer', 'MACContrastiveLoss', 'gather_with_grad',
    'MACImageTextDataset', 'MACVideoTextDataset', 'MACRetriever',
    'gather_visible_patches', 'mask_text_tokens', 'num_visible_per_frame',
    'sample_visible_patches', 'MACRetrievalMetric', 'rank_summary',
    'ranks_from_similarity', 'MACSpaceTimeViT', 'MACTextEncoder',
    'MACTokenize', 'WordPieceTokenizer', 'build_tokenizer', 'MACLoadImageClip',
    'MACSourceBatchSampler'
]
