"""Vision Transformer with [CLS] and [PART] tokens (PASS sec. 3, official
``PASS/vision_transformer.py`` and ``PASS_transreid/model/backbones/vit_pytorch.py``).

mmpretrain's ``VisionTransformer`` (same layer names: ``patch_embed.projection``,
``layers.i.{ln1,attn,ln2,ffn}``, ``ln1``) plus ``num_parts`` learnable [PART] tokens
``part_token{k}`` and separate token positions ``cls_pos`` / ``part{k}_pos``;
``pos_embed`` covers only the patch grid. Sequences:

- global view (``part_index=None``): ``[CLS, PART_1..PART_P, patches]``, output the
  ``1 + P`` token features after the final LayerNorm;
- local view of area ``k`` (``part_index=k-1``): ``[CLS, PART_k, patches]``, output 2.

Position embedding of the patch grid, by ``pos_embed_mode``:

- ``'pretrain'`` (official pre-training, default): always the DINO-style bicubic
  resample with ``scale_factor = ((h/p + 0.1)/H0, (w/p + 0.1)/W0)``. The official early-exit
  check counts the extra tokens and never fires, so even a native-size view gets the
  slightly resampled grid (spec sec. 9).
- ``'finetune'`` (official TransReID fork): the raw ``pos_embed`` (resized bicubically
  only if the grid differs from ``img_size``).
"""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model.weight_init import trunc_normal_
from mmpretrain.models.backbones import VisionTransformer
from mmpretrain.models.utils import resize_pos_embed
from mmpretrain.registry import MODELS


def pretrain_pos_embed(pos_embed: torch.Tensor, src_shape: Tuple[int, int],
                       dst_shape: Tuple[int, int]) -> torch.Tensor:
    """Official pre-training resample of a (1, H0*W0, C) patch-grid embedding.

    Bicubic ``F.interpolate`` with ``scale_factor = ((h + 0.1)/H0, (w + 0.1)/W0)`` for a
    target grid (h, w); the output has ``floor`` of those sizes, i.e. (h, w).
    """
    (h0, w0), (h, w) = src_shape, dst_shape
    dim = pos_embed.shape[-1]
    grid = pos_embed.reshape(1, h0, w0, dim).permute(0, 3, 1, 2)
    out = F.interpolate(
        grid.float(),
        scale_factor=((h + 0.1) / h0, (w + 0.1) / w0),
        mode='bicubic',
        align_corners=False)
    if out.shape[-2:] != (h, w):
        raise RuntimeError(f'PASSViT: position grid {tuple(out.shape[-2:])} != '
                           f'patch grid {(h, w)}')
    return out.permute(0, 2, 3, 1).reshape(1, h * w, dim).to(pos_embed.dtype)


