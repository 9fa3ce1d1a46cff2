"""Parallel mask strategy of EMAE (arXiv 2302.14431, Sec. "parallel mask strategy").

One random permutation ``pi`` per image is cut into ``K`` consecutive chunks of
``n_v = int(N * (1 - mask_ratio))`` patches; chunk ``k`` is the visible set ``V_k`` of part
``k``. Sampling part 1 from all patches, part 2 from the remainder, ... ("progressive"
division) has exactly this distribution. The visible sets are disjoint, each part has the
mask ratio of MAE, and with ``K = N / n_v`` every patch is visible in exactly one part and
masked in the other ``K - 1``; with ``K * n_v < N`` (partial coverage) the remaining
patches are masked in every part.

Parts are stacked along the batch axis in part-major order: row ``k * B + b`` is part ``k`` of
image ``b``.
"""
from typing import NamedTuple

import torch

from projects.common.masking import mask_from_restore, restore_ids


class ParallelMasks(NamedTuple):
    """Per-part MAE bookkeeping, stacked part-major.

    Attributes:
        ids_keep (Tensor): (K*B, n_v) visible patch indices of each part.
        mask (Tensor): (K*B, N) binary mask in patch order, 1 = masked.
        ids_restore (Tensor): (K*B, N) inverse of each part's ``ids_shuffle``.
    """
    ids_keep: torch.Tensor
    mask: torch.Tensor
    ids_restore: torch.Tensor


def num_visible_patches(num_patches: int, num_parts: int,
                        mask_ratio: float) -> int:
    """Visible patches per part; raise a clear error for incompatible settings.

    The masks are well defined whenever the ``K`` visible sets fit disjointly,
    ``K * n_v <= N`` (the spec's ``num_parts <= floor(1/(1-r))``). ``K`` need not divide
    ``N``: with ``K * n_v < N`` (e.g. K = 3 at 196 patches and r = 0.75: 3 x 49 = 147) the
    parts cover only part of the image (partial coverage, an ablation of the paper's
    full-coverage ``K = 1/(1-r)``); the patches after the first ``K * n_v`` of the
    permutation are masked in every part.

    Args:
        num_patches (int): N, patches per image.
        num_parts (int): K, parts drawn from one image.
        mask_ratio (float): r, fraction of patches masked in each part.

    Returns:
        int: ``n_v = int(N * (1 - r))`` as in ``MAEViT.random_masking``.
    """
    if not isinstance(num_parts, int) or isinstance(num_parts, bool) \
            or num_parts < 1:
        raise ValueError(f'num_parts={num_parts!r} must be a positive int; '
                         'use 1 for MAE or 1/(1-mask_ratio) (4 for 0.75) for '
                         'full-coverage EMAE')
    if not 0.0 <= mask_ratio < 1.0:
        raise ValueError(f'mask_ratio={mask_ratio!r} must be in [0, 1); '
                         'EMAE uses 0.75')
    num_visible = int(num_patches * (1 - mask_ratio))
    if num_visible < 1:
        raise ValueError(
            f'mask_ratio={mask_ratio} leaves no visible patch out of '
            f'{num_patches}; lower mask_ratio or use smaller patches')
    if num_parts * num_visible > num_patches:
        max_parts = num_patches // num_visible
        raise ValueError(
            f'num_parts={num_parts} parts of {num_visible} visible patches '
            f'need {num_parts * num_visible} > {num_patches} patches, so the '
            f'visible sets cannot be disjoint; choose num_parts <= '
            f'{max_parts} (= floor(N / n_v), about 1/(1-mask_ratio)) or a '
            'higher mask_ratio')
    return num_visible


def parallel_masks(noise: torch.Tensor, num_parts: int,
                   num_visible: int) -> ParallelMasks:
    """Build K disjoint visible sets from one permutation per image.

    Part ``k`` uses ``ids_shuffle_k = [chunk_k, chunk_{k+1}, ..., chunk_{k-1}, rest]``
    (the chunks rotated so that its own comes first), so MAE's decoder gather works
    unchanged with ``ids_restore_k = argsort(ids_shuffle_k)``. With ``num_parts=1`` this
    is exactly ``MAEViT.random_masking``.

    Args:
        noise (Tensor): (B, N) noise; ``argsort`` along N gives the permutation.
        num_parts (int): K.
        num_visible (int): n_v, with ``K * n_v <= N``.

    Returns:
        ParallelMasks stacked part-major (row ``k * B + b``).
    """
    batch, num_patches = noise.shape
    covered = num_parts * num_visible
    ids_perm = torch.argsort(noise, dim=1)
    if num_parts == 1:
        ids_shuffle = ids_perm
    else:
        head, rest = ids_perm[:, :covered], ids_perm[:, covered:]
        ids_shuffle = torch.cat([
            torch.cat([torch.roll(head, -k * num_visible, dims=1), rest],
                      dim=1) for k in range(num_parts)
        ],
                                dim=0)
    ids_restore = restore_ids(ids_shuffle)
    mask = mask_from_restore(ids_restore, num_visible)
    return ParallelMasks(ids_shuffle[:, :num_visible], mask, ids_restore)
