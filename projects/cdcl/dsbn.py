"""Dataset-specific BatchNorm (DSBN), the normalisation half of CDCL's Dataset-Aware Block.

Paper: Wang et al., "Cross-Dataset Collaborative Learning for Semantic Segmentation"
(arXiv 2103.11351), Sec. 3.2 "Dataset-Aware Block": every Conv-BN-ReLU unit keeps one shared
convolution and one BatchNorm per dataset,

    DSBN_i(X_i) = gamma_i * (X_i - mu_i) / sqrt(sigma_i^2 + eps) + beta_i,

where ``mu_i``/``sigma_i`` are the statistics of a mini-batch drawn from dataset ``i`` only and
``(gamma_i, beta_i)`` plus the running statistics belong to dataset ``i``.
"""
from typing import Iterable

import torch.nn as nn
from mmseg.registry import MODELS


class DatasetAwareMixin:
    """Marks a module whose computation depends on the active dataset index.

    The segmentor sets the index on every such module before each forward pass
    (:func:`set_dataset_idx`). Subclasses define ``num_datasets`` and may override
    :meth:`set_dataset_idx` to switch more state (e.g. the class count of a head).
    """

    dataset_idx = 0
    num_datasets = 1

    def set_dataset_idx(self, idx: int) -> None:
        if not 0 <= idx < self.num_datasets:
            raise IndexError(
                f'dataset_idx={idx} is out of range for {type(self).__name__} '
                f'with num_datasets={self.num_datasets}; use an index in '
                f'[0, {self.num_datasets - 1}] or raise num_datasets in the '
                'config.')
        self.dataset_idx = int(idx)


def dataset_aware_modules(model: nn.Module) -> list:
    """All modules of ``model`` (itself included) that switch with the dataset index."""
    return [m for m in model.modules() if isinstance(m, DatasetAwareMixin)]


def set_dataset_idx(modules: Iterable[nn.Module], idx: int) -> None:
    """Select branch ``idx`` in every dataset-aware module (a model or a list of modules)."""
    if isinstance(modules, nn.Module):
        modules = dataset_aware_modules(modules)
    for module in modules:
        module.set_dataset_idx(idx)


_BN_TYPES = {'BN': nn.BatchNorm2d, 'SyncBN': nn.SyncBatchNorm}
_BN_KEYS = ('weight', 'bias', 'running_mean', 'running_var',
            'num_batches_tracked')


@MODELS.register_module('DSBN')
class DatasetSpecificBatchNorm(DatasetAwareMixin, nn.Module):
    """One BatchNorm per dataset with shared input; only the active branch runs.

    Drop-in norm layer for mmcv's ``build_norm_layer``:
    ``norm_cfg=dict(type='DSBN', num_datasets=2, requires_grad=True)``. The layer keeps
    mmcv's ``bn`` abbreviation so ResNet/ConvModule name it ``bn1``/``norm1``/``bn``
    exactly like a plain BatchNorm, which keeps pretrained key paths aligned.

    Loading a state dict that holds plain BatchNorm keys (``weight``, ``bias``,
    ``running_mean``, ``running_var``, ``num_batches_tracked``) copies them into every
    branch, so ``init_cfg=dict(type='Pretrained', ...)`` with an ImageNet checkpoint
    initialises all datasets identically. Per-branch keys (``bns.<i>.*``) load as usual.

    Args:
        num_features (int): Channels C of the (N, C, H, W) input.
        eps (float): Added to the variance. Defaults to 1e-5.
        momentum (float): Running-statistics momentum. Defaults to 0.1.
        affine (bool): Learnable gamma/beta per branch. Defaults to True.
        track_running_stats (bool): Defaults to True.
        num_datasets (int): Number of branches N (one per dataset).
        bn_type (str): ``'BN'`` (BatchNorm2d) or ``'SyncBN'`` (SyncBatchNorm, multi-GPU).
    """

    _abbr_ = 'bn'

    def __init__(self,
                 num_features: int,
                 eps: float = 1e-5,
                 momentum: float = 0.1,
                 affine: bool = True,
                 track_running_stats: bool = True,
                 num_datasets: int = 1,
                 bn_type: str = 'BN'):
        super().__init__()
        if not isinstance(num_datasets, int) or num_datasets < 1:
            raise ValueError(
                f'DSBN needs num_datasets >= 1 (one branch per dataset), got '
                f'{num_datasets!r}; set norm_cfg.num_datasets to the number '
                'of training datasets.')
        if bn_type not in _BN_TYPES:
            raise ValueError(
                f'DSBN bn_type={bn_type!r} is not supported; use one of '
                f'{sorted(_BN_TYPES)}.')
        self.num_features = num_features
        self.num_datasets = num_datasets
        self.bn_type = bn_type
        bn_cls = _BN_TYPES[bn_type]
        self.bns = nn.ModuleList([
            bn_cls(num_features, eps=eps, momentum=momentum, affine=affine,
                   track_running_stats=track_running_stats)
            for _ in range(num_datasets)
        ])

    def forward(self, x):
        return self.bns[self.dataset_idx](x)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata,
                              strict, missing_keys, unexpected_keys,
                              error_msgs):
        plain = {k: state_dict.pop(prefix + k) for k in _BN_KEYS
                 if prefix + k in state_dict}
        for i in range(self.num_datasets):
            for key, value in plain.items():
                state_dict.setdefault(f'{prefix}bns.{i}.{key}', value)
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def extra_repr(self):
        return (f'{self.num_features}, num_datasets={self.num_datasets}, '
                f'bn_type={self.bn_type}')


@MODELS.register_module('DSSyncBN')
class DatasetSpecificSyncBatchNorm(DatasetSpecificBatchNorm):
    """:class:`DatasetSpecificBatchNorm` with SyncBatchNorm branches (multi-GPU).

    Every rank must run the same branches in the same order in each iteration;
    :class:`MultiSourceSampler` guarantees that by giving each rank a fixed number of
    samples of every dataset per batch.
    """

    def __init__(self, num_features: int, **kwargs):
        kwargs.setdefault('bn_type', 'SyncBN')
        super().__init__(num_features, **kwargs)
