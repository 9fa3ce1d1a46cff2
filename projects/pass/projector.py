"""Four-branch PASS projector (official ``DINOHead`` of ``PASS/vision_transformer.py``):
one DINO projection head per token type, [CLS], [PART]_1..[PART]_P.

A global view maps token ``t`` through branch ``t``; a local view of area ``k`` maps its
[CLS] through branch 0 and its [PART]_k through branch ``k``. Each branch is
:class:`~projects.common.ssl.projection_head.DINOProjectionHead` (MLP 2048-2048-256,
l2 bottleneck, unit-norm prototypes when ``norm_last_layer``).
"""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from projects.common.ssl.projection_head import DINOProjectionHead


@MODELS.register_module()
class PASSProjector(BaseModule):
    """Projection heads ``heads[0]`` ([CLS]) and ``heads[k]`` ([PART]_k).

    Args:
        in_channels (int): Token width C.
        out_channels (int): Prototypes K (official 65536).
        num_parts (int): Number of [PART] tokens. Defaults to 3.
        hidden_channels, bottleneck_channels, num_layers, use_bn, norm_last_layer:
            arguments of each :class:`DINOProjectionHead` (official 2048, 256, 3,
            False, True).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int = 65536,
                 num_parts: int = 3,
                 hidden_channels: int = 2048,
                 bottleneck_channels: int = 256,
                 num_layers: int = 3,
                 use_bn: bool = False,
                 norm_last_layer: bool = True,
                 init_cfg=None):
        super().__init__(init_cfg)
        self.num_parts = num_parts
        self.heads = nn.ModuleList(
            DINOProjectionHead(
                in_channels,
                out_channels,
                hidden_channels=hidden_channels,
                bottleneck_channels=bottleneck_channels,
                num_layers=num_layers,
                use_bn=use_bn,
                norm_last_layer=norm_last_layer) for _ in range(1 + num_parts))

    def forward(self, tokens: Sequence[torch.Tensor],
                part_index: Optional[int] = None) -> List[torch.Tensor]:
        """Prototype logits of each token: ``1 + P`` (global) or 2 (local) tensors."""
        if part_index is None:
            if len(tokens) != 1 + self.num_parts:
                raise ValueError(
                    f'PASSProjector: a global view has 1 + {self.num_parts} '
                    f'tokens, got {len(tokens)}.')
            return [head(t) for head, t in zip(self.heads, tokens)]
        if len(tokens) != 2:
            raise ValueError('PASSProjector: a local view has 2 tokens '
                             f'([CLS], [PART]), got {len(tokens)}.')
        return [self.heads[0](tokens[0]), self.heads[1 + part_index](tokens[1])]
