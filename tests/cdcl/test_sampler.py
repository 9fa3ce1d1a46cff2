"""MultiSourceSampler: per-batch composition on every rank, disjoint rank streams (spec f.6)."""
import itertools

import pytest
from torch.utils.data import ConcatDataset

import mmdet.datasets.samplers.multi_source_sampler as mmdet_sampler
from projects.cdcl import MultiSourceSampler


class _Sized:

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i


def _concat(*sizes):
    return ConcatDataset([_Sized(n) for n in sizes])


def _batches(sampler, batch_size, n):
    it = iter(sampler)
    return [[next(it) for _ in range(batch_size)] for _ in range(n)]


@pytest.mark.parametrize('world_size', [1, 2, 3])
def test_every_batch_on_every_rank_has_fixed_per_dataset_counts(
        monkeypatch, world_size):
    dataset = _concat(10, 7, 13)
    bounds = [0] + dataset.cumulative_sizes
    streams = []
    for rank in range(world_size):
        monkeypatch.setattr(mmdet_sampler, 'get_dist_info',
                            lambda r=rank: (r, world_size))
        sampler = MultiSourceSampler(dataset, batch_size=6,
                                     source_ratio=[1, 1, 1], seed=3)
        assert sampler.per_source == [2, 2, 2]
        batches = _batches(sampler, 6, 20)
        for batch in batches:
            sources = [next(s for s in range(3) if bounds[s] <= i <
                            bounds[s + 1]) for i in batch]
            # Source order inside the batch is fixed: [0, 0, 1, 1, 2, 2].
            assert sources == [0, 0, 1, 1, 2, 2]
        streams.append(batches)
    # Within one pass over a source, ranks draw disjoint samples.
    for s, size in enumerate((10, 7, 13)):
        per_rank = []
        for batches in streams:
            flat = [i for b in batches for i in b
                    if bounds[s] <= i < bounds[s + 1]]
            per_rank.append(flat[:size // world_size])
        for a, b in itertools.combinations(per_rank, 2):
            assert not set(a) & set(b)


def test_unequal_ratio_and_reproducible_seed():
    dataset = _concat(20, 20)
    a = MultiSourceSampler(dataset, batch_size=6, source_ratio=[2, 1],
                           seed=0)
    b = MultiSourceSampler(dataset, batch_size=6, source_ratio=[2, 1],
                           seed=0)
    assert a.per_source == [4, 2]
    assert _batches(a, 6, 5) == _batches(b, 6, 5)


def test_a_dataset_without_samples_in_a_batch_is_rejected():
    dataset = _concat(20, 20, 20)
    with pytest.raises(ValueError, match=r'gives \[3, 0, 0\]'):
        MultiSourceSampler(dataset, batch_size=3, source_ratio=[2, 1, 0.4])
    with pytest.raises(ValueError, match='min_per_source=2'):
        MultiSourceSampler(dataset, batch_size=3, source_ratio=[1, 1, 1],
                           min_per_source=2)
    with pytest.raises(ValueError, match='one per dataset'):
        MultiSourceSampler(dataset, batch_size=4, source_ratio=[1, 1])
    with pytest.raises(TypeError, match='ConcatDataset'):
        MultiSourceSampler(_Sized(5), batch_size=2, source_ratio=[1])
