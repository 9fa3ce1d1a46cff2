"""DINO projection head: MLP, l2 bottleneck, weight-normalised prototypes (DINO sec. 3.1, app. C).

``x -> MLP (Linear-GELU x (num_layers - 1), Linear to the bottleneck) -> l2-normalise ->
prototypes``; the prototype layer is a bias-free linear layer with weight normalisation
(``W_k = g_k * v_k / ||v_k||``), ``g`` fixed at 1 when ``norm_last_layer`` (official default).

Checkpoint layout. The official head (``DINOHead`` in facebookresearch/dino, also PASS and
MST) stores ``mlp.{0,2,4}.{weight,bias}`` (with BN: ``mlp.{0,3,6}`` linears and
``mlp.{1,4}`` BN) and the deprecated ``torch.nn.utils.weight_norm`` keys of the prototypes.
Here the prototypes are plain tensors, so a converter renames only those two keys::

    official                       here
    last_layer.weight_v (K, D)  -> last_layer.direction (K, D)
    last_layer.weight_g (K, 1)  -> last_layer.magnitude (K, 1)

(newer torch parametrisations name them ``last_layer.parametrizations.weight.original1``
and ``original0``). The MLP keys are identical.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS


class WeightNormPrototypes(nn.Module):
    """Bias-free linear layer ``y = x W^T``, ``W_k = magnitude_k * direction_k / ||direction_k||``.

    Args:
        in_channels (int): Bottleneck width D.
        num_prototypes (int): Output width K.
        learn_magnitude (bool): Train ``magnitude`` (DINO ``norm_last_layer=False``);
            otherwise it stays at 1 and every prototype is a unit vector.
    """

    def __init__(self, in_channels: int, num_prototypes: int,
                 learn_magnitude: bool = False) -> None:
        super().__init__()
        direction = torch.empty(num_prototypes, in_channels)
        # nn.Linear's default initialisation, as the official weight-normed Linear
        nn.init.kaiming_uniform_(direction, a=math.sqrt(5))
        self.direction = nn.Parameter(direction)
        self.magnitude = nn.Parameter(torch.ones(num_prototypes, 1),
                                      requires_grad=learn_magnitude)

    @property
    def weight(self) -> torch.Tensor:
        """Effective (K, D) prototype matrix."""
        return self.magnitude * self.direction / self.direction.norm(
            dim=1, keepdim=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight)


@MODELS.register_module()
class DINOProjectionHead(BaseModule):
    """Projection head of DINO producing K prototype logits per token.

    Args:
        in_channels (int): Backbone feature width.
        out_channels (int): Number of prototypes K (DINO 65536).
        hidden_channels (int): MLP width. Defaults to 2048.
        bottleneck_channels (int): Width before the prototypes. Defaults to 256.
        num_layers (int): Linear layers in the MLP (>= 1). Defaults to 3.
        use_bn (bool): BatchNorm after each hidden linear layer. Defaults to False.
        norm_last_layer (bool): Keep the prototype magnitudes fixed at 1 (official
            default True; False learns them, DINO's ViT-S/16 recipe).
        init_cfg: Defaults to truncated normal (std 0.02, bias 0) on the MLP linears,
            as the official ``_init_weights``; the prototypes keep ``nn.Linear``'s init.

    Input (..., in_channels) -> output (..., out_channels).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 hidden_channels: int = 2048,
                 bottleneck_channels: int = 256,
                 num_layers: int = 3,
                 use_bn: bool = False,
                 norm_last_layer: bool = True,
                 init_cfg=dict(type='TruncNormal', layer='Linear', std=0.02,
                               bias=0.)) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_layers < 1:
            raise ValueError(f'DINOProjectionHead num_layers={num_layers}; use >= 1')
        layers = []
        width = in_channels
        for _ in range(num_layers - 1):
            layers.append(nn.Linear(width, hidden_channels))
            if use_bn:
                layers.append(nn.BatchNorm1d(hidden_channels))
            layers.append(nn.GELU())
            width = hidden_channels
        layers.append(nn.Linear(width, bottleneck_channels))
        self.mlp = nn.Sequential(*layers)
        self.norm_last_layer = norm_last_layer
        self.last_layer = WeightNormPrototypes(
            bottleneck_channels, out_channels,
            learn_magnitude=not norm_last_layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.normalize(self.mlp(x), dim=-1, p=2)
        return self.last_layer(x)
