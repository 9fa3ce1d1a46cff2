"""PASS fine-tuning for person ReID: part BN-necks, identity classifier and soft-margin
batch-hard triplet loss (official ``PASS_transreid/model/make_model.py:
build_transformer_pass`` with ``MULTI_NECK True``, ``FEAT_FUSION 'cat'``, and
``loss/triplet_loss.py``).

The model is mmpretrain's ``ImageClassifier``: backbone :class:`PASSViT` (global
sequence, all tokens) -> neck :class:`PartBNNeck` ``(f_before, f_after)`` -> head
:class:`PASSReIDHead` (CE on ``classifier(f_after)`` + triplet on ``f_before``; at test
time ``pred_feature = f_before``).
"""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample


@MODELS.register_module()
class PartBNNeck(BaseModule):
    """Fuse the [CLS] and [PART] features before and after a BN neck.

    With ``fusion='cat'`` (official default): ``f_before = cat(f_g, mean_k f_k)`` and
    ``f_after = cat(b_g(f_g), mean_k b_k(f_k))`` (2C dims); ``'mean'`` averages the two
    halves instead (C dims). ``multi_neck=True`` gives every token its own
    ``BatchNorm1d`` (bias frozen at 0, TransReID's BNNeck); ``False`` applies one BN to
    the fused vector.

    Args:
        in_channels (int): C, the token width.
        num_parts (int): Number of [PART] tokens. Defaults to 3.
        fusion (str): ``'cat'`` or ``'mean'``. Defaults to ``'cat'``.
        multi_neck (bool): One BN per token. Defaults to True.
    """

    def __init__(self, in_channels: int, num_parts: int = 3,
                 fusion: str = 'cat', multi_neck: bool = True, init_cfg=None):
        super().__init__(init_cfg)
        if fusion not in ('cat', 'mean'):
            raise ValueError(f"PartBNNeck: fusion={fusion!r}; use 'cat' or 'mean'.")
        self.num_parts = num_parts
        self.fusion = fusion
        self.multi_neck = multi_neck
        self.out_channels = in_channels * (2 if fusion == 'cat' else 1)
        num_bn = 1 + num_parts if multi_neck else 1
        width = in_channels if multi_neck else self.out_channels
        self.bnnecks = nn.ModuleList(nn.BatchNorm1d(width) for _ in range(num_bn))
        for bn in self.bnnecks:
            bn.bias.requires_grad_(False)

    def _fuse(self, glob, parts):
        part = torch.stack(parts).mean(0)
        if self.fusion == 'cat':
            return torch.cat([glob, part], dim=1)
        return (glob + part) / 2

    def forward(self, tokens: Sequence[torch.Tensor]
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """tokens: ``(f_g, f_1, ..., f_P)``, each (B, C) -> ``(f_before, f_after)``."""
        if len(tokens) != 1 + self.num_parts:
            raise ValueError(
                f'PartBNNeck expects 1 + {self.num_parts} tokens, got '
                f'{len(tokens)}; feed the global view (part_index=None).')
        f_before = self._fuse(tokens[0], list(tokens[1:]))
        if self.multi_neck:
            normed = [bn(t) for bn, t in zip(self.bnnecks, tokens)]
            f_after = self._fuse(normed[0], normed[1:])
        else:
            f_after = self.bnnecks[0](f_before)
        return f_before, f_after


def batch_hard_soft_margin_triplet(feats: torch.Tensor,
                                   labels: torch.Tensor) -> torch.Tensor:
    """Soft-margin batch-hard triplet loss (Hermans et al. 2017; TransReID's
    ``TripletLoss(margin=None)``).

    ``mean_i log(1 + exp(d(i, hardest positive) - d(i, hardest negative)))`` with
    Euclidean distances of the un-normalised features (the positive set includes the
    anchor itself, as in the official code).
    """
    dist = (feats.pow(2).sum(1, keepdim=True) + feats.pow(2).sum(1)[None] -
            2 * feats @ feats.t()).clamp(min=1e-12).sqrt()
    same = labels[:, None] == labels[None]
    if not (~same).any(1).all():
        raise ValueError('batch-hard triplet loss: some anchor has no negative in '
                         'the batch; sample several identities per batch '
                         '(RandomIdentitySampler).')
    d_ap = dist.masked_fill(~same, float('-inf')).max(1).values
    d_an = dist.masked_fill(same, float('inf')).min(1).values
    return F.softplus(d_ap - d_an).mean()


@MODELS.register_module()
class PASSReIDHead(BaseModule):
    """Identity classifier + soft-margin batch-hard triplet on PASS part features.

    Args:
        num_classes (int): Training identities (751 Market-1501, 1041 MSMT17).
        in_channels (int): Width of the fused feature (2C for ``'cat'``).
        loss_cls (dict): Identity loss. Defaults to plain cross entropy (no label
            smoothing, official).
        triplet_weight (float): Weight of the triplet loss. Defaults to 1.0.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 loss_cls: dict = dict(type='CrossEntropyLoss', loss_weight=1.0),
                 triplet_weight: float = 1.0,
                 init_cfg=dict(type='Normal', layer='Linear', std=0.001)):
        super().__init__(init_cfg)
        self.classifier = nn.Linear(in_channels, num_classes, bias=False)
        self.loss_cls = MODELS.build(loss_cls)
        self.triplet_weight = triplet_weight

    def forward(self, feats: Tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """Identity logits from ``f_after``."""
        return self.classifier(feats[1])

    def loss(self, feats, data_samples: List[DataSample]) -> dict:
        labels = torch.cat([s.gt_label for s in data_samples]).to(feats[0].device)
        logits = self(feats)
        return dict(
            loss_cls=self.loss_cls(logits, labels),
            loss_triplet=self.triplet_weight *
            batch_hard_soft_margin_triplet(feats[0], labels))

    def predict(self, feats,
                data_samples: Optional[List[DataSample]] = None
                ) -> List[DataSample]:
        """Store ``pred_feature = f_before`` (official ``TEST.NECK_FEAT 'before'``)."""
        f_before = feats[0]
        if data_samples is None:
            data_samples = [DataSample() for _ in range(f_before.shape[0])]
        for sample, feat in zip(data_samples, f_before):
            sample.set_field(feat, 'pred_feature')
        return data_samples
