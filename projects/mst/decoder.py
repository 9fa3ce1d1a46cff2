"""Global image decoder and restoring loss of MST (arXiv 2106.05656, sec. 3.3; layout inferred).

The decoder restores the whole crop from the student's final patch tokens, masked and unmasked
alike, which keeps spatial information in the tokens for dense downstream tasks. Layout
[inferred]: the (B, N, C) tokens are folded to a (B, C, h, w) map, a 1x1 conv to
``channels[0]``, then ``log2(patch_size)`` stride-2 transposed convolutions (k 4, s 2, p 1)
with GroupNorm + GELU halving the width each time (384 -> 256 -> 128 -> 64 -> 32 -> 16 for
16x16 patches), and a 3x3 conv to RGB: ``x patch_size`` up-sampling, 14x14 -> 224x224.
``decoder_type='linear'`` is the cheap pixel-shuffle alternative (one Linear per token to
``patch_size^2 * 3`` pixels).

Loss: ``L_rec = mean |x - x_hat|`` over all pixels (``restore_region='all'``, default) or over
the masked patches only, L1 (default) or L2.
"""
import math
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS


@MODELS.register_module()
class MSTGlobalDecoder(BaseModule):
    """Patch tokens (B, N, C) -> image (B, 3, h * patch_size, w * patch_size).

    Args:
        in_channels (int): Token width C.
        patch_size (int): Up-sampling factor; a power of two for ``'deconv'``.
        decoder_type (str): ``'deconv'`` (default) or ``'linear'`` [inferred].
        channels (int): Width after the 1x1 conv; halved by each up-sampling stage.
            Defaults to 256.
        num_groups (int): GroupNorm groups (capped by the stage width). Defaults to 8.
        out_channels (int): Defaults to 3.
    """

    def __init__(self, in_channels: int, patch_size: int = 16,
                 decoder_type: str = 'deconv', channels: int = 256,
                 num_groups: int = 8, out_channels: int = 3, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if decoder_type not in ('deconv', 'linear'):
            raise ValueError(f"MSTGlobalDecoder decoder_type='{decoder_type}'; use "
                             "'deconv' or 'linear'.")
        self.patch_size = patch_size
        self.decoder_type = decoder_type
        self.out_channels = out_channels
        if decoder_type == 'linear':
            self.proj = nn.Linear(in_channels, patch_size**2 * out_channels)
            return
        stages = math.log2(patch_size)
        if stages != int(stages) or patch_size < 2:
            raise ValueError(f"MSTGlobalDecoder patch_size={patch_size}: 'deconv' doubles "
                             "the resolution per stage, so use a power of two or "
                             "decoder_type='linear'.")
        layers = [nn.Conv2d(in_channels, channels, 1)]
        width = channels
        for _ in range(int(stages)):
            out = max(width // 2, 1)
            layers += [nn.ConvTranspose2d(width, out, 4, stride=2, padding=1),
                       nn.GroupNorm(math.gcd(num_groups, out), out), nn.GELU()]
            width = out
        layers.append(nn.Conv2d(width, out_channels, 3, padding=1))
        self.layers = nn.Sequential(*layers)

    def forward(self, tokens: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
        batch, num, dim = tokens.shape
        h, w = hw
        if h * w != num:
            raise ValueError(f'MSTGlobalDecoder: {num} tokens do not fold to {h}x{w}')
        if self.decoder_type == 'linear':
            p, c = self.patch_size, self.out_channels
            x = self.proj(tokens).reshape(batch, h, w, p, p, c)
            return x.permute(0, 5, 1, 3, 2, 4).reshape(batch, c, h * p, w * p)
        x = tokens.transpose(1, 2).reshape(batch, dim, h, w)
        return self.layers(x)


@MODELS.register_module()
class ImageRestoreLoss(nn.Module):
    """Mean pixel error between a restored image and its target (MST restoring loss).

    Args:
        criterion (str): ``'L1'`` (default) or ``'L2'`` [inferred].
        restore_region (str): ``'all'`` pixels (default) or ``'masked_only'`` [inferred].
        loss_weight (float): lambda_rec. Defaults to 1.0 [inferred].
    """

    def __init__(self, criterion: str = 'L1', restore_region: str = 'all',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if criterion not in ('L1', 'L2'):
            raise ValueError(f"ImageRestoreLoss criterion='{criterion}'; use 'L1' or 'L2'.")
        if restore_region not in ('all', 'masked_only'):
            raise ValueError(f"ImageRestoreLoss restore_region='{restore_region}'; use "
                             "'all' or 'masked_only'.")
        self.criterion = criterion
        self.restore_region = restore_region
        self.loss_weight = loss_weight

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``pred``/``target`` (B, 3, H, W); ``mask`` (B, h, w) or (B, N) bool patches."""
        err = (pred - target).abs() if self.criterion == 'L1' else (pred - target)**2
        if self.restore_region == 'all':
            return self.loss_weight * err.mean()
        if mask is None:
            raise ValueError("ImageRestoreLoss restore_region='masked_only' needs the mask")
        batch, _, height, width = pred.shape
        if mask.dim() == 2:
            side = int(math.isqrt(mask.size(1) * height // width))
            mask = mask.reshape(batch, side, -1)
        weight = F.interpolate(mask[:, None].float(), size=(height, width),
                               mode='nearest')
        denom = (weight.sum() * pred.size(1)).clamp_min(1.0)
        return self.loss_weight * (err * weight).sum() / denom
