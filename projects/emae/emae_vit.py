"""ViT encoder that runs all K masked parts of an image in one stacked pass (EMAE)."""
import warnings
from typing import Optional, Tuple

import torch
from mmpretrain.models.selfsup.mae import MAEViT
from mmpretrain.registry import MODELS

from projects.common.masking import gather_tokens, random_patch_noise
from .masking import ParallelMasks, num_visible_patches, parallel_masks


@MODELS.register_module()
class EMAEViT(MAEViT):
    """MAE's ViT encoder with the parallel mask strategy of EMAE.

    arXiv 2302.14431, parallel mask strategy: the patches of one augmented view are split
    into ``num_parts`` disjoint visible sets (see :mod:`projects.emae.masking`). Patch
    embedding and the fixed position embedding are computed once per image; the K visible
    subsets are then stacked part-major into a (K*B, 1 + n_v, D) batch for the ViT blocks.

    ``forward(x, mask=None)`` is the plain ViT of mmpretrain, so a pre-trained checkpoint
    loads into ``VisionTransformer`` for fine-tuning and transfer.

    Args:
        num_parts (int): K. 1 reproduces ``MAEViT`` exactly; ``1 / (1 - mask_ratio)``
            covers every patch. Defaults to 4.
        **kwargs: the arguments of :class:`mmpretrain.models.MAEViT`
            (``arch``, ``img_size``, ``patch_size``, ``mask_ratio``, ...).
    """

    def __init__(self, *args, num_parts: int = 4, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.num_parts = num_parts
        self.num_visible = num_visible_patches(self.num_patches, num_parts,
                                               self.mask_ratio)
        if num_parts > 1 and self.num_patches - 2 * self.num_visible <= 0:
            warnings.warn(
                f'EMAEViT: with num_parts={num_parts} and mask_ratio='
                f'{self.mask_ratio} two parts mask disjoint patch sets '
                f'({self.num_patches} patches, {self.num_visible} visible per '
                'part), so the self-consistency loss has no overlap and is 0; '
                'use mask_ratio > 0.5 for a consistency signal.')

    def parallel_masking(
            self,
            x: torch.Tensor,
            noise: Optional[torch.Tensor] = None
    ) -> Tuple[torch.Tensor, ParallelMasks]:
        """Gather the visible tokens of every part.

        Args:
            x (Tensor): (B, N, D) patch tokens with position embedding.
            noise (Tensor, optional): (B, N) noise that fixes the permutation (tests,
                visualisation). Drawn like ``MAEViT.random_masking`` when None.

        Returns:
            tuple: visible tokens (K*B, n_v, D) and the stacked :class:`ParallelMasks`.
        """
        batch, num_patches, _ = x.shape
        if noise is None:
            noise = random_patch_noise(batch, num_patches, x.device)
        elif noise.shape != (batch, num_patches):
            raise ValueError(f'noise has shape {tuple(noise.shape)}; expected '
                             f'(batch, num_patches) = {(batch, num_patches)}')
        masks = parallel_masks(noise, self.num_parts, self.num_visible)
        if self.num_parts == 1:
            return gather_tokens(x, masks.ids_keep), masks
        ids_keep = masks.ids_keep.view(self.num_parts, batch, -1)
        visible = torch.gather(
            x.unsqueeze(0).expand(self.num_parts, -1, -1, -1),
            dim=2,
            index=ids_keep.unsqueeze(-1).expand(-1, -1, -1, x.shape[-1]))
        return visible.flatten(0, 1), masks

    def forward(
        self,
        x: torch.Tensor,
        mask: Optional[bool] = True,
        noise: Optional[torch.Tensor] = None
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Encode the K masked parts of each image, or run the plain ViT.

        Args:
            x (Tensor): (B, 3, H, W) images.
            mask (bool, optional): ``None``/``False`` runs ``VisionTransformer.forward``.
            noise (Tensor, optional): (B, N) noise fixing the permutation.

        Returns:
            tuple: ``latent`` (K*B, 1 + n_v, D), ``mask`` (K*B, N) with 1 = masked and
            ``ids_restore`` (K*B, N), all part-major.
        """
        if not mask:
            return super(MAEViT, self).forward(x)
        x = self.patch_embed(x)[0]
        if x.shape[1] != self.num_patches:
            raise ValueError(
                f'input gives {x.shape[1]} patches but the backbone was built '
                f'for img_size with {self.num_patches}; set img_size to the '
                'training crop size')
        x = x + self.pos_embed[:, 1:, :]
        x, masks = self.parallel_masking(x, noise)
        cls_token = self.cls_token + self.pos_embed[:, :1, :]
        x = torch.cat((cls_token.expand(x.shape[0], -1, -1), x), dim=1)
        for layer in self.layers:
            x = layer(x)
        x = self.norm1(x)
        return x, masks.mask, masks.ids_restore
