"""Batches drawn from one source at a time, for joint image + video pre-training.

Frozen in Time (and MAC) pre-train on WebVid-2M clips (T = 4) and CC3M images (T = 1) in
the same run; clips of different lengths cannot be stacked into one tensor, so every batch
must come from one source. This batch sampler buckets the indices of a ``ConcatDataset``
by sub-dataset (as mmdet's ``AspectRatioBatchSampler`` buckets by aspect ratio) and yields
a bucket when it is full, so the sources interleave in proportion to their sizes.
"""
from typing import Iterator, List

from torch.utils.data import BatchSampler, Sampler

from mmaction.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class MACSourceBatchSampler(BatchSampler):
    """Single-source batches over a ``ConcatDataset``.

    Args:
        sampler (Sampler): index sampler whose ``dataset`` is an mmengine / torch
            ``ConcatDataset`` (a plain dataset is one source).
        batch_size (int): per-process batch size.
        drop_last (bool): drop each source's last incomplete batch.
    """

    def __init__(self, sampler: Sampler, batch_size: int,
                 drop_last: bool = True):
        if batch_size < 1:
            raise ValueError(f'batch_size={batch_size} must be >= 1')
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last
        dataset = getattr(sampler, 'dataset', None)
        self.cumulative_sizes = list(
            getattr(dataset, 'cumulative_sizes', [len(dataset)] if dataset
                    is not None else []))
        if not self.cumulative_sizes:
            raise TypeError('MACSourceBatchSampler needs a sampler with a '
                            '`dataset` attribute (mmengine DefaultSampler)')

    def source_of(self, index: int) -> int:
        """Sub-dataset of a ``ConcatDataset`` index."""
        for source, end in enumerate(self.cumulative_sizes):
            if index < end:
                return source
        raise IndexError(f'index {index} is outside the dataset of '
                         f'{self.cumulative_sizes[-1]} items')

    def __iter__(self) -> Iterator[List[int]]:
        buckets = [[] for _ in self.cumulative_sizes]
        for index in self.sampler:
            bucket = buckets[self.source_of(index)]
            bucket.append(index)
            if len(bucket) == self.batch_size:
                yield bucket[:]
                del bucket[:]
        if not self.drop_last:
            for bucket in buckets:
                if bucket:
                    yield bucket

    def __len__(self) -> int:
        sizes = [b - a for a, b in zip([0] + self.cumulative_sizes[:-1],
                                       self.cumulative_sizes)]
        share = len(self.sampler) / max(1, self.cumulative_sizes[-1])
        per = [s * share for s in sizes]
        if self.drop_last:
            return sum(int(p) // self.batch_size for p in per)
        return sum(-(-int(round(p)) // self.batch_size) for p in per)
