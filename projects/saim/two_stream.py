"""Masked self-attention (content stream) and cross-attention (query stream) on mmpretrain's
``TransformerEncoderLayer`` weights (spec sections 1.3, 1.4).

mmpretrain's ``MultiheadAttention.forward`` takes no mask; these functions run the same
parameters (fused ``attn.qkv`` in q, k, v order, ``attn.proj``, ``ln1``, ``ln2``, ``ffn``)
with an additive ``attn_mask`` through ``F.scaled_dot_product_attention`` (scale
``head_dim ** -0.5``, softmax over keys after adding the mask), so a pre-trained layer is an
ordinary ``VisionTransformer`` layer.
"""
import torch
import torch.nn.functional as F
from mmpretrain.models.backbones.vision_transformer import \
    TransformerEncoderLayer
from mmpretrain.models.utils import MultiheadAttention


def _heads(x: torch.Tensor, num_heads: int) -> torch.Tensor:
    batch, length, dims = x.shape
    return x.view(batch, length, num_heads, dims // num_heads).transpose(1, 2)


def masked_attention(attn: MultiheadAttention, query: torch.Tensor,
                     context: torch.Tensor,
                     attn_mask: torch.Tensor) -> torch.Tensor:
    """Multi-head attention of ``query`` tokens over ``context`` tokens.

    Queries use the first third of ``attn.qkv``; keys and values the other two thirds,
    applied to ``context``. With ``query is context`` this is the layer's self-attention.

    Args:
        attn (MultiheadAttention): mmpretrain attention module (its weights are used).
        query (Tensor): (B, L, D) normalised query tokens.
        context (Tensor): (B, L, D) normalised key/value tokens.
        attn_mask (Tensor): (B, 1, L, L) additive mask.

    Returns:
        Tensor (B, L, D): the attention branch output (before the residual).
    """
    dims = attn.embed_dims
    if query is context:
        q, k, v = attn.qkv(query).chunk(3, dim=-1)
    else:
        weight, bias = attn.qkv.weight, attn.qkv.bias
        q = F.linear(query, weight[:dims],
                     None if bias is None else bias[:dims])
        k, v = F.linear(context, weight[dims:],
                        None if bias is None else bias[dims:]).chunk(2, dim=-1)
    q, k, v = (_heads(t, attn.num_heads) for t in (q, k, v))
    x = F.scaled_dot_product_attention(
        q,
        k,
        v,
        attn_mask=attn_mask.to(q.dtype),
        dropout_p=attn.attn_drop if attn.training else 0.)
    x = x.transpose(1, 2).reshape(query.shape[0], query.shape[1], dims)
    x = attn.proj_drop(attn.proj(x))
    return attn.out_drop(attn.gamma1(x))


def content_stream_layer(layer: TransformerEncoderLayer, h: torch.Tensor,
                         attn_mask: torch.Tensor) -> torch.Tensor:
    """One encoder block on the content stream: ``h + Attn(LN1 h; A_h)``, then the MLP."""
    x = layer.ln1(h)
    h = h + masked_attention(layer.attn, x, x, attn_mask)
    return layer.ffn(layer.ln2(h), identity=h)


def query_stream_layer(layer: TransformerEncoderLayer, g: torch.Tensor,
                       h: torch.Tensor, attn_mask: torch.Tensor) -> torch.Tensor:
    """One query-stream block: ``g + Attn(LN1 g, LN1 h; A_g)``, then the MLP on ``g``.

    The same ``ln1`` normalises the queries (from ``g``) and the keys/values (from ``h``),
    as the official ``Block(q, k, v)``; query tokens never attend to each other.
    """
    g = g + masked_attention(layer.attn, layer.ln1(g), layer.ln1(h), attn_mask)
    return layer.ffn(layer.ln2(g), identity=g)


def xavier_init_layer(layer: TransformerEncoderLayer) -> None:
    """Official initialisation of a block: xavier-uniform for every Linear, zero biases.

    The official model has separate q, k and v Linears; each third of the fused ``qkv``
    weight is initialised on its own so the bounds match (spec section 2, init).
    """
    dims = layer.attn.embed_dims
    for part in layer.attn.qkv.weight.data.split(dims, dim=0):
        torch.nn.init.xavier_uniform_(part)
    for module in layer.modules():
        if isinstance(module, torch.nn.Linear):
            if module is not layer.attn.qkv:
                torch.nn.init.xavier_uniform_(module.weight)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, torch.nn.LayerNorm):
            torch.nn.init.ones_(module.weight)
            torch.nn.init.zeros_(module.bias)
