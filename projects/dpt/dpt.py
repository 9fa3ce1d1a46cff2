"""Deformable Patch-based Transformer backbone (DPT, Chen et al., ACM MM 2021).

DPT is PVT v1 (Wang et al., ICCV 2021) with the patch embeddings of stages 2-4 replaced
by :class:`~projects.dpt.depatch.DePatchEmbed`. One class serves classification
(``out_type='cls_token'``: a cls token joins before the last stage and its normed
feature is returned) and dense prediction (``out_type='featmap'``: NCHW maps of strides
4/8/16/32). It is registered in the mmpretrain, mmdet and mmseg model registries.
"""
import copy
import warnings

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmcv.cnn.bricks.transformer import PatchEmbed
from mmdet.models.backbones.pvt import (AbsolutePositionEmbedding,
                                        PVTEncoderLayer)
from mmdet.models.layers import nlc_to_nchw
from mmengine.model import BaseModule
from mmengine.model.weight_init import (constant_init, trunc_normal_,
                                        trunc_normal_init)
from mmengine.runner.checkpoint import CheckpointLoader, load_state_dict
from torch.nn.modules.utils import _pair

from .convert import convert_official_dpt, is_official_dpt_state_dict
from .depatch import DePatchEmbed

_COMMON = dict(
    embed_dims=[64, 128, 320, 512],
    num_heads=[1, 2, 5, 8],
    mlp_ratios=[8, 8, 4, 4],
    sr_ratios=[8, 4, 2, 1])


