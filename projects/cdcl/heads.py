"""Decode and auxiliary heads with one 1x1 classifier per dataset.

CDCL shares every convolution across datasets except the final classifier, which must be
dataset-specific when label sets differ (Cityscapes/BDD100K 19 classes, CamVid 11,
COCO-Stuff 171); see the paper's Sec. 3.2 and our spec (a.1). The BatchNorms inside the
heads become DSBN through their ``norm_cfg``.
"""
from typing import Sequence

import torch.nn as nn
from mmseg.models.decode_heads import FCNHead, PSPHead
from mmseg.registry import MODELS

from .dsbn import DatasetAwareMixin


def _check_num_classes(num_classes, head):
    if isinstance(num_classes, int) or not isinstance(num_classes,
                                                      Sequence):
        raise TypeError(
            f'{head} needs num_classes as a list with one class count per '
            f'dataset, e.g. [19, 19, 11]; got {num_classes!r}.')
    if len(num_classes) == 0 or any(
            not isinstance(c, int) or c < 2 for c in num_classes):
        raise ValueError(
            f'{head} num_classes={list(num_classes)!r}: every dataset needs '
            'an integer class count >= 2 (binary one-channel heads are not '
            'supported).')
    return tuple(num_classes)


class DatasetAwareClassifierMixin(DatasetAwareMixin):
    """Replaces ``conv_seg`` by a ModuleList of per-dataset 1x1 classifiers.

    ``num_classes``/``out_channels`` always describe the active dataset, so mmseg's
    ``slide_inference`` and post-processing allocate the right number of channels.
    """

    def _init_dataset_classifiers(self, num_classes: tuple) -> None:
        self.dataset_num_classes = num_classes
        self.num_datasets = len(num_classes)
        self.conv_seg = nn.ModuleList(
            nn.Conv2d(self.channels, c, kernel_size=1) for c in num_classes)
        self.set_dataset_idx(0)

    def set_dataset_idx(self, idx: int) -> None:
        super().set_dataset_idx(idx)
        self.num_classes = self.dataset_num_classes[self.dataset_idx]
        self.out_channels = self.num_classes

    def cls_seg(self, feat):
        """Classify each pixel with the active dataset's classifier."""
        if self.dropout is not None:
            feat = self.dropout(feat)
        return self.conv_seg[self.dataset_idx](feat)


@MODELS.register_module()
class DatasetAwarePSPHead(DatasetAwareClassifierMixin, PSPHead):
    """PSPHead (pyramid pooling) with per-dataset classifiers.

    Args:
        num_classes (Sequence[int]): Class count of each dataset, in dataset-index order.
        **kwargs: Everything else of :class:`mmseg.models.decode_heads.PSPHead`.
    """

    def __init__(self, num_classes: Sequence[int], **kwargs):
        num_classes = _check_num_classes(num_classes, type(self).__name__)
        super().__init__(num_classes=num_classes[0], **kwargs)
        self._init_dataset_classifiers(num_classes)


@MODELS.register_module()
class DatasetAwareFCNHead(DatasetAwareClassifierMixin, FCNHead):
    """FCNHead (PSPNet's auxiliary head) with per-dataset classifiers.

    Args:
        num_classes (Sequence[int]): Class count of each dataset, in dataset-index order.
        **kwargs: Everything else of :class:`mmseg.models.decode_heads.FCNHead`.
    """

    def __init__(self, num_classes: Sequence[int], **kwargs):
        num_classes = _check_num_classes(num_classes, type(self).__name__)
        super().__init__(num_classes=num_classes[0], **kwargs)
        self._init_dataset_classifiers(num_classes)
