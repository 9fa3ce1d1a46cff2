"""Batch composition for Dataset Alternation Training: every batch on every rank holds a
fixed number of samples of every dataset."""
from typing import List, Optional, Sequence, Union

from mmdet.datasets.samplers.multi_source_sampler import \
    MultiSourceSampler as _MMDetMultiSourceSampler
from mmseg.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class MultiSourceSampler(_MMDetMultiSourceSampler):
    """mmdet's infinite multi-source sampler, registered for mmseg, with checks for CDCL.

    Each batch of ``batch_size`` indices (the dataloader's ``batch_size`` must be the same)
    holds ``num_per_source[i]`` samples of source ``i``, in source order. Each source has its
    own seeded, shuffled index stream that ranks slice disjointly (``rank::world_size``), so
    all ranks run the same dataset branches in the same order in every iteration (required
    by SyncBN branches) and no rank ever lacks a dataset (which would leave a branch without
    gradient on one rank only).

    Args:
        dataset (ConcatDataset): mmengine ``ConcatDataset`` of the sources.
        batch_size (int): Per-rank batch size.
        source_ratio (Sequence[int | float]): Share of each source in a batch.
        shuffle (bool): Shuffle each source. Defaults to True.
        seed (int, optional): Shared seed; synchronised across ranks when None.
        min_per_source (int): Smallest allowed per-source count. Defaults to 1; use 2 with
            plain BN (PSP's 1x1 pooling branch cannot normalise one sample).
    """

    def __init__(self,
                 dataset,
                 batch_size: int,
                 source_ratio: Sequence[Union[int, float]],
                 shuffle: bool = True,
                 seed: Optional[int] = None,
                 min_per_source: int = 1) -> None:
        if not hasattr(dataset, 'cumulative_sizes'):
            raise TypeError(
                f'MultiSourceSampler needs a ConcatDataset (one entry per '
                f'dataset), got {type(dataset).__name__}; wrap the datasets '
                "in dict(type='ConcatDataset', datasets=[...], ignore_keys="
                "['classes', 'palette', 'label_map', 'reduce_zero_label']).")
        source_ratio = list(source_ratio)
        if len(source_ratio) != len(dataset.datasets):
            raise ValueError(
                f'source_ratio={source_ratio} has {len(source_ratio)} entries '
                f'for {len(dataset.datasets)} datasets; give one per dataset.')
        super().__init__(dataset, batch_size, source_ratio, shuffle, seed)
        if min(self.num_per_source) < min_per_source:
            raise ValueError(
                f'batch_size={batch_size} with source_ratio={source_ratio} '
                f'gives {self.num_per_source} samples per dataset, below '
                f'min_per_source={min_per_source}; raise batch_size or even '
                'out source_ratio so every dataset is in every batch.')
        empty = [i for i, ds in enumerate(dataset.datasets) if len(ds) == 0]
        if empty:
            raise ValueError(f'datasets {empty} of the ConcatDataset are '
                             'empty; check their data_root and data_prefix.')

    @property
    def per_source(self) -> List[int]:
        """Samples of each source in every batch of this rank."""
        return list(self.num_per_source)
