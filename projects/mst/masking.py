"""Attention-guided masking of MST (arXiv 2106.05656, sec. 3.2; mechanics inferred).

For each global crop the teacher's [CLS]-to-patch attention ``A`` (B, N) ranks the patches.
The candidate set holds the ``ceil(q * N)`` patches with the LOWEST attention
(``q = low_attn_ratio``); every candidate is masked independently with probability
``p = mask_prob``. High-attention patches (the top ``N - ceil(q N)``) and the [CLS] token are
never masked, so the important foreground survives; the expected masked fraction is about
``q * p``. ``guidance='random'`` draws the candidate set uniformly instead (same ratio), the
"without attention guidance" ablation.
"""
import math
from typing import Optional

import torch
import torch.nn as nn
from mmpretrain.registry import MODELS


@MODELS.register_module()
class AttentionGuidedMasker(nn.Module):
    """Bool masks (B, N) of low-attention patches; no parameters.

    Args:
        low_attn_ratio (float): q, fraction of patches in the candidate set, in [0, 1].
            Defaults to 0.5 [inferred].
        mask_prob (float): p, probability that a candidate is masked, in [0, 1].
            Defaults to 0.5 [inferred].
        guidance (str): ``'attention'`` (lowest attention, MST) or ``'random'``
            (uniform candidate set, ablation). Defaults to 'attention'.
    """

    def __init__(self, low_attn_ratio: float = 0.5, mask_prob: float = 0.5,
                 guidance: str = 'attention') -> None:
        super().__init__()
        for name, value in (('low_attn_ratio', low_attn_ratio),
                            ('mask_prob', mask_prob)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(
                    f'AttentionGuidedMasker {name}={value} is outside [0, 1]; it is a '
                    f'fraction (MST default 0.5; 0 disables masking).')
        if guidance not in ('attention', 'random'):
            raise ValueError(f"AttentionGuidedMasker guidance='{guidance}'; use "
                             "'attention' or 'random'.")
        self.low_attn_ratio = low_attn_ratio
        self.mask_prob = mask_prob
        self.guidance = guidance

    def num_candidates(self, num_patches: int) -> int:
        """``ceil(q * N)`` (rounding guarded against float noise)."""
        return min(num_patches, math.ceil(round(self.low_attn_ratio * num_patches, 6)))

    def candidates(self, attn: torch.Tensor,
                   generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """Bool (B, N): the candidate set (lowest attention, or random)."""
        batch, num_patches = attn.shape
        n = self.num_candidates(num_patches)
        if self.guidance == 'attention':
            scores = attn
        else:
            scores = torch.rand(attn.shape, generator=generator,
                                device=attn.device if generator is None else generator.device)
            scores = scores.to(attn.device)
        idx = scores.float().argsort(dim=1)[:, :n]
        cand = torch.zeros(batch, num_patches, dtype=torch.bool, device=attn.device)
        return cand.scatter_(1, idx, True)

    @torch.no_grad()
    def forward(self, attn: torch.Tensor,
                generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """Masks (B, N) bool from the attention map (B, N) over the patches.

        Args:
            attn (Tensor): Teacher [CLS]-to-patch attention.
            generator (torch.Generator, optional): Makes the draw reproducible (tests,
                visualisation); the global RNG otherwise.
        """
        if attn.dim() != 2:
            raise ValueError(f'AttentionGuidedMasker expects (B, N) attention, got '
                             f'{tuple(attn.shape)}')
        cand = self.candidates(attn, generator)
        device = attn.device if generator is None else generator.device
        draw = torch.rand(attn.shape, generator=generator, device=device).to(attn.device)
        return cand & (draw < self.mask_prob)
