"""Sparse spatial sampling of MAC (arXiv 2212.00986, Fig. 2): video patch and caption token masks.

Video: every frame keeps the same number ``K = int(P * (1 - rho_v))`` of its ``P`` patches
(the MAE rule of ``MAEViT.random_masking``), so the kept tokens still form ``T`` groups of
``K`` and Frozen-in-Time's divided space-time blocks run unchanged with ``n = K``.

- ``frame_random`` (default, as the paper's figure): an independent uniform draw per frame,
  so the temporal group "slot j" links different spatial positions across frames.
- ``tube``: one draw per clip shared by all frames (temporal groups stay location-consistent).
- ``joint``: the ``frame_random`` draw, encoded with joint space-time attention over all
  ``T * K`` visible tokens instead of the divided blocks (VideoMAE style; spec section 1.3,
  inferred option), so the slot structure plays no role.

Text: the figure's inputs read "[mask] is folding ... [mask]": chosen words are replaced by
``[MASK]``; the sequence length, the positions and the attention mask are unchanged. Among the
real tokens of a caption (not ``[CLS]``/``[SEP]``/``[PAD]``) ``round(rho_t * n_real)`` are
replaced, drawn uniformly without replacement.
"""
from typing import Optional, Sequence

import torch

MASK_STRATEGIES = ('frame_random', 'tube', 'joint')


def num_visible_per_frame(num_patches: int, mask_ratio: float) -> int:
    """Kept patches per frame, ``int(P * (1 - rho_v))``, with a clear error when none is left."""
    if not 0.0 <= mask_ratio < 1.0:
        raise ValueError(f'video mask_ratio={mask_ratio!r} must be in [0, 1); '
                         'MAC uses 0.6')
    num_visible = int(num_patches * (1 - mask_ratio))
    if num_visible < 1:
        raise ValueError(
            f'video mask_ratio={mask_ratio} keeps no patch of the {num_patches} '
            'in a frame; lower the ratio or use smaller patches')
    return num_visible


def sample_visible_patches(batch_size: int,
                           num_frames: int,
                           num_patches: int,
                           mask_ratio: float,
                           strategy: str = 'frame_random',
                           device: Optional[torch.device] = None
                           ) -> torch.Tensor:
    """Indices of the visible patches of every frame.

    The indices of a frame are the ``K`` lowest entries of a uniform noise vector, as in
    MAE (argsort of ``torch.rand``), so they are a uniformly random ``K``-subset in random order.

    Args:
        batch_size (int): B clips.
        num_frames (int): T frames per clip.
        num_patches (int): P patches per frame.
        mask_ratio (float): rho_v, the fraction of patches dropped in every frame.
        strategy (str): ``'frame_random'``, ``'tube'`` or ``'joint'`` (drawn as
            ``'frame_random'``; the strategy changes the encoder's attention only).

    Returns:
        LongTensor (B, T, K) of patch indices in [0, P), unique within each frame.
    """
    if strategy not in MASK_STRATEGIES:
        raise ValueError(f'mask_strategy={strategy!r} is unknown; choose one '
                         f'of {MASK_STRATEGIES}')
    num_visible = num_visible_per_frame(num_patches, mask_ratio)
    if strategy == 'tube':
        noise = torch.rand(batch_size, 1, num_patches, device=device)
        noise = noise.expand(-1, num_frames, -1)
    else:
        noise = torch.rand(batch_size, num_frames, num_patches, device=device)
    return torch.argsort(noise, dim=-1)[..., :num_visible]


def gather_visible_patches(patches: torch.Tensor,
                           ids_keep: torch.Tensor) -> torch.Tensor:
    """Keep the visible patch tokens of every frame.

    Args:
        patches (Tensor): (B, T*P, D) patch tokens, frame-major, positions already added.
        ids_keep (Tensor): (B, T, K) from :func:`sample_visible_patches`.

    Returns:
        Tensor (B, T*K, D), frame-major.
    """
    b, t, k = ids_keep.shape
    d = patches.shape[-1]
    frames = patches.reshape(b, t, -1, d)
    kept = torch.gather(frames, 2, ids_keep.unsqueeze(-1).expand(-1, -1, -1, d))
    return kept.reshape(b, t * k, d)


def mask_text_tokens(text_ids: torch.Tensor,
                     text_mask: torch.Tensor,
                     mask_ratio: float,
                     mask_token_id: int,
                     special_token_ids: Sequence[int]) -> torch.Tensor:
    """Replace ``round(rho_t * n_real)`` real tokens of each caption by ``[MASK]``.

    Args:
        text_ids (LongTensor): (B, L) token ids.
        text_mask (Tensor): (B, L) attention mask, 1 for tokens and 0 for padding.
        mask_ratio (float): rho_t in [0, 1].
        mask_token_id (int): id of ``[MASK]`` (103 in the BERT-uncased vocab).
        special_token_ids (Sequence[int]): ids never replaced (``[CLS]``, ``[SEP]``, ``[PAD]``).

    Returns:
        LongTensor (B, L): a new tensor; ``text_ids`` is not modified.
    """
    if not 0.0 <= mask_ratio <= 1.0:
        raise ValueError(f'text mask_ratio={mask_ratio!r} must be in [0, 1]; '
                         'MAC uses 0.3')
    if mask_ratio == 0:
        return text_ids.clone()
    special = torch.as_tensor(list(special_token_ids), device=text_ids.device)
    real = text_mask.bool() & ~torch.isin(text_ids, special)
    n_mask = torch.floor(real.sum(1).double() * mask_ratio + 0.5).long()
    noise = torch.rand(text_ids.shape, device=text_ids.device)
    noise = noise.masked_fill(~real, 2.0)
    rank = torch.argsort(torch.argsort(noise, dim=1), dim=1)
    chosen = (rank < n_mask[:, None]) & real
    return text_ids.masked_fill(chosen, mask_token_id)
