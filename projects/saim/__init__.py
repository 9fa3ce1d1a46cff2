"""SAIM: Exploring Stochastic Autoregressive Image Modeling for Visual Representation
(Qi et al., AAAI 2023, arXiv 2212.01610).

Registers ``SAIM``, ``SAIMViT``, ``SAIMQueryDecoder`` and ``SAIMPretrainHead`` in
mmpretrain's MODELS. The generation orders and two-stream masks are in
:mod:`projects.saim.generation_order`.
"""
from .generation_order import (generation_rank, order_noise,
                               two_stream_masks)
from .query_decoder import SAIMQueryDecoder
from .saim import SAIM
from .saim_head import GaussianBlur, SAIMPretrainHead, gaussian_kernel
from .saim_vit import SAIMViT, sincos_pos_embed

__all__ = [
    'SAIM', 'SAIMViT', 'SAIMQueryDecoder', 'SAIMPretrainHead', 'GaussianBlur',
    'gaussian_kernel', 'generation_rank', 'order_noise', 'sincos_pos_embed',
    'two_stream_masks'
]
