"""Augmentation randomness is a function of (seed, epoch, position): the same whatever the
number of workers or their persistence, and the same when a run restarts at an epoch."""
import random

import numpy as np
import torch
from mmengine.dataset import DefaultSampler
from torch.utils.data import DataLoader

from projects.common.resumable_randomness import (PositionSeededDataset,
                                                  PositionSeededSampler,
                                                  derive_seed)


class _RandomAugment:
    """Each sample draws from python, numpy and torch, like a random pipeline."""

    def __len__(self):
        return 6

    def __getitem__(self, idx):
        return torch.tensor([float(idx), random.random(), np.random.rand(),
                             torch.rand(()).item()])


def _epochs(num_workers, persistent, seeded, epochs=(0, 1)):
    dataset = _RandomAugment()
    sampler = DefaultSampler(dataset, shuffle=True, seed=3)
    if seeded:
        dataset = PositionSeededDataset(dataset)
        sampler = PositionSeededSampler(dataset, sampler, seed=3)
    loader = DataLoader(dataset, batch_size=2, sampler=sampler,
                        num_workers=num_workers,
                        persistent_workers=persistent and num_workers > 0)
    out = []
    for epoch in epochs:
        sampler.set_epoch(epoch)
        out.append(torch.cat([b for b in loader]))
    return out


def test_draws_do_not_depend_on_workers_or_restarts():
    torch.manual_seed(0)
    main = _epochs(0, False, seeded=True)
    persistent = _epochs(2, True, seeded=True)
    restarted = _epochs(2, True, seeded=True, epochs=(1,))
    for a, b in zip(main, persistent):
        assert torch.equal(a, b)
    assert torch.equal(main[1], restarted[0])
    assert not torch.equal(main[0][:, 1:], main[1][:, 1:])


def test_plain_loader_depends_on_restart():
    """Without the wrappers a persistent worker restarted at epoch 1 repeats epoch 0."""
    full = _epochs(2, True, seeded=False)
    restarted = _epochs(2, True, seeded=False, epochs=(1,))
    assert not torch.equal(full[1][:, 1:], restarted[0][:, 1:])


def test_derived_seeds_differ_by_position():
    seeds = {derive_seed(3, 0, e, p) for e in range(3) for p in range(50)}
    assert len(seeds) == 150