class DeformablePatchTransformer(BaseModule):
    """DPT backbone: PVT stages whose patch embeddings are DePatch modules.

    Stage ``i``: patch embedding (stage 1: ``Conv 4x4/4 + LN``; later stages:
    DePatch with stride 2, or PVT's ``Conv 2x2/2 + LN`` where ``depatch_stages[i]`` is
    False) -> add the absolute position embedding, bilinearly resized to the runtime
    grid -> ``depths[i]`` pre-norm PVT blocks (spatial-reduction attention + MLP).

    Args:
        arch (str | dict): ``'tiny'``, ``'small'``, ``'medium'`` or a dict with keys
            ``embed_dims``, ``depths``, ``num_heads``, ``mlp_ratios``, ``sr_ratios``
            (one entry per stage).
        in_channels (int): Input image channels. Default 3.
        pretrain_img_size (int | tuple[int]): Image size the stored position
            embeddings correspond to (grid = size // stride). Default 224.
        patch_size (int): Kernel and stride of the stage-1 patch embedding.
        depatch_stages (Sequence[bool]): Which stages use DePatch. Stage 1 must not
            (DePatch works on feature maps, not raw pixels). Default
            ``(False, True, True, True)``.
        num_points (int): DePatch samples per box side k. Default 3.
        out_indices (Sequence[int] | int): Stages whose outputs are returned.
        out_type (str): ``'featmap'`` (NCHW maps) or ``'cls_token'`` (a cls token is
            added before the last stage and the cls feature (B, C) is returned; then
            ``out_indices`` must be the last stage).
        final_norm (bool): LayerNorm over the last stage's tokens (the classifier's
            ``norm``). Default False.
        qkv_bias (bool): Bias of the query/key/value projections. Default True.
        drop_rate (float): Dropout after position embedding and in the blocks.
        attn_drop_rate (float): Attention dropout.
        drop_path_rate (float): Stochastic depth, increasing linearly over blocks.
        norm_cfg (dict): Norm of the blocks and the final norm (LN eps 1e-6).
        patch_norm_cfg (dict): Norm of the patch embeddings (LN eps 1e-5 as in the
            official code).
        sr_norm_cfg (dict): Norm after the attention's spatial reduction (the
            official code uses a plain ``nn.LayerNorm``, eps 1e-5).
        act_cfg (dict): Activation of the MLPs and DePatch predictors.
        frozen_stages (int): Freeze (no grad, eval mode) the first ``frozen_stages``
            stages; -1 or 0 freezes nothing.
        init_cfg (dict, optional): ``dict(type='Pretrained', checkpoint=...)`` loads
            a checkpoint in our layout or the official one (converted on the fly);
            keys under ``backbone.`` are used when present.
    """

    arch_zoo = {
        'tiny': dict(depths=[2, 2, 2, 2], **_COMMON),
        'small': dict(depths=[3, 4, 6, 3], **_COMMON),
        'medium': dict(depths=[3, 4, 18, 3], **_COMMON),
    }
    arch_keys = ('embed_dims', 'depths', 'num_heads', 'mlp_ratios',
                 'sr_ratios')
    out_types = ('featmap', 'cls_token')

    def __init__(self,
                 arch='small',
                 in_channels=3,
                 pretrain_img_size=224,
                 patch_size=4,
                 depatch_stages=(False, True, True, True),
                 num_points=3,
                 out_indices=(0, 1, 2, 3),
                 out_type='featmap',
                 final_norm=False,
                 qkv_bias=True,
                 drop_rate=0.,
                 attn_drop_rate=0.,
                 drop_path_rate=0.1,
                 norm_cfg=dict(type='LN', eps=1e-6),
                 patch_norm_cfg=dict(type='LN', eps=1e-5),
                 sr_norm_cfg=dict(type='LN', eps=1e-5),
                 act_cfg=dict(type='GELU'),
                 frozen_stages=-1,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.arch_settings = self._parse_arch(arch)
        settings = self.arch_settings
        self.embed_dims = list(settings['embed_dims'])
        self.depths = list(settings['depths'])
        self.num_stages = len(self.depths)

        depatch_stages = tuple(bool(d) for d in depatch_stages)
        if len(depatch_stages) != self.num_stages:
            raise ValueError(
                f'depatch_stages={depatch_stages} has {len(depatch_stages)} '
                f'entries but the arch has {self.num_stages} stages; give one '
                'flag per stage.')
        if depatch_stages[0]:
            raise ValueError(
                'depatch_stages[0]=True is not supported: DePatch predicts '
                'boxes from a feature map, stage 1 embeds raw pixels with a '
                'regular patch embedding (set the first flag to False).')
        self.depatch_stages = depatch_stages

        if out_type not in self.out_types:
            raise ValueError(f'out_type={out_type!r} is not one of '
                             f'{self.out_types}.')
        self.out_type = out_type
        self.with_cls_token = out_type == 'cls_token'
        if isinstance(out_indices, int):
            out_indices = [out_indices]
        out_indices = sorted(i % self.num_stages for i in out_indices)
        for i in out_indices:
            if not 0 <= i < self.num_stages:
                raise ValueError(f'out_indices contains {i}, outside the '
                                 f'{self.num_stages} stages.')
        if self.with_cls_token:
            if out_indices != [self.num_stages - 1]:
                raise ValueError(
                    f"out_type='cls_token' returns the last stage's cls "
                    f'feature only, but out_indices={out_indices}; set '
                    f'out_indices=({self.num_stages - 1}, ) or use '
                    "out_type='featmap'.")
            if settings['sr_ratios'][-1] != 1:
                raise ValueError(
                    f"out_type='cls_token' needs sr_ratios[-1] == 1 (the "
                    'cls token cannot go through spatial reduction), got '
                    f"{settings['sr_ratios'][-1]}.")
        self.out_indices = tuple(out_indices)
        if not -1 <= frozen_stages <= self.num_stages:
            raise ValueError(f'frozen_stages={frozen_stages} must be in '
                             f'[-1, {self.num_stages}].')
        self.frozen_stages = frozen_stages
        self.final_norm = final_norm
        self.drop_path_rate = drop_path_rate

        pretrain_img_size = _pair(pretrain_img_size)
        self.patch_embeds = nn.ModuleList()
        self.pos_embeds = nn.ModuleList()
        self.stages = nn.ModuleList()
        dpr = self._drop_path_rates(drop_path_rate)
        stride = patch_size
        prev_dims = in_channels
        for i, depth in enumerate(self.depths):
            dims = self.embed_dims[i]
            if i == 0:
                patch_embed = PatchEmbed(
                    in_channels=in_channels,
                    embed_dims=dims,
                    kernel_size=patch_size,
                    stride=patch_size,
                    padding=0,
                    norm_cfg=patch_norm_cfg)
            else:
                stride *= 2
                if depatch_stages[i]:
                    patch_embed = DePatchEmbed(
                        in_channels=prev_dims,
                        embed_dims=dims,
                        stride=2,
                        num_points=num_points,
                        norm_cfg=patch_norm_cfg,
                        act_cfg=act_cfg)
                else:
                    patch_embed = PatchEmbed(
                        in_channels=prev_dims,
                        embed_dims=dims,
                        kernel_size=2,
                        stride=2,
                        padding=0,
                        norm_cfg=patch_norm_cfg)
            self.patch_embeds.append(patch_embed)
            self.pos_embeds.append(
                AbsolutePositionEmbedding(
                    pos_shape=(pretrain_img_size[0] // stride,
                               pretrain_img_size[1] // stride),
                    pos_dim=dims,
                    drop_rate=drop_rate))
            blocks = nn.ModuleList()
            for j in range(depth):
                block = PVTEncoderLayer(
                    embed_dims=dims,
                    num_heads=settings['num_heads'][i],
                    feedforward_channels=settings['mlp_ratios'][i] * dims,
                    drop_rate=drop_rate,
                    attn_drop_rate=attn_drop_rate,
                    drop_path_rate=dpr[i][j],
                    qkv_bias=qkv_bias,
                    act_cfg=act_cfg,
                    norm_cfg=norm_cfg,
                    sr_ratio=settings['sr_ratios'][i])
                if settings['sr_ratios'][i] > 1:
                    block.attn.norm = build_norm_layer(sr_norm_cfg, dims)[1]
                blocks.append(block)
            self.stages.append(blocks)
            prev_dims = dims

        if self.with_cls_token:
            self.cls_token = nn.Parameter(torch.zeros(1, 1, prev_dims))
            self.cls_pos_embed = nn.Parameter(torch.zeros(1, 1, prev_dims))
        if final_norm:
            self.norm = build_norm_layer(norm_cfg, prev_dims)[1]
        self._freeze_stages()

    @classmethod
    def _parse_arch(cls, arch):
        if isinstance(arch, str):
            if arch not in cls.arch_zoo:
                raise ValueError(
                    f'arch={arch!r} is unknown; choose one of '
                    f'{sorted(cls.arch_zoo)} or pass a dict with keys '
                    f'{cls.arch_keys}.')
            return copy.deepcopy(cls.arch_zoo[arch])
        if not isinstance(arch, dict):
            raise TypeError(f'arch must be a str or dict, got {type(arch)}.')
        missing = [k for k in cls.arch_keys if k not in arch]
        if missing:
            raise ValueError(f'custom arch {arch} lacks keys {missing}.')
        lengths = {k: len(arch[k]) for k in cls.arch_keys}
        if len(set(lengths.values())) != 1:
            raise ValueError(
                f'custom arch needs one entry per stage in every key, got '
                f'lengths {lengths}.')
        for dims, heads in zip(arch['embed_dims'], arch['num_heads']):
            if dims % heads:
                raise ValueError(f'embed_dims {dims} is not divisible by '
                                 f'num_heads {heads}.')
        return {k: list(arch[k]) for k in cls.arch_keys}

    def _drop_path_rates(self, drop_path_rate):
        rates = torch.linspace(0, drop_path_rate, sum(self.depths)).tolist()
        per_stage, cur = [], 0
        for depth in self.depths:
            per_stage.append(rates[cur:cur + depth])
            cur += depth
        return per_stage

    def set_drop_path_rate(self, drop_path_rate):
        """Re-spread stochastic depth linearly up to ``drop_path_rate`` (for schedules)."""
        dpr = self._drop_path_rates(drop_path_rate)
        for i, blocks in enumerate(self.stages):
            for j, block in enumerate(blocks):
                block.attn.dropout_layer.drop_prob = dpr[i][j]
                block.ffn.dropout_layer.drop_prob = dpr[i][j]
        self.drop_path_rate = drop_path_rate

    def init_weights(self):
        """Initialise from scratch as the official code, then load ``init_cfg``.

        Linear layers (and the MLP's 1x1 convs, which are the official Linear layers)
        get trunc-normal(0.02), LayerNorms 1/0, position embeddings and the cls token
        trunc-normal(0.02); other convs keep PyTorch's default. Every DePatch is reset
        afterwards (zero predictor), so a later checkpoint may override it but no
        generic init can.
        """
        self._init_from_scratch()
        if self.init_cfg is None:
            return
        init_cfg = self.init_cfg
        if init_cfg.get('type') != 'Pretrained' or 'checkpoint' not in init_cfg:
            raise ValueError(
                f'{type(self).__name__} only supports init_cfg='
                f"dict(type='Pretrained', checkpoint=...), got {init_cfg}.")
        self.load_pretrained(init_cfg['checkpoint'], init_cfg.get('prefix'))

    def _init_from_scratch(self):
        for m in self.modules():
            if isinstance(m, nn.Linear):
                trunc_normal_init(m, std=.02, bias=0.)
            elif isinstance(m, nn.LayerNorm):
                constant_init(m, 1., bias=0.)
            elif isinstance(m, nn.MultiheadAttention):
                trunc_normal_(m.in_proj_weight, std=.02)
                if m.in_proj_bias is not None:
                    nn.init.zeros_(m.in_proj_bias)
        for blocks in self.stages:
            for block in blocks:
                for layer in block.ffn.layers:
                    if isinstance(layer, nn.Conv2d):
                        trunc_normal_init(layer, std=.02, bias=0.)
        for pos_embed in self.pos_embeds:
            pos_embed.init_weights()
        if self.with_cls_token:
            trunc_normal_(self.cls_token, std=.02)
            trunc_normal_(self.cls_pos_embed, std=.02)
        for m in self.modules():
            if isinstance(m, DePatchEmbed):
                m.reset_offset()

    def load_pretrained(self, checkpoint, prefix=None):
        """Load ``checkpoint`` (ours or official, whole model or backbone) non-strictly."""
        ckpt = CheckpointLoader.load_checkpoint(
            checkpoint, map_location='cpu', logger='current')
        state_dict = ckpt
        for key in ('state_dict', 'model'):
            if isinstance(ckpt, dict) and key in ckpt:
                state_dict = ckpt[key]
                break
        if prefix is None and any(
                k.startswith('backbone.') for k in state_dict):
            prefix = 'backbone.'
        if prefix:
            prefix = prefix if prefix.endswith('.') else prefix + '.'
            state_dict = {
                k[len(prefix):]: v
                for k, v in state_dict.items() if k.startswith(prefix)
            }
        if is_official_dpt_state_dict(state_dict):
            state_dict = convert_official_dpt(
                state_dict, with_cls_token=self.with_cls_token)['backbone']
        for i, pos_embed in enumerate(self.pos_embeds):
            key = f'pos_embeds.{i}.pos_embed'
            if key in state_dict and (state_dict[key].shape !=
                                      pos_embed.pos_embed.shape):
                state_dict[key] = self._resize_stored_pos_embed(
                    state_dict[key], pos_embed)
        load_state_dict(self, state_dict, strict=False, logger='current')

    @staticmethod
    def _resize_stored_pos_embed(weight, pos_embed):
        """Resize a square stored (1, L, C) position embedding to this model's grid."""
        side = int(round(weight.shape[1]**0.5))
        if side * side != weight.shape[1]:
            warnings.warn(f'Cannot resize a stored position embedding of '
                          f'{weight.shape[1]} tokens (not a square grid).')
            return weight
        src = AbsolutePositionEmbedding(side, weight.shape[2])
        return src.resize_pos_embed(weight, pos_embed.pos_shape)

    def _freeze_stages(self):
        for i in range(max(self.frozen_stages, 0)):
            modules = [self.patch_embeds[i], self.pos_embeds[i], self.stages[i]]
            if i == self.num_stages - 1 and self.final_norm:
                modules.append(self.norm)
            for m in modules:
                m.eval()
                for param in m.parameters():
                    param.requires_grad = False
            if i == self.num_stages - 1 and self.with_cls_token:
                self.cls_token.requires_grad = False
                self.cls_pos_embed.requires_grad = False

    def train(self, mode=True):
        super().train(mode)
        self._freeze_stages()
        return self

    def forward(self, x):
        """Run the stages on images (B, 3, H, W); returns a tuple of the selected outputs.

        ``featmap``: stage ``i`` gives (B, embed_dims[i], H_i, W_i) with
        ``H_1 = H // 4`` and ``H_{i+1} = H_i // 2``. ``cls_token``: (B, embed_dims[-1]).
        """
        outs = []
        last = self.num_stages - 1
        for i in range(self.num_stages):
            x, hw_shape = self.patch_embeds[i](x)
            x = self.pos_embeds[i](x, hw_shape)
            block_hw = hw_shape
            if i == last and self.with_cls_token:
                cls_token = (self.cls_token + self.cls_pos_embed).expand(
                    x.shape[0], -1, -1)
                x = torch.cat([self.pos_embeds[i].drop(cls_token), x], dim=1)
                block_hw = (1, x.shape[1])
            for block in self.stages[i]:
                x = block(x, block_hw)
            if i == last and self.final_norm:
                x = self.norm(x)
            if i == last and self.with_cls_token:
                outs.append(x[:, 0])
                break
            x = nlc_to_nchw(x, hw_shape)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