@MODELS.register_module()
class PASSViT(VisionTransformer):
    """ViT with one [CLS] and ``num_parts`` [PART] tokens, each with its own position.

    Args:
        num_parts (int): Number of [PART] tokens (body areas). Defaults to 3.
        img_size (int | tuple): (h, w) of the global view. Defaults to (256, 128).
        pos_embed_mode (str): ``'pretrain'`` or ``'finetune'``, see the module
            docstring. Defaults to ``'pretrain'``.
        pos_embed_hw_ratio (int): h/w ratio of the grid of a loaded ``pos_embed`` whose
            size differs from ours (TransReID ``hw_ratio``); it is then resized
            bilinearly as the official ``load_param``. Defaults to 2.
        **kwargs: mmpretrain ``VisionTransformer`` arguments (``arch``, ``patch_size``,
            ``drop_path_rate``...); ``out_type`` and ``with_cls_token`` are fixed.

    ``forward(x, part_index=None)`` returns a tuple of (B, C) token features:
    ``(z_cls, z_part1, ..., z_partP)`` or ``(z_cls, z_part{part_index+1})``.
    """
    num_extra_tokens = 0  # pos_embed covers the patch grid only
    POS_EMBED_MODES = ('pretrain', 'finetune')

    def __init__(self,
                 num_parts: int = 3,
                 img_size=(256, 128),
                 pos_embed_mode: str = 'pretrain',
                 pos_embed_hw_ratio: int = 2,
                 **kwargs):
        if pos_embed_mode not in self.POS_EMBED_MODES:
            raise ValueError(f'PASSViT: pos_embed_mode={pos_embed_mode!r}; choose '
                             f'one of {self.POS_EMBED_MODES}.')
        for key in ('out_type', 'with_cls_token', 'out_indices'):
            if key in kwargs:
                raise ValueError(
                    f'PASSViT: {key} is fixed (all [CLS]/[PART] tokens of the last '
                    'layer are returned); remove it from the backbone config.')
        kwargs.setdefault('norm_cfg', dict(type='LN', eps=1e-6))
        super().__init__(
            img_size=img_size, out_type='raw', with_cls_token=True, **kwargs)
        self.num_parts = num_parts
        self.pos_embed_mode = pos_embed_mode
        self.pos_embed_hw_ratio = pos_embed_hw_ratio
        dim = self.embed_dims
        self.cls_pos = nn.Parameter(torch.zeros(1, 1, dim))
        for k in range(1, num_parts + 1):
            self.register_parameter(f'part_token{k}',
                                    nn.Parameter(torch.zeros(1, 1, dim)))
            self.register_parameter(f'part{k}_pos',
                                    nn.Parameter(torch.zeros(1, 1, dim)))

    def part_tokens(self):
        return [getattr(self, f'part_token{k}') for k in range(1, self.num_parts + 1)]

    def part_pos(self):
        return [getattr(self, f'part{k}_pos') for k in range(1, self.num_parts + 1)]

    def init_weights(self):
        """Official init: trunc-normal(0.02) tokens, part positions, patch grid and
        linears; ``cls_pos`` zero; LayerNorm (1, 0)."""
        super().init_weights()
        if isinstance(self.init_cfg, dict) and \
                self.init_cfg.get('type') == 'Pretrained':
            return
        for m in self.layers.modules():
            if isinstance(m, nn.Linear):
                trunc_normal_(m.weight, std=.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        for p in [self.cls_token, self.pos_embed] + self.part_tokens() + \
                self.part_pos():
            trunc_normal_(p, std=.02)
        nn.init.zeros_(self.cls_pos)

    def _prepare_pos_embed(self, state_dict, prefix, *args, **kwargs):
        """Resize a loaded patch-grid ``pos_embed`` of another grid bilinearly
        (official ``resize_pos_embed`` with ``hw_ratio``)."""
        name = prefix + 'pos_embed'
        if name not in state_dict or \
                state_dict[name].shape == self.pos_embed.shape:
            return
        src = state_dict[name]
        n = src.shape[1]
        h0 = int((n * self.pos_embed_hw_ratio)**0.5)
        w0 = h0 // self.pos_embed_hw_ratio
        if h0 * w0 != n:
            raise ValueError(
                f'PASSViT: loaded pos_embed has {n} entries, not an h x w grid with '
                f'h/w = pos_embed_hw_ratio={self.pos_embed_hw_ratio}; set '
                'pos_embed_hw_ratio to the pre-training h/w.')
        h, w = self.patch_resolution
        grid = src.reshape(1, h0, w0, -1).permute(0, 3, 1, 2)
        grid = F.interpolate(grid.float(), size=(h, w), mode='bilinear',
                             align_corners=False)
        state_dict[name] = grid.permute(0, 2, 3, 1).reshape(1, h * w, -1).to(
            src.dtype)

    def patch_pos_embed(self, patch_resolution) -> torch.Tensor:
        """Position embedding of a (h, w) patch grid for the current mode."""
        if self.pos_embed_mode == 'pretrain':
            return pretrain_pos_embed(self.pos_embed, self.patch_resolution,
                                      patch_resolution)
        return resize_pos_embed(self.pos_embed, self.patch_resolution,
                                patch_resolution, self.interpolate_mode, 0)

    def forward(self, x: torch.Tensor,
                part_index: Optional[int] = None) -> Tuple[torch.Tensor, ...]:
        """Token features of a global view (``part_index=None``) or of a local view
        of area ``part_index`` (0-based)."""
        B = x.shape[0]
        x, patch_resolution = self.patch_embed(x)
        if part_index is None:
            tokens, pos = self.part_tokens(), self.part_pos()
        else:
            if not 0 <= part_index < self.num_parts:
                raise ValueError(f'PASSViT: part_index={part_index} outside '
                                 f'[0, {self.num_parts}).')
            tokens = [self.part_tokens()[part_index]]
            pos = [self.part_pos()[part_index]]
        extra = torch.cat([self.cls_token] + tokens, dim=1)
        extra_pos = torch.cat([self.cls_pos] + pos, dim=1)
        x = torch.cat([extra.expand(B, -1, -1), x], dim=1)
        x = x + torch.cat(
            [extra_pos, self.patch_pos_embed(patch_resolution)], dim=1)
        x = self.drop_after_pos(x)
        x = self.pre_norm(x)
        for layer in self.layers:
            x = layer(x)
        if self.final_norm:
            x = self.ln1(x)
        return tuple(x[:, i] for i in range(extra.shape[1]))

    def get_layer_depth(self, param_name: str, prefix: str = ''):
        """Token parameters sit at depth 0 with ``cls_token`` and ``pos_embed``."""
        name = param_name[len(prefix):] if param_name.startswith(prefix) \
            else param_name
        if name == 'cls_pos' or name.startswith('part'):
            return 0, self.num_layers + 2
        return super().get_layer_depth(param_name, prefix)
