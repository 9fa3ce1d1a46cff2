"""ViT with a learnable [MASK] token and an explicit cls-to-patch attention map (MST sec. 3).

MST (arXiv 2106.05656) masks the student's low-attention patch tokens BERT-style: the patch
embedding of a masked position is replaced by a shared learnable [MASK] vector before the
position embedding is added, and the sequence keeps all N + 1 tokens. The masks come from the
teacher's last-layer self-attention of the [CLS] query over the patch keys. mmpretrain's
``MultiheadAttention`` runs fused scaled-dot-product attention and exposes no weights, so the
map is recomputed here from the layer's own ``qkv`` projection on its LayerNorm input:
``A = softmax(q k^T * d^-0.5)`` (mmpretrain's scale), row 0 (the [CLS] query), columns 1..N.

Parameter names are those of :class:`mmpretrain.models.VisionTransformer` plus ``mask_token``,
so a pre-trained encoder loads into ``VisionTransformer`` (``mask_token`` is ignored).
"""
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model.weight_init import trunc_normal_
from mmpretrain.models import VisionTransformer
from mmpretrain.models.utils import resize_pos_embed
from mmpretrain.registry import MODELS


def attention_weights(layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Softmax attention (B, heads, L, L) of a ``TransformerEncoderLayer`` on its input ``x``.

    Reads ``layer.ln1`` and ``layer.attn.qkv`` exactly as the layer's forward does; the fused
    layer output is ``proj(A @ v)`` (see the tests).
    """
    attn = layer.attn
    batch, length, _ = x.shape
    qkv = attn.qkv(layer.ln1(x)).reshape(batch, length, 3, attn.num_heads,
                                         attn.head_dims).permute(2, 0, 3, 1, 4)
    q, k = qkv[0], qkv[1]
    return (q @ k.transpose(-2, -1) * attn.head_dims**-0.5).softmax(dim=-1)


@MODELS.register_module()
class MSTViT(VisionTransformer):
    """VisionTransformer with token masking and the [CLS] attention of one layer.

    Args:
        attn_layer (int): Layer whose [CLS] attention is returned; negative values count
            from the end. Defaults to -1 (last block, MST).
        head_reduce (str): How the per-head maps are combined: ``'mean'`` (default) or
            ``'max'`` [inferred].
        bert_style (bool): In training, of the masked patches 80 % get ``mask_token``, 10 %
            the embedding of a random patch of the batch and 10 % stay unchanged (BERT);
            off by default (every masked patch gets ``mask_token``) [inferred].
        **kwargs: The arguments of :class:`mmpretrain.models.VisionTransformer`; the
            image size must be a multiple of the patch size.

    ``forward(x, mask=None, return_attn=False)``: ``mask`` (B, N) bool marks the patches
    replaced by ``mask_token``; with ``return_attn`` the output is ``(outs, attn)`` where
    ``attn`` is (B, N), the [CLS] query's attention over the N patch keys.
    """

    def __init__(self, *args, attn_layer: int = -1, head_reduce: str = 'mean',
                 bert_style: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        depth = self.num_layers
        if not -depth <= attn_layer < depth:
            raise ValueError(
                f'MSTViT attn_layer={attn_layer} is beyond the {depth} blocks of this '
                f'ViT; use an index in [{-depth}, {depth - 1}] (-1: last block).')
        if head_reduce not in ('mean', 'max'):
            raise ValueError(f"MSTViT head_reduce='{head_reduce}'; use 'mean' or 'max'.")
        img_size, patch_size = kwargs.get('img_size', 224), kwargs.get('patch_size', 16)
        for size in ((img_size, ) if isinstance(img_size, int) else img_size):
            if size % patch_size:
                raise ValueError(
                    f'MSTViT img_size={img_size} is not divisible by patch_size='
                    f'{patch_size}; choose a crop size that is a multiple of the patch '
                    'size (224 or 96 for 16x16 patches).')
        if self.cls_token is None:
            raise ValueError('MSTViT needs the [CLS] token (with_cls_token=True): the '
                             'masks are drawn from its attention.')
        self.attn_layer = attn_layer % depth
        self.head_reduce = head_reduce
        self.bert_style = bert_style
        self.mask_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims))

    def init_weights(self) -> None:
        super().init_weights()
        if not (isinstance(self.init_cfg, dict)
                and self.init_cfg.get('type') == 'Pretrained'):
            trunc_normal_(self.mask_token, std=0.02)

    def embed(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None
              ) -> Tuple[torch.Tensor, Tuple[int, int]]:
        """Tokens (B, 1 + N, C) with masked patches replaced and position embedding added."""
        batch = x.shape[0]
        for size in x.shape[-2:]:
            if size % self.patch_resolution_stride:
                raise ValueError(
                    f'MSTViT got a {tuple(x.shape[-2:])} crop, not divisible by the '
                    f'{self.patch_resolution_stride}-pixel patches; set the crop sizes '
                    '(MSTMultiCrop global/local_crop_size) to multiples of the patch size.')
        x, patch_resolution = self.patch_embed(x)
        if mask is not None:
            if mask.shape != x.shape[:2]:
                raise ValueError(f'mask has shape {tuple(mask.shape)}; expected '
                                 f'(batch, num_patches) = {tuple(x.shape[:2])}')
            x = self.replace_masked(x, mask)
        x = torch.cat((self.cls_token.expand(batch, -1, -1), x), dim=1)
        x = x + resize_pos_embed(self.pos_embed, self.patch_resolution,
                                 patch_resolution, mode=self.interpolate_mode,
                                 num_extra_tokens=self.num_extra_tokens)
        return self.pre_norm(self.drop_after_pos(x)), patch_resolution

    def replace_masked(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Patch embeddings (B, N, C) with the masked ones replaced (see ``bert_style``)."""
        token = self.mask_token.expand_as(x)
        if not (self.bert_style and self.training):
            w = mask.unsqueeze(-1).type_as(x)
            return x * (1 - w) + token * w
        draw = torch.rand(mask.shape, device=x.device)
        flat = x.reshape(-1, x.size(-1))
        pick = torch.randint(0, flat.size(0), mask.shape, device=x.device)
        random_patch = flat[pick]
        to_token = (mask & (draw < 0.8)).unsqueeze(-1)
        to_random = (mask & (draw >= 0.8) & (draw < 0.9)).unsqueeze(-1)
        return torch.where(to_token, token, torch.where(to_random, random_patch, x))

    @property
    def patch_resolution_stride(self) -> int:
        stride = self.patch_embed.projection.stride
        return stride[0] if isinstance(stride, tuple) else stride

    def cls_attention(self, attn: torch.Tensor) -> torch.Tensor:
        """(B, heads, L, L) weights -> (B, N) [CLS]-to-patch map, heads reduced."""
        cls_to_patch = attn[:, :, 0, self.num_extra_tokens:]
        if self.head_reduce == 'max':
            return cls_to_patch.max(dim=1).values
        return cls_to_patch.mean(dim=1)

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None,
                return_attn: bool = False
                ) -> Union[Tuple[torch.Tensor, ...], Tuple[tuple, torch.Tensor]]:
        x, patch_resolution = self.embed(x, mask)
        outs, cls_attn = [], None
        for i, layer in enumerate(self.layers):
            if return_attn and i == self.attn_layer:
                cls_attn = self.cls_attention(attention_weights(layer, x))
            x = layer(x)
            if i == len(self.layers) - 1 and self.final_norm:
                x = self.ln1(x)
            if i in self.out_indices:
                outs.append(self._format_output(x, patch_resolution))
        return (tuple(outs), cls_attn) if return_attn else tuple(outs)
