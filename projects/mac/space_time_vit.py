"""Space-time ViT video encoder of MAC: Frozen-in-Time's divided attention plus patch masking.

MAC (arXiv 2212.00986) builds on Frozen in Time (Bain et al., ICCV 2021): a ViT-B/16 whose
blocks attend over time first, then over space, with a CLS token that sees the whole clip.
The parameter names follow Frozen's ``SpaceTimeTransformer`` (and so timm's ViT for the
spatial parts): ``patch_embed.proj``, ``cls_token``, ``pos_embed``, ``temporal_embed``,
``blocks.i.{norm1, attn, norm3, timeattn, norm2, mlp.fc1, mlp.fc2}``, ``norm``.

With ``mask_strategy='joint'`` the blocks are plain ViT blocks with joint space-time
attention over the whole clip (``norm1``, ``attn``, ``norm2``, ``mlp``: timm's names, no
``timeattn`` / ``norm3``), an inferred option of the spec (section 1.3, VideoMAE style).

Tokens: ``x_{m,n} = patch_embed(v_m)_n + E_s[n + 1] + E_t[m]`` and ``cls + E_s[0]``; positions are
added before masking, so a visible token keeps its (frame, patch) identity. In training the
encoder keeps ``K = int(P (1 - rho_v))`` patches per frame (:mod:`projects.mac.masking`) and
runs the same blocks with ``n = K``; in eval nothing is masked.
"""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_

from mmaction.registry import MODELS
from .masking import (MASK_STRATEGIES, gather_visible_patches,
                      num_visible_per_frame, sample_visible_patches)


class DividedAttention(nn.Module):
    """Multi-head attention over groups of tokens, with a CLS token seen by every group.

    Frozen's ``VarAttention``: the CLS query attends to all tokens of the clip; the patch
    tokens are split into groups (one per frame for space attention, one per slot across
    the frames for time attention) and each group's queries attend to the group and CLS.

    Args:
        dim (int): token width D.
        num_heads (int): heads; must divide ``dim``.
        qkv_bias (bool): bias in the joint qkv projection.
        zero_init (bool): Frozen's ``time_init='zeros'``: qkv weight and bias 0, proj weight
            1 and bias 0, so the output is exactly 0 at initialisation.
    """

    def __init__(self, dim: int, num_heads: int, qkv_bias: bool = True,
                 zero_init: bool = False):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'num_heads={num_heads} does not divide '
                             f'embed_dims={dim}; choose a divisor')
        self.num_heads = num_heads
        self.scale = (dim // num_heads)**-0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)
        self.zero_init = zero_init
        if zero_init:
            self.reset_zero_init()

    def reset_zero_init(self):
        """Apply Frozen's zero initialisation (time attention output == 0)."""
        nn.init.zeros_(self.qkv.weight)
        if self.qkv.bias is not None:
            nn.init.zeros_(self.qkv.bias)
        nn.init.ones_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    @staticmethod
    def _attend(q, k, v):
        return (q @ k.transpose(-2, -1)).softmax(dim=-1) @ v

    def forward(self, x: torch.Tensor, num_frames: int, group: str
                ) -> torch.Tensor:
        """Attend within groups.

        Args:
            x (Tensor): (B, 1 + T*n, D), CLS first, patch tokens frame-major.
            num_frames (int): T.
            group (str): ``'space'`` (one group per frame), ``'time'`` (one per slot)
                or ``'joint'`` (all tokens together).

        Returns:
            Tensor (B, 1 + T*n, D).
        """
        b, length, d = x.shape
        h = self.num_heads
        qkv = self.qkv(x).reshape(b, length, 3, h, d // h).permute(2, 0, 3, 1,
                                                                  4)
        q, k, v = qkv[0] * self.scale, qkv[1], qkv[2]
        if group == 'joint':
            out = self._attend(q, k, v).transpose(1, 2).reshape(b, length, d)
            return self.proj(out)
        cls_out = self._attend(q[:, :, :1], k, v)
        t = num_frames
        n = (length - 1) // t
        dh = d // h

        def split(z):
            z = z[:, :, 1:].reshape(b, h, t, n, dh)
            if group == 'time':
                z = z.transpose(2, 3)
            return z

        qg, kg, vg = split(q), split(k), split(v)
        groups = qg.shape[2]
        cls_k = k[:, :, None, :1].expand(-1, -1, groups, -1, -1)
        cls_v = v[:, :, None, :1].expand(-1, -1, groups, -1, -1)
        out = self._attend(qg, torch.cat([cls_k, kg], 3),
                           torch.cat([cls_v, vg], 3))
        if group == 'time':
            out = out.transpose(2, 3)
        out = torch.cat([cls_out, out.reshape(b, h, t * n, dh)], 2)
        out = out.transpose(1, 2).reshape(b, length, d)
        return self.proj(out)


class Mlp(nn.Module):
    """ViT MLP (``fc1`` -> GELU -> ``fc2``), timm's parameter names."""

    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class SpaceTimeBlock(nn.Module):
    """Frozen's divided space-time block (pre-LN), or a joint space-time ViT block.

    Divided: ``t = TimeAttn(LN3(x))``; ``s = SpaceAttn(LN1(x + t))``; ``x = x + s`` (the time
    output only feeds the space attention, Frozen's residual); ``x = x + MLP(LN2(x))``.
    Joint (``joint=True``): ``x = x + Attn(LN1(x))`` over all tokens; ``x = x + MLP(LN2(x))``;
    the block has no time attention.
    """

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float = 4.0,
                 qkv_bias: bool = True, time_init: str = 'zeros',
                 drop_path: float = 0.0, joint: bool = False):
        super().__init__()
        self.joint = joint
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = DividedAttention(dim, num_heads, qkv_bias)
        if not joint:
            self.timeattn = DividedAttention(
                dim, num_heads, qkv_bias, zero_init=time_init == 'zeros')
            self.norm3 = nn.LayerNorm(dim, eps=1e-6)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        self.drop_path_rate = drop_path

    def _drop_path(self, x):
        if self.drop_path_rate == 0.0 or not self.training:
            return x
        keep = 1 - self.drop_path_rate
        shape = (x.shape[0], ) + (1, ) * (x.ndim - 1)
        return x * x.new_empty(shape).bernoulli_(keep) / keep

    def forward(self, x: torch.Tensor, num_frames: int) -> torch.Tensor:
        if self.joint:
            x = x + self._drop_path(self.attn(self.norm1(x), num_frames, 'joint'))
            return x + self._drop_path(self.mlp(self.norm2(x)))
        time_out = self.timeattn(self.norm3(x), num_frames, 'time')
        space_out = self.attn(self.norm1(x + time_out), num_frames, 'space')
        x = x + self._drop_path(space_out)
        return x + self._drop_path(self.mlp(self.norm2(x)))


