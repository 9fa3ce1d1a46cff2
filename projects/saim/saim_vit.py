"""ViT content stream for SAIM pre-training (spec sections 1.2-1.4, 5)."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmpretrain.models import VisionTransformer
from mmpretrain.models.utils import to_2tuple
from mmpretrain.registry import MODELS

from .generation_order import (check_noise, check_order, order_noise,
                               two_stream_masks)
from .two_stream import content_stream_layer, xavier_init_layer


def sincos_pos_embed(grid_size: Tuple[int, int], embed_dims: int,
                     temperature: float = 10000.) -> torch.Tensor:
    """Fixed 2-D sin-cos position embedding in the MAE/SAIM layout, with a zero cls row.

    Tokens are in row-major patch order. The first ``D/2`` channels encode the column
    (``sin`` then ``cos`` of ``col * omega``), the last ``D/2`` the row, with
    ``omega_k = temperature ** (-k / (D/4))`` (spec section 9). mmpretrain's
    ``build_2d_sincos_position_embedding`` swaps the row and column roles, which is why
    this builder exists: the query stream consumes the table directly.

    Returns:
        Tensor (1, 1 + H*W, D).
    """
    if embed_dims % 4:
        raise ValueError(f'embed_dims={embed_dims} must be divisible by 4 for '
                         'the 2-D sin-cos position embedding')
    rows, cols = grid_size
    quarter = embed_dims // 4
    omega = 1. / temperature**(
        torch.arange(quarter, dtype=torch.float64) / quarter)
    row = torch.arange(rows, dtype=torch.float64).repeat_interleave(cols)
    col = torch.arange(cols, dtype=torch.float64).repeat(rows)

    def encode(pos):
        out = pos[:, None] * omega[None]
        return torch.cat((out.sin(), out.cos()), dim=1)

    table = torch.cat((encode(col), encode(row)), dim=1)
    table = torch.cat((table.new_zeros(1, embed_dims), table), dim=0)
    return table.float().unsqueeze(0)


@MODELS.register_module()
class SAIMViT(VisionTransformer):
    """ViT encoder (content stream) of SAIM, with mmpretrain ``VisionTransformer`` names.

    Arxiv 2212.01610 / official ``SaimViT``: patch tokens plus a frozen sin-cos position
    embedding, a cls token, and ``num_layers`` blocks run with the causal content mask
    ``A_h`` of a generation order (a patch attends to itself and its predecessors, see
    :mod:`projects.saim.generation_order`). The final norm ``ln1`` is *not* applied to the
    content stream; SAIM applies it to the query stream (spec 1.4).

    ``forward(x, mask=None)`` is mmpretrain's bidirectional ViT (fine-tuning, features),
    so the pre-trained state dict loads into ``VisionTransformer`` unchanged.

    Args:
        generation_order (str): ``'random'`` (SAIM: a fresh permutation per image and
            step) or ``'raster'`` (row-major, the ViT-iGPT baseline). Defaults to
            ``'random'``.
        arch, img_size, patch_size, out_indices, drop_rate, drop_path_rate, norm_cfg,
        out_type, interpolate_mode, patch_cfg, layer_cfgs, init_cfg: as in mmpretrain's
            ``VisionTransformer`` (``out_type`` defaults to ``'raw'``, ``norm_cfg`` to LN
            with eps 1e-6; ``final_norm`` is always on).
    """

    def __init__(self,
                 arch: Union[str, dict] = 'b',
                 img_size: int = 224,
                 patch_size: int = 16,
                 out_indices: Union[Sequence, int] = -1,
                 drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 out_type: str = 'raw',
                 interpolate_mode: str = 'bicubic',
                 patch_cfg: dict = dict(),
                 layer_cfgs: dict = dict(),
                 generation_order: str = 'random',
                 init_cfg: Optional[Union[List[dict], dict]] = None) -> None:
        size, patch = to_2tuple(img_size), to_2tuple(patch_size)
        if size[0] % patch[0] or size[1] % patch[1]:
            raise ValueError(
                f'img_size={img_size} is not divisible by patch_size='
                f'{patch_size}; choose an img_size that is a multiple of '
                f'{patch_size} (e.g. {size[0] // patch[0] * patch[0]})')
        super().__init__(
            arch=arch,
            img_size=img_size,
            patch_size=patch_size,
            out_indices=out_indices,
            drop_rate=drop_rate,
            drop_path_rate=drop_path_rate,
            norm_cfg=norm_cfg,
            final_norm=True,
            out_type=out_type,
            with_cls_token=True,
            interpolate_mode=interpolate_mode,
            patch_cfg=patch_cfg,
            layer_cfgs=layer_cfgs,
            init_cfg=init_cfg)
        self.generation_order = check_order(generation_order)
        self.pos_embed.requires_grad = False
        self.num_patches = self.patch_resolution[0] * self.patch_resolution[1]
        self.patch_size = patch[0]

    def init_weights(self) -> None:
        """Official initialisation (spec section 2): sin-cos position table, xavier for
        the flattened patch projection and every Linear, cls token N(0, 0.02)."""
        super().init_weights()
        if isinstance(self.init_cfg, dict) and \
                self.init_cfg.get('type') == 'Pretrained':
            return
        self.pos_embed.data.copy_(
            sincos_pos_embed(self.patch_resolution, self.embed_dims))
        weight = self.patch_embed.projection.weight.data
        torch.nn.init.xavier_uniform_(weight.view(weight.shape[0], -1))
        torch.nn.init.zeros_(self.patch_embed.projection.bias)
        torch.nn.init.normal_(self.cls_token, std=.02)
        for layer in self.layers:
            xavier_init_layer(layer)
        torch.nn.init.ones_(self.ln1.weight)
        torch.nn.init.zeros_(self.ln1.bias)

    def order_noise(self,
                    batch_size: int,
                    device: Optional[torch.device] = None,
                    generator: Optional[torch.Generator] = None
                    ) -> torch.Tensor:
        """Noise (B, N) of this backbone's generation order (random or raster)."""
        return order_noise(batch_size, self.num_patches, self.generation_order,
                           device, generator)

    def forward(
        self,
        x: torch.Tensor,
        mask: Optional[bool] = True,
        noise: Optional[torch.Tensor] = None
    ) -> Tuple[Tuple[torch.Tensor, ...], torch.Tensor, torch.Tensor]:
        """Run the content stream under a generation order, or the plain ViT.

        Args:
            x (Tensor): (B, 3, H, W) images.
            mask (bool, optional): ``None``/``False`` runs ``VisionTransformer.forward``
                (bidirectional, used by ``extract_feat``).
            noise (Tensor, optional): (B, N) order noise (tests, visualisation);
                drawn by :meth:`order_noise` when None.

        Returns:
            tuple: ``states`` (one (B, 1 + N, D) content state per block, un-normalised),
            ``query_mask`` (B, 1, 1 + N, 1 + N) for the query stream, and ``noise``.
        """
        if not mask:
            return super().forward(x)
        tokens = self.patch_embed(x)[0]
        batch, num_patches = tokens.shape[:2]
        if num_patches != self.num_patches:
            raise ValueError(
                f'input {tuple(x.shape[-2:])} gives {num_patches} patches but the '
                f'backbone was built for {self.num_patches} (img_size='
                f'{self.img_size}); set img_size to the training crop size')
        if noise is None:
            noise = self.order_noise(batch, tokens.device)
        check_noise(noise, batch, num_patches)
        content_mask, query_mask = two_stream_masks(noise.to(tokens.device))
        cls_token = (self.cls_token + self.pos_embed[:, :1]).expand(
            batch, -1, -1)
        h = torch.cat((cls_token, tokens + self.pos_embed[:, 1:]), dim=1)
        states = []
        for layer in self.layers:
            h = content_stream_layer(layer, h, content_mask)
            states.append(h)
        return tuple(states), query_mask, noise
