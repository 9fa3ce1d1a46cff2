"""Prompted visual indicator and class retention of Obj2Seq (paper Sec. 3.2).

Class prompts attend to the encoder memory; a classifier shared by all blocks
scores each class (multi-label classification), and the top-K classes of each
image become the (image, class) groups that the object transition decoder and
the sequence predictor work on.
"""
import math
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from mmdet.registry import MODELS


def logit(prob: float) -> float:
    """Inverse sigmoid of a probability, used for bias initialisation."""
    return math.log(prob / (1 - prob))


class DictClassifier(nn.Module):
    """Score features against class vectors: ``<MLP(x), v / sqrt(d)> + b``.

    The "dict" classifier of the official code: a feature transform (an MLP of
    ``num_layers`` Linear layers with ReLU in between, PyTorch default init)
    followed by a dot product with the class vector and one scalar bias
    initialised to ``logit(init_prob)``.

    Args:
        embed_dims (int): d.
        num_layers (int): MLP layers (2 for the indicator and detection head).
        init_prob (float): initial presence probability.
    """

    def __init__(self, embed_dims: int, num_layers: int = 2,
                 init_prob: float = 0.1) -> None:
        super().__init__()
        if num_layers < 1:
            raise ValueError(f'num_layers={num_layers} must be >= 1.')
        layers = []
        for i in range(num_layers):
            layers.append(nn.Linear(embed_dims, embed_dims))
            if i < num_layers - 1:
                layers.append(nn.ReLU(inplace=True))
        self.feature_linear = nn.Sequential(*layers)
        self.bias = nn.Parameter(torch.tensor(logit(init_prob)))
        self.embed_dims = embed_dims
        self.init_prob = init_prob

    def reset_bias(self) -> None:
        nn.init.constant_(self.bias, logit(self.init_prob))

    def forward(self, feats: Tensor, class_vectors: Tensor) -> Tensor:
        """Args: feats (..., d); class_vectors broadcastable to feats. Returns (...)."""
        scale = class_vectors / math.sqrt(self.embed_dims)
        return (self.feature_linear(feats) * scale).sum(-1) + self.bias


class LinearClassifier(DictClassifier):
    """The official "linear" classifier: ``<MLP(x), w> + b`` with one learned
    1-D vector ``w`` (no class vectors, no 1/sqrt(d) scale), initialised
    uniform in +-1/sqrt(d); being 1-D it gets no weight decay. Used by the pose
    head, which has no indicator."""

    def __init__(self, embed_dims: int, num_layers: int = 1,
                 init_prob: float = 0.01) -> None:
        super().__init__(embed_dims, num_layers, init_prob)
        bound = 1. / math.sqrt(embed_dims)
        self.weight = nn.Parameter(torch.empty(embed_dims).uniform_(-bound, bound))

    def forward(self, feats: Tensor, class_vectors: Optional[Tensor] = None
                ) -> Tensor:
        """Args: feats (..., d); class_vectors ignored. Returns (...)."""
        return (self.feature_linear(feats) * self.weight).sum(-1) + self.bias


class IndicatorBlock(nn.Module):
    """Cross-attention block without self-attention: T <- LN(T + MHA(T, M, M));
    T <- LN(T + FFN(T)). Keys carry no positional embedding."""

    def __init__(self, embed_dims: int, num_heads: int, ffn_dims: int) -> None:
        super().__init__()
        self.cross_attn = nn.MultiheadAttention(
            embed_dims, num_heads, dropout=0., batch_first=True)
        self.norm1 = nn.LayerNorm(embed_dims)
        self.ffn = nn.Sequential(
            nn.Linear(embed_dims, ffn_dims), nn.ReLU(inplace=True),
            nn.Linear(ffn_dims, embed_dims))
        self.norm2 = nn.LayerNorm(embed_dims)

    def forward(self, tokens: Tensor, memory: Tensor,
                memory_mask: Optional[Tensor]) -> Tensor:
        attn = self.cross_attn(tokens, memory, memory,
                               key_padding_mask=memory_mask,
                               need_weights=False)[0]
        tokens = self.norm1(tokens + attn)
        return self.norm2(tokens + self.ffn(tokens))