class PatchEmbed(nn.Module):
    """Per-frame Conv2d patchify; ``proj`` as in timm / Frozen's ``VideoPatchEmbed``."""

    def __init__(self, img_size: int, patch_size: int, in_channels: int,
                 dim: int):
        super().__init__()
        if img_size % patch_size:
            raise ValueError(f'img_size={img_size} is not a multiple of '
                             f'patch_size={patch_size}; choose sizes that '
                             'divide')
        self.num_patches = (img_size // patch_size)**2
        self.proj = nn.Conv2d(in_channels, dim, patch_size, patch_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, C, H, W) -> (B, T*P, D), frame-major."""
        b, t = x.shape[:2]
        y = self.proj(x.flatten(0, 1)).flatten(2).transpose(1, 2)
        return y.reshape(b, t * y.shape[1], y.shape[2])


@MODELS.register_module()
class MACSpaceTimeViT(BaseModule):
    """Frozen-in-Time space-time ViT with MAC's per-frame patch masking (training only).

    Args:
        img_size (int): input height = width (224).
        patch_size (int): 16.
        in_channels (int): 3.
        num_frames (int): T of the temporal embedding table (4); shorter clips (T = 1 for
            images) use its first rows.
        embed_dims (int): D (768).
        depth (int): blocks (12).
        num_heads (int): 12.
        mlp_ratio (float): 4.
        qkv_bias (bool): True.
        time_init (str): ``'zeros'`` (Frozen: time attention is a no-op at init, so the net
            starts as an image ViT) or ``'random'``.
        drop_path_rate (float): stochastic depth, linearly increasing over blocks.
        mask_ratio (float): rho_v, fraction of patches dropped per frame in training (0.6).
        mask_strategy (str): ``'frame_random'`` (default, the paper's figure), ``'tube'``
            or ``'joint'`` (frame-random masks, joint space-time attention blocks).
        init_cfg (dict, optional): e.g. a Pretrained init with Frozen / timm weights.
    """

    def __init__(self,
                 img_size: int = 224,
                 patch_size: int = 16,
                 in_channels: int = 3,
                 num_frames: int = 4,
                 embed_dims: int = 768,
                 depth: int = 12,
                 num_heads: int = 12,
                 mlp_ratio: float = 4.0,
                 qkv_bias: bool = True,
                 time_init: str = 'zeros',
                 drop_path_rate: float = 0.0,
                 mask_ratio: float = 0.6,
                 mask_strategy: str = 'frame_random',
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if time_init not in ('zeros', 'random'):
            raise ValueError(f"time_init={time_init!r} is unknown; use 'zeros' "
                             "(Frozen) or 'random'")
        if mask_strategy not in MASK_STRATEGIES:
            raise ValueError(f'mask_strategy={mask_strategy!r} is unknown; '
                             f'choose one of {MASK_STRATEGIES}')
        self.patch_embed = PatchEmbed(img_size, patch_size, in_channels,
                                      embed_dims)
        self.num_patches = self.patch_embed.num_patches
        num_visible_per_frame(self.num_patches, mask_ratio)
        self.num_frames = num_frames
        self.embed_dims = embed_dims
        self.mask_ratio = mask_ratio
        self.mask_strategy = mask_strategy
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.pos_embed = nn.Parameter(
            torch.zeros(1, self.num_patches + 1, embed_dims))
        self.temporal_embed = nn.Parameter(
            torch.zeros(1, num_frames, embed_dims))
        rates = torch.linspace(0, drop_path_rate, depth).tolist()
        self.blocks = nn.ModuleList([
            SpaceTimeBlock(embed_dims, num_heads, mlp_ratio, qkv_bias,
                           time_init, rates[i], joint=mask_strategy == 'joint')
            for i in range(depth)
        ])
        self.norm = nn.LayerNorm(embed_dims, eps=1e-6)
        self._init_weights()

    def _init_weights(self):
        """timm ViT init (trunc normal 0.02, LN 1/0); temporal_embed 0; zero-init time attn."""
        trunc_normal_(self.pos_embed, std=0.02)
        trunc_normal_(self.cls_token, std=0.02)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        for m in self.modules():
            if isinstance(m, DividedAttention) and m.zero_init:
                m.reset_zero_init()

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        """Inflate a checkpoint's ``temporal_embed`` to ``num_frames`` rows (Frozen's 'interp').

        A 4-frame pre-training checkpoint loads into an 8-frame model by linear
        interpolation along time (Frozen in Time's ``_inflate_positional_embeds``); the
        change is logged.
        """
        key = prefix + 'temporal_embed'
        if key in state_dict and state_dict[key].shape[1] != self.num_frames:
            old = state_dict[key]
            state_dict[key] = F.interpolate(
                old[None], (self.num_frames, old.shape[2]), mode='bilinear',
                align_corners=False)[0]
            print_log(
                f'{key}: interpolated {old.shape[1]} -> {self.num_frames} '
                'frames', logger='current', level=30)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def embed(self, video: torch.Tensor) -> torch.Tensor:
        """Patch tokens with spatial + temporal positions, (B, T, C, H, W) -> (B, T*P, D)."""
        t = video.shape[1]
        if t > self.num_frames:
            raise ValueError(
                f'the clip has {t} frames but num_frames={self.num_frames}; '
                f'sample at most {self.num_frames} frames or raise num_frames')
        x = self.patch_embed(video)
        pos = self.pos_embed[:, 1:].repeat(1, t, 1)
        time = self.temporal_embed[:, :t].repeat_interleave(
            self.num_patches, 1)
        return x + pos + time

    def forward_tokens(self, tokens: torch.Tensor, num_frames: int
                       ) -> torch.Tensor:
        """Run the blocks on (B, T*n, D) positioned patch tokens; returns the normed CLS (B, D)."""
        cls = (self.cls_token + self.pos_embed[:, :1]).expand(
            tokens.shape[0], -1, -1)
        x = torch.cat([cls, tokens], 1)
        for block in self.blocks:
            x = block(x, num_frames)
        return self.norm(x)[:, 0]

    def visible_patches(self, batch_size: int, num_frames: int,
                        device: torch.device) -> Optional[torch.Tensor]:
        """(B, T, K) visible indices in training with rho_v > 0; ``None`` otherwise (no RNG)."""
        if not self.training or self.mask_ratio == 0:
            return None
        return sample_visible_patches(batch_size, num_frames,
                                      self.num_patches, self.mask_ratio,
                                      self.mask_strategy, device)

    def forward(self, video: torch.Tensor,
                ids_keep: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Encode clips.

        Args:
            video (Tensor): (B, T, C, H, W).
            ids_keep (Tensor, optional): (B, T, K) visible patch indices; drawn by
                :meth:`visible_patches` when omitted.

        Returns:
            Tensor (B, D): the CLS embedding.
        """
        b, t = video.shape[:2]
        tokens = self.embed(video)
        if ids_keep is None:
            ids_keep = self.visible_patches(b, t, video.device)
        if ids_keep is not None:
            tokens = gather_visible_patches(tokens, ids_keep)
        return self.forward_tokens(tokens, t)
