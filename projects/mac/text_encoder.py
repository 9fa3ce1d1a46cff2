"""DistilBERT-shaped text encoder of MAC, pure torch.

MAC follows Frozen in Time: the caption encoder is DistilBERT-base-uncased (6 post-LN layers,
768 wide, 12 heads, 30,522 WordPiece ids) and the caption embedding is the last hidden state
of ``[CLS]``. Parameter names are those of HF ``DistilBertModel``
(``embeddings.{word_embeddings, position_embeddings, LayerNorm}``,
``transformer.layer.i.{attention.{q_lin,k_lin,v_lin,out_lin}, sa_layer_norm, ffn.{lin1,lin2},
output_layer_norm}``), so its checkpoints load without renaming.
"""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmaction.registry import MODELS


class TextEmbeddings(nn.Module):
    """Word + learned absolute position embeddings, then LayerNorm."""

    def __init__(self, vocab_size: int, dim: int, max_position: int,
                 pad_token_id: int, dropout: float):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, dim,
                                            padding_idx=pad_token_id)
        self.position_embeddings = nn.Embedding(max_position, dim)
        self.LayerNorm = nn.LayerNorm(dim, eps=1e-12)
        self.dropout = nn.Dropout(dropout)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(ids.shape[1], device=ids.device)
        x = self.word_embeddings(ids) + self.position_embeddings(pos)[None]
        return self.dropout(self.LayerNorm(x))


class TextSelfAttention(nn.Module):
    """DistilBERT's ``MultiHeadSelfAttention`` with separate q/k/v/out projections."""

    def __init__(self, dim: int, num_heads: int, dropout: float):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'num_heads={num_heads} does not divide '
                             f'embed_dims={dim}; choose a divisor')
        self.num_heads = num_heads
        self.q_lin = nn.Linear(dim, dim)
        self.k_lin = nn.Linear(dim, dim)
        self.v_lin = nn.Linear(dim, dim)
        self.out_lin = nn.Linear(dim, dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, key_mask: torch.Tensor) -> torch.Tensor:
        """x (B, L, D), key_mask (B, L) bool (True = attend)."""
        b, length, d = x.shape
        h = self.num_heads

        def heads(z):
            return z.reshape(b, length, h, d // h).transpose(1, 2)

        q = heads(self.q_lin(x)) * (d // h)**-0.5
        k, v = heads(self.k_lin(x)), heads(self.v_lin(x))
        scores = q @ k.transpose(-2, -1)
        scores = scores.masked_fill(~key_mask[:, None, None, :],
                                    torch.finfo(scores.dtype).min)
        attn = self.dropout(scores.softmax(-1))
        out = (attn @ v).transpose(1, 2).reshape(b, length, d)
        return self.out_lin(out)


class FeedForward(nn.Module):
    """``lin1`` -> GELU -> ``lin2`` (DistilBERT's FFN)."""

    def __init__(self, dim: int, hidden: int, dropout: float):
        super().__init__()
        self.lin1 = nn.Linear(dim, hidden)
        self.activation = nn.GELU()
        self.lin2 = nn.Linear(hidden, dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return self.dropout(self.lin2(self.activation(self.lin1(x))))


class TransformerLayer(nn.Module):
    """Post-LN layer: ``x = LN(x + Attn(x))``; ``x = LN(x + FFN(x))``."""

    def __init__(self, dim: int, num_heads: int, hidden: int, dropout: float):
        super().__init__()
        self.attention = TextSelfAttention(dim, num_heads, dropout)
        self.sa_layer_norm = nn.LayerNorm(dim, eps=1e-12)
        self.ffn = FeedForward(dim, hidden, dropout)
        self.output_layer_norm = nn.LayerNorm(dim, eps=1e-12)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, key_mask):
        x = self.sa_layer_norm(x + self.dropout(self.attention(x, key_mask)))
        return self.output_layer_norm(x + self.ffn(x))


class Transformer(nn.Module):
    """Stack of layers, named ``layer`` as in DistilBERT."""

    def __init__(self, depth, dim, num_heads, hidden, dropout):
        super().__init__()
        self.layer = nn.ModuleList([
            TransformerLayer(dim, num_heads, hidden, dropout)
            for _ in range(depth)
        ])

    def forward(self, x, key_mask):
        for layer in self.layer:
            x = layer(x, key_mask)
        return x


@MODELS.register_module()
class MACTextEncoder(BaseModule):
    """Caption encoder; returns the ``[CLS]`` hidden state (B, D).

    Args:
        vocab_size (int): 30522 (BERT uncased) or the synthetic word vocab size.
        embed_dims (int): 768.
        depth (int): 6 layers.
        num_heads (int): 12.
        ffn_dims (int): 3072.
        max_position (int): 512 position rows (DistilBERT); captions must not be longer.
        pad_token_id (int): 0.
        dropout (float): 0.1 (DistilBERT).
        init_cfg (dict, optional): e.g. Pretrained with converted DistilBERT weights.
    """

    def __init__(self,
                 vocab_size: int = 30522,
                 embed_dims: int = 768,
                 depth: int = 6,
                 num_heads: int = 12,
                 ffn_dims: int = 3072,
                 max_position: int = 512,
                 pad_token_id: int = 0,
                 dropout: float = 0.1,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.embed_dims = embed_dims
        self.max_position = max_position
        self.embeddings = TextEmbeddings(vocab_size, embed_dims, max_position,
                                         pad_token_id, dropout)
        self.transformer = Transformer(depth, embed_dims, num_heads, ffn_dims,
                                       dropout)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)
        with torch.no_grad():
            self.embeddings.word_embeddings.weight[pad_token_id].zero_()

    def forward(self, text_ids: torch.Tensor,
                text_mask: torch.Tensor) -> torch.Tensor:
        """text_ids (B, L) long, text_mask (B, L) 1/0 -> (B, D) ``[CLS]`` states."""
        if text_ids.shape[1] > self.max_position:
            raise ValueError(
                f'captions of {text_ids.shape[1]} tokens exceed '
                f'max_position={self.max_position}; lower the tokenizer '
                'max_len')
        x = self.embeddings(text_ids)
        x = self.transformer(x, text_mask.bool())
        return x[:, 0]
