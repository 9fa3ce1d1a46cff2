"""Query stream of SAIM: position-only queries that cross-attend to the content stream."""
from typing import Optional, Sequence

import numpy as np
import torch
from mmengine.model import BaseModule, ModuleList
from mmpretrain.models.backbones.vision_transformer import \
    TransformerEncoderLayer
from mmpretrain.registry import MODELS

from .two_stream import query_stream_layer, xavier_init_layer


@MODELS.register_module()
class SAIMQueryDecoder(BaseModule):
    """The query stream (XLNet-style two-stream attention) of SAIM, spec section 1.4.

    Starts from the fixed position embeddings ``g^0 = pos`` (no content, no learnable
    query; the cls row is zero). Block ``m`` (0-based) is pre-LN cross-attention with the
    query mask ``A_g`` (a patch sees its strict predecessors and cls) plus an MLP:

    ``g^{m+1} = g^m + Attn(LN1 g^m, LN1 h^{(m+1)s - 1}; A_g)``,
    ``g^{m+1} = g^{m+1} + MLP(LN2 g^{m+1})``,

    with ``s = encoder depth // num_layers`` and ``h^i`` the output of encoder block ``i``
    (the freshly updated content stream, as in the official interleaved loop). Because
    the content stream never reads ``g``, running it first and this decoder afterwards
    gives the same result. The final norm is *not* here: SAIM applies the backbone's
    ``ln1`` to the output, as the official model shares ``norm`` (spec 1.4).

    Blocks are mmpretrain ``TransformerEncoderLayer`` s (fused ``attn.qkv`` in q, k, v
    order), so the official ``query_blocks.*`` convert like the encoder's ``blocks.*``.

    Args:
        embed_dims (int): width, equal to the encoder's. Defaults to 768.
        num_layers (int): query depth Q. Defaults to 12.
        num_heads (int): attention heads. Defaults to 12.
        feedforward_channels (int): MLP hidden width. Defaults to 3072.
        drop_path_rate (float): stochastic depth, linearly increasing over the blocks
            as the official ``dpr``. Defaults to 0.
        norm_cfg (dict): norm of the blocks (LN, eps 1e-6).
        share_weights (bool): use the encoder's blocks as query blocks (official
            ``share_weight``); the decoder then has no parameters of its own and the
            algorithm passes the encoder blocks to :meth:`forward`. Defaults to False.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self,
                 embed_dims: int = 768,
                 num_layers: int = 12,
                 num_heads: int = 12,
                 feedforward_channels: int = 3072,
                 drop_path_rate: float = 0.,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 share_weights: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_layers < 1:
            raise ValueError(f'num_layers={num_layers} must be >= 1')
        self.embed_dims = embed_dims
        self.num_layers = num_layers
        self.share_weights = share_weights
        self.layers = None
        if not share_weights:
            dpr = np.linspace(0, drop_path_rate, num_layers)
            self.layers = ModuleList([
                TransformerEncoderLayer(
                    embed_dims=embed_dims,
                    num_heads=num_heads,
                    feedforward_channels=feedforward_channels,
                    drop_path_rate=dpr[i],
                    qkv_bias=True,
                    norm_cfg=norm_cfg) for i in range(num_layers)
            ])

    def init_weights(self) -> None:
        super().init_weights()
        if self.layers is not None and not (
                isinstance(self.init_cfg, dict)
                and self.init_cfg.get('type') == 'Pretrained'):
            for layer in self.layers:
                xavier_init_layer(layer)

    def forward(self,
                pos_embed: torch.Tensor,
                content_states: Sequence[torch.Tensor],
                query_mask: torch.Tensor,
                shared_layers: Optional[Sequence[torch.nn.Module]] = None
                ) -> torch.Tensor:
        """Run the query stream.

        Args:
            pos_embed (Tensor): (1, 1 + N, D) position table, the initial queries.
            content_states (sequence of Tensor): the D encoder block outputs, each
                (B, 1 + N, D).
            query_mask (Tensor): (B, 1, 1 + N, 1 + N) additive mask ``A_g``.
            shared_layers (sequence of modules, optional): the encoder blocks, required
                when ``share_weights``.

        Returns:
            Tensor (B, 1 + N, D): ``g^Q``, before the final norm.
        """
        depth = len(content_states)
        if depth % self.num_layers:
            raise ValueError(
                f'the encoder has {depth} blocks, not a multiple of the query '
                f'depth num_layers={self.num_layers}; choose a divisor of {depth}')
        layers = self.layers
        if self.share_weights:
            if shared_layers is None:
                raise ValueError('share_weights=True needs the encoder blocks: '
                                 'pass shared_layers=backbone.layers')
            layers = shared_layers
        step = depth // self.num_layers
        g = pos_embed.expand(content_states[0].shape[0], -1, -1)
        for m in range(self.num_layers):
            g = query_stream_layer(layers[m], g, content_states[(m + 1) * step - 1],
                                   query_mask)
        return g