@MODELS.register_module()
class PromptIndicator(BaseModule):
    """Prompted visual indicator with top-K class retention (paper Sec. 3.2).

    Args:
        num_classes (int): C.
        embed_dims (int): d.
        num_blocks (int): attention blocks; each one is supervised. Defaults to 2.
        num_heads (int): attention heads. Defaults to 8.
        ffn_dims (int): hidden size of the block FFN. Defaults to 1024.
        prompt_file (str, optional): ``.npy`` file of (C, d_p) class prompts
            (CLIP ViT-B/32 text embeddings of "a {class}" in the paper, made by
            ``tools/misc/obj2seq_clip_prompts.py``; or the prompts of a converted
            official checkpoint, written by its converter). It initialises the
            prompts, like a pretrained checkpoint in ``init_cfg``: read when it
            exists at build time (shape checked), needed by ``init_weights``
            (training from scratch), not needed to load a checkpoint. When None,
            the prompts start from N(0, 1). The prompts are trained either way.
        prompt_dims (int, optional): d_p. None means d (official default
            without a file); the released models use 512 (CLIP). A
            Linear+LayerNorm adapter maps d_p != d to d. A ``prompt_file``
            must hold (C, prompt_dims).
        retain_topk (int): K classes kept per image (train and test).
        init_prob (float): classifier bias init probability. Defaults to 0.1.
        loss (dict): indicator loss. Defaults to the official ASL.
    """

    def __init__(self,
                 num_classes: int,
                 embed_dims: int = 256,
                 num_blocks: int = 2,
                 num_heads: int = 8,
                 ffn_dims: int = 1024,
                 prompt_file: Optional[str] = None,
                 prompt_dims: Optional[int] = None,
                 retain_topk: int = 20,
                 init_prob: float = 0.1,
                 loss: dict = dict(type='Obj2SeqAsymmetricLoss'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if retain_topk < 1:
            raise ValueError(f'retain_topk={retain_topk} must be >= 1.')
        if num_blocks < 1:
            raise ValueError(f'num_blocks={num_blocks} must be >= 1.')
        self.num_classes = num_classes
        self.embed_dims = embed_dims
        self.retain_topk = retain_topk
        self.prompt_file = prompt_file
        prompt_dims = prompt_dims or embed_dims
        if prompt_file is None:
            prompts = torch.randn(num_classes, prompt_dims)
        elif osp.isfile(prompt_file):
            prompts = self._load_prompts(prompt_file, num_classes, prompt_dims)
        else:  # read by init_weights; a checkpoint may bring the prompts
            prompts = torch.zeros(num_classes, prompt_dims)
        self.class_prompts = nn.Parameter(prompts)
        if prompts.size(1) != embed_dims:
            self.prompt_adapter = nn.Sequential(
                nn.Linear(prompts.size(1), embed_dims), nn.LayerNorm(embed_dims))
        else:
            self.prompt_adapter = nn.Identity()
        self.blocks = nn.ModuleList(
            IndicatorBlock(embed_dims, num_heads, ffn_dims)
            for _ in range(num_blocks))
        self.classifier = DictClassifier(embed_dims, 2, init_prob)
        self.loss_cls = MODELS.build(loss)

    @staticmethod
    def _load_prompts(prompt_file, num_classes, prompt_dims) -> Tensor:
        if not osp.isfile(prompt_file):
            raise FileNotFoundError(
                f'prompt_file={prompt_file!r} does not exist. Make CLIP prompts '
                'with tools/misc/obj2seq_clip_prompts.py, or take the prompts '
                'that tools/model_converters/obj2seq2mmvrl.py writes beside a '
                'converted checkpoint, or set model.indicator.prompt_file=None '
                'to start the prompts from N(0, 1).')
        array = np.load(prompt_file, allow_pickle=False).astype(np.float32)
        if array.shape != (num_classes, prompt_dims):
            raise ValueError(
                f'prompt_file {prompt_file!r} holds shape {array.shape}; expected '
                f'({num_classes}, {prompt_dims}) = (classes in dataset order, '
                'model.indicator.prompt_dims). Set prompt_dims to the file\'s '
                'width or make the file for these classes.')
        return torch.from_numpy(array)

    def init_weights(self) -> None:
        """The official initialisation: PyTorch defaults for the blocks and the
        classifier MLP, every block a copy of the first (the official blocks are
        deep copies of one block), classifier bias ``logit(init_prob)``."""
        super().init_weights()
        if self.prompt_file is not None:
            self.class_prompts.data.copy_(self._load_prompts(
                self.prompt_file, *self.class_prompts.shape))
        for block in self.blocks[1:]:
            block.load_state_dict(self.blocks[0].state_dict())
        self.classifier.reset_bias()

    def adapted_prompts(self) -> Tensor:
        """P' = LN(W P) when d_p != d, else P. Shape (C, d)."""
        return self.prompt_adapter(self.class_prompts)

    def forward(self, memory: Tensor,
                memory_mask: Optional[Tensor]) -> Tuple[List[Tensor], Tensor]:
        """Run the blocks.

        Args:
            memory (Tensor): (B, HW, d) encoder output.
            memory_mask (Tensor, optional): (B, HW) True at padding.

        Returns:
            tuple: presence logits after every block, each (B, C); and the last
            block's class features (B, C, d).
        """
        prompts = self.adapted_prompts()
        tokens = prompts[None].expand(memory.size(0), -1, -1)
        all_logits = []
        for block in self.blocks:
            tokens = block(tokens, memory, memory_mask)
            all_logits.append(self.classifier(tokens, prompts[None]))
        return all_logits, tokens

    def retain(self,
               logits: Tensor,
               forced_labels: Optional[Sequence[Tensor]] = None,
               class_subset: Optional[Sequence[int]] = None
               ) -> Tuple[Tensor, Tensor]:
        """Keep K classes per image (the retention policy).

        Training passes ``forced_labels`` (non-crowd GT classes per image), whose
        probability is set to 1 so they are always kept when there are <= K of
        them. Inference uses the logits only. ``class_subset`` restricts the
        candidates (class-conditioned inference).

        Args:
            logits (Tensor): (B, C) last-block presence logits.
            forced_labels (list[Tensor], optional): per-image GT class indices.
            class_subset (list[int], optional): allowed class indices.

        Returns:
            tuple[Tensor, Tensor]: ``bs_idx`` and ``cls_idx`` of length
            S = B * min(K, #candidates), ascending class order per image.
        """
        probs = logits.detach().sigmoid().clone()
        num_candidates = probs.size(1)
        if class_subset is not None:
            subset = torch.as_tensor(list(class_subset), dtype=torch.long,
                                     device=probs.device)
            if subset.numel() == 0 or subset.min() < 0 or \
                    subset.max() >= probs.size(1):
                raise ValueError(
                    f'class_subset={list(class_subset)} must be a non-empty list '
                    f'of class indices in [0, {probs.size(1) - 1}].')
            allowed = torch.zeros_like(probs[0], dtype=torch.bool)
            allowed[subset] = True
            probs[:, ~allowed] = -1.
            num_candidates = int(allowed.sum())
        if forced_labels is not None:
            for b, labels in enumerate(forced_labels):
                if len(labels):
                    probs[b, labels.long().to(probs.device)] = 1. + 1e-3
        k = min(self.retain_topk, num_candidates)
        cls_idx = probs.topk(k, dim=1).indices.sort(dim=1).values
        bs_idx = torch.arange(probs.size(0), device=probs.device)
        bs_idx = bs_idx[:, None].expand_as(cls_idx)
        return bs_idx.reshape(-1), cls_idx.reshape(-1)

    def loss(self, all_logits: List[Tensor], targets: Tensor) -> dict:
        """ASL on every block: keys ``loss_indicator_<i>`` (last one = final)."""
        return {
            f'loss_indicator_{i}': self.loss_cls(logits, targets)
            for i, logits in enumerate(all_logits)
        }
