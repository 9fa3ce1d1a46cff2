"""Token masking utilities for masked-image-modelling ViTs (MAE-style bookkeeping).

Conventions follow mmpretrain's ``MAEViT.random_masking``: ``ids_shuffle`` lists patch
indices with the kept (visible) ones first, ``ids_restore = argsort(ids_shuffle)`` puts the
decoder sequence back in patch order, and the binary mask is ``1`` for a removed (masked)
patch and ``0`` for a visible one.
"""
from typing import Optional

import torch


def random_patch_noise(batch_size: int,
                       num_patches: int,
                       device: Optional[torch.device] = None) -> torch.Tensor:
    """Uniform noise whose per-row argsort is a uniformly random permutation.

    Drawn with the same call as ``MAEViT.random_masking`` (``torch.rand(B, N)``), so a
    seeded run consumes the random stream exactly like mmpretrain's MAE.

    Returns:
        Tensor of shape (B, N).
    """
    return torch.rand(batch_size, num_patches, device=device)


def restore_ids(ids_shuffle: torch.Tensor) -> torch.Tensor:
    """Inverse permutation of ``ids_shuffle`` along the last axis, shape (..., N)."""
    return torch.argsort(ids_shuffle, dim=-1)


def mask_from_restore(ids_restore: torch.Tensor,
                      num_visible: int) -> torch.Tensor:
    """Binary mask (1 = masked) in patch order, as built in ``MAEViT.random_masking``.

    Args:
        ids_restore (Tensor): (B, N) inverse permutation.
        num_visible (int): how many leading entries of ``ids_shuffle`` are kept.

    Returns:
        Tensor (B, N) of 0./1. floats.
    """
    mask = torch.ones(ids_restore.shape, device=ids_restore.device)
    mask[:, :num_visible] = 0
    return torch.gather(mask, dim=1, index=ids_restore)


def gather_tokens(x: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """Select tokens along the sequence axis.

    Args:
        x (Tensor): (B, N, D) tokens.
        ids (Tensor): (B, M) indices into N.

    Returns:
        Tensor (B, M, D).
    """
    return torch.gather(
        x, dim=1, index=ids.unsqueeze(-1).expand(-1, -1, x.shape[-1]))


def patchify(imgs: torch.Tensor, patch_size: int) -> torch.Tensor:
    """(B, C, H, W) images -> (B, N, p*p*C) patches in row-major patch order.

    Channel-last inside a patch, the layout of ``MAEPretrainHead.patchify``.
    """
    b, c, h, w = imgs.shape
    p = patch_size
    if h % p or w % p:
        raise ValueError(f'image size {h}x{w} is not divisible by '
                         f'patch_size={p}; resize or crop to a multiple of {p}')
    x = imgs.reshape(b, c, h // p, p, w // p, p)
    x = torch.einsum('nchpwq->nhwpqc', x)
    return x.reshape(b, (h // p) * (w // p), p * p * c)


def unpatchify(x: torch.Tensor, patch_size: int, height: int,
               width: int) -> torch.Tensor:
    """Inverse of :func:`patchify`: (B, N, p*p*C) -> (B, C, H, W)."""
    p = patch_size
    h, w = height // p, width // p
    c = x.shape[-1] // (p * p)
    x = x.reshape(x.shape[0], h, w, p, p, c)
    x = torch.einsum('nhwpqc->nchpwq', x)
    return x.reshape(x.shape[0], c, h * p, w * p)
