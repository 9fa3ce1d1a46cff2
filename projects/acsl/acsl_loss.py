"""Adaptive Class Suppression Loss (Wang et al., CVPR 2021, arXiv 2104.00885).

The loss replaces the softmax cross entropy of a two-stage detector's second-stage
classifier. It plugs into mmdet's ``BBoxHead`` through ``custom_cls_channels``,
``custom_activation`` and ``custom_accuracy``, like mmdet's ``SeesawLoss``, so no
detector code changes: training uses :meth:`ACSLLoss.forward`, testing the sigmoid
scores of :meth:`ACSLLoss.get_activation`.
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.models.losses import accuracy
from mmdet.registry import MODELS

from .frequency import load_label_groups_file

#: Frequency groups, in the order the released code draws background rows.
GROUPS = ('rare', 'common', 'frequent')
#: LVIS ``frequency`` codes -> group index.
FREQUENCY_CODES = {'r': 0, 'c': 1, 'f': 2}
BG_MODES = ('official', 'adaptive', 'full')


def _group_index(group):
    """Map ``'r'``/``'rare'``/``0`` (and likewise common/frequent) to 0, 1 or 2."""
    if isinstance(group, str):
        key = group.lower()
        if key in FREQUENCY_CODES:
            return FREQUENCY_CODES[key]
        if key in GROUPS:
            return GROUPS.index(key)
    elif isinstance(group, (int, np.integer)) and 0 <= int(group) <= 2:
        return int(group)
    raise ValueError(
        f'Unknown frequency group {group!r}; use one of "r", "c", "f" (LVIS '
        'codes), "rare", "common", "frequent" or 0, 1, 2.')


@MODELS.register_module()
class ACSLLoss(nn.Module):
    """Adaptive Class Suppression Loss over ``C + 1`` sigmoid channels (paper, method).

    The weighting below is the paper's adaptive rule as the released code applies it
    (CASIA-IVA-Lab/ACSL ``mmdet/models/losses/acsl.py``, commit dd84144). Each RoI
    ``i`` has logits ``z_i`` over ``C`` classes plus a background channel (the LAST
    one, mmdet 3 layout) and a label ``k_i`` in ``[0, C]`` (``C`` = background). With
    ``p = sigmoid(z)`` and one-hot targets ``y``:

    * ``w_ij = 1`` for the ground-truth channel ``j = k_i`` (foreground and background);
    * ``w_ij = 1`` for a negative channel whose score reaches ``score_thr``
      (``p_ij >= xi``: the network confuses the RoI with class ``j``, so ``j`` is
      suppressed);
    * ``w_ij = 0`` for the other (easy) negatives: they get no gradient at all.

    ``L = (1 / N) * sum_ij w_ij * BCE(z_ij, y_ij)`` with ``N`` the number of RoIs
    (mmdet's ``avg_factor``), and ``dL/dz_ij = w_ij (p_ij - y_ij) / N`` since the
    weights are computed without gradient.

    Background RoIs follow ``bg_mode``:

    * ``'official'`` (default): the behaviour of the released code. The adaptive mask
      is discarded for background rows; the background channel is weighted, and the
      class channels of each frequency group (LVIS ``frequency`` r/c/f) are weighted
      for a random subset of ``floor(ratio * N_bg)`` background rows, with ``ratio``
      from ``bg_sample_ratios`` (rare 0.01, common 0.1, frequent 1.0); subsets are
      drawn independently, without replacement, in the order rare, common, frequent.
    * ``'adaptive'``: background rows use the same ``score_thr`` rule as foreground
      rows (the "statistic-free" reading of the paper).
    * ``'full'``: every channel of a background row is weighted (plain BCE).

    The frequency groups are per label index (length ``C``) and come from the config:
    ``label_groups`` lists them, or ``label_groups_file`` names a small groups file or
    an LVIS annotation whose category table alone is read (see
    :func:`projects.acsl.frequency.load_label_groups_file`), so no process parses the
    full training annotation for them. :class:`ACSLFrequencyHook` can fill them in at
    the start of training instead (e.g. from image counts, for Open Images).

    Args:
        score_thr (float): The threshold ``xi`` in (0, 1). Defaults to 0.7.
        bg_mode (str): ``'official'``, ``'adaptive'`` or ``'full'``.
        bg_sample_ratios (Sequence[float]): Fractions of background rows that
            suppress the rare, common and frequent channels (``'official'`` only).
            Defaults to ``(0.01, 0.1, 1.0)``.
        label_groups (Sequence[str | int], optional): Frequency group of every
            foreground label (``'r'``/``'c'``/``'f'`` or 0/1/2), length ``C``.
        label_groups_file (str, optional): JSON file with the groups: a list of
            codes, ``{"label_groups": [...]}``, or an LVIS annotation (label ``i`` =
            ``i``-th category of its list, as in mmdet's LVIS datasets); read when the
            groups are first needed. Exclusive with ``label_groups``.
        rng (str): ``'torch'`` (default; background subsets from the torch RNG, which
            mmengine seeds) or ``'numpy'`` (``numpy.random.choice`` over the ascending
            background row indices, as the released code draws them; for
            cross-checks).
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 score_thr=0.7,
                 bg_mode='official',
                 bg_sample_ratios=(0.01, 0.1, 1.0),
                 label_groups=None,
                 label_groups_file=None,
                 rng='torch',
                 loss_weight=1.0):
        super().__init__()
        if not 0.0 < float(score_thr) < 1.0:
            raise ValueError(
                f'ACSLLoss score_thr={score_thr!r} must lie strictly between 0 '
                'and 1 (the paper and the released configs use 0.7).')
        if bg_mode not in BG_MODES:
            raise ValueError(
                f'ACSLLoss bg_mode={bg_mode!r} is not one of {BG_MODES}; '
                "'official' reproduces the released code.")
        ratios = tuple(float(r) for r in bg_sample_ratios)
        if len(ratios) != 3 or not all(0.0 <= r <= 1.0 for r in ratios):
            raise ValueError(
                f'ACSLLoss bg_sample_ratios={bg_sample_ratios!r} must be three '
                'fractions in [0, 1] for the rare, common and frequent groups, '
                'e.g. (0.01, 0.1, 1.0).')
        if rng not in ('torch', 'numpy'):
            raise ValueError(
                f"ACSLLoss rng={rng!r} must be 'torch' or 'numpy'.")
        self.score_thr = float(score_thr)
        self.bg_mode = bg_mode
        self.bg_sample_ratios = ratios
        self.rng = rng
        self.loss_weight = loss_weight
        self.register_buffer(
            'label_groups', torch.empty(0, dtype=torch.long), persistent=False)
        if label_groups is not None and label_groups_file is not None:
            raise ValueError(
                'ACSLLoss got both label_groups and label_groups_file='
                f'{label_groups_file!r}; keep one of them.')
        self.label_groups_file = label_groups_file
        if label_groups is not None:
            self.set_label_groups(label_groups)

        self.custom_cls_channels = True
        self.custom_activation = True
        self.custom_accuracy = True

    def set_label_groups(self, label_groups):
        """Set the frequency group (0 rare, 1 common, 2 frequent) of each label index."""
        groups = torch.as_tensor([_group_index(g) for g in label_groups],
                                 dtype=torch.long)
        self.label_groups = groups.to(self.label_groups.device)

    @property
    def has_label_groups(self):
        """Whether the groups are known; reads ``label_groups_file`` on first use.

        The file is read when the groups are first needed (the first training step, or
        :class:`ACSLFrequencyHook`), so building the model to test a checkpoint or to
        count parameters needs no annotation.
        """
        if not self.label_groups.numel() and self.label_groups_file:
            self.set_label_groups(load_label_groups_file(self.label_groups_file))
        return self.label_groups.numel() > 0

    def get_cls_channels(self, num_classes):
        """``C`` classes plus one background channel, as for a softmax head."""
        known = self.label_groups.numel()
        if known and num_classes != known:
            raise ValueError(
                f'ACSLLoss has frequency groups for {self.label_groups.numel()} '
                f'classes but the head has num_classes={num_classes}; make them '
                'agree.')
        return num_classes + 1

    def get_activation(self, cls_score):
        """Independent sigmoid of all ``C + 1`` channels (background last).

        As in the released test code, class scores are not multiplied by the
        background complement; mmdet's ``multiclass_nms`` drops the last column.
        """
        return cls_score.sigmoid()

    def get_accuracy(self, cls_score, labels):
        """Accuracy of the class channels on foreground RoIs, and of all channels."""
        num_classes = cls_score.size(-1) - 1
        pos = labels < num_classes
        acc = dict()
        acc['acc_classes'] = accuracy(cls_score[pos, :num_classes],
                                      labels[pos])
        acc['acc'] = accuracy(cls_score, labels)
        return acc

    @torch.no_grad()
    def class_weights(self, cls_score, labels):
        """The weights ``w`` of shape ``(N, C + 1)``, without gradient.

        Args:
            cls_score (Tensor): Logits, shape ``(N, C + 1)``, background last.
            labels (Tensor): Labels in ``[0, C]``, shape ``(N,)``.
        """
        num_classes = cls_score.size(-1) - 1
        gt = F.one_hot(labels, num_classes + 1).bool()
        weights = (cls_score.sigmoid() >= self.score_thr) | gt
        weights = weights.to(cls_score.dtype)
        bg = labels == num_classes
        if self.bg_mode == 'full':
            weights[bg] = 1.0
        elif self.bg_mode == 'official' and bool(bg.any()):
            weights[bg] = 0.0
            weights[bg, num_classes] = 1.0
            self._sample_background(weights, bg.nonzero()[:, 0], num_classes)
        return weights

    def _sample_background(self, weights, bg_rows, num_classes):
        """Weight each frequency group's channels on a random subset of bg rows."""
        if not self.has_label_groups:
            raise RuntimeError(
                "ACSLLoss(bg_mode='official') needs the frequency group of every "
                'class. Set label_groups_file= (the LVIS annotation, whose '
                'category table alone is read, or a JSON list of codes) or '
                'label_groups=[...] in the loss config, add custom_hooks=[dict('
                'type="ACSLFrequencyHook")], or use bg_mode=\'adaptive\'.')
        if self.label_groups.numel() != num_classes:
            raise ValueError(
                f'ACSLLoss has frequency groups for {self.label_groups.numel()} '
                f'classes but the classifier has {num_classes} class channels; '
                'the annotation used for the groups does not match the head.')
        groups = self.label_groups.to(weights.device)
        num_bg = bg_rows.numel()
        for index, ratio in enumerate(self.bg_sample_ratios):
            count = int(math.floor(ratio * num_bg))
            cols = (groups == index).nonzero()[:, 0]
            rows = self._choose(bg_rows, count)
            if cols.numel() and rows.numel():
                weights[rows[:, None], cols[None, :]] = 1.0

    def _choose(self, rows, count):
        """``count`` distinct entries of ``rows`` (all of them when count == len).

        The numpy path always calls ``numpy.random.choice`` (also for ``count == 0``),
        so it consumes the global numpy RNG exactly like the released code.
        """
        if self.rng == 'numpy':
            picked = np.random.choice(
                rows.cpu().numpy(), size=count, replace=False)
            return torch.as_tensor(picked, device=rows.device)
        if count == 0:
            return rows[:0]
        if count >= rows.numel():
            return rows
        perm = torch.randperm(rows.numel(), device=rows.device)
        return rows[perm[:count]]

    def forward(self,
                cls_score,
                labels,
                label_weights=None,
                avg_factor=None,
                reduction_override=None):
        """Compute the loss.

        Args:
            cls_score (Tensor): Logits, shape ``(N, C + 1)``, background last.
            labels (Tensor): Labels in ``[0, C]``, shape ``(N,)``.
            label_weights (Tensor, optional): Per-RoI weights, shape ``(N,)``
                (all ones in R-CNN training, so the released behaviour is kept).
            avg_factor (float, optional): Normaliser; defaults to ``N``.
            reduction_override (str, optional): ``'none'``, ``'mean'`` or ``'sum'``.

        Returns:
            Tensor: A scalar, or the per-RoI losses ``(N,)`` (summed over channels,
            not normalised) for ``reduction_override='none'``, as mmdet's OHEM
            sampler expects.
        """
        if reduction_override not in (None, 'none', 'mean', 'sum'):
            raise ValueError(
                f'reduction_override={reduction_override!r}; use None, '
                "'none', 'mean' or 'sum'.")
        if cls_score.dim() != 2 or labels.shape != cls_score.shape[:1]:
            raise ValueError(
                f'ACSLLoss expects logits (N, C + 1) and labels (N,), got '
                f'{tuple(cls_score.shape)} and {tuple(labels.shape)}.')
        labels = labels.long()
        weights = self.class_weights(cls_score.detach(), labels)
        targets = F.one_hot(labels, cls_score.size(-1)).to(cls_score.dtype)
        loss = F.binary_cross_entropy_with_logits(
            cls_score, targets, reduction='none') * weights
        if label_weights is not None:
            loss = loss * label_weights.to(loss.dtype)[:, None]
        reduction = reduction_override or 'mean'
        if reduction == 'none':
            return self.loss_weight * loss.sum(dim=1)
        loss = loss.sum()
        if reduction == 'mean':
            norm = cls_score.size(0) if avg_factor is None else avg_factor
            loss = loss / max(float(norm), 1.0)
        return self.loss_weight * loss
