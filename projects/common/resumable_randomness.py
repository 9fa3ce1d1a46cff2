"""Randomness that is a function of the training position, so ``--resume`` is exact.

mmengine's checkpoints hold neither the torch / numpy / python random states nor the
state of the data workers; after a resume, augmentations and dropout therefore differ
from the uninterrupted run whenever data is loaded in the main process
(``num_workers=0``), workers are persistent, or the model draws random numbers.
Saving the states would not be enough either: the main-process state at a checkpoint is
later consumed by validation, and a persistent worker's state lives only in the worker.

Instead every random draw is made a function of where training is:

* :class:`PositionSeededSampler` wraps the configured sampler (the sample *order* is
  already a function of ``(seed, epoch)`` in mmengine's samplers; an infinite sampler is
  replayed by the iteration-based loop on resume) and tags each index with a seed derived
  from ``(seed, epoch, position in the epoch)``;
* :class:`PositionSeededDataset` wraps the dataset and seeds python, numpy and torch with
  that tag before running the pipeline, in whichever process loads the sample, so
  augmentations do not depend on the number of workers or their persistence;
* :class:`IterationSeedHook` seeds the main process from ``(seed, rank, iteration)``
  before every training iteration (dropout, random masking, batch augmentations).

:func:`make_resumable` applies the three to a config (``tools/train.py`` does this).
"""
import random

import numpy as np
import torch
from torch.utils.data import Sampler
from mmengine.dataset import DefaultSampler  # noqa: F401  (registers samplers)
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.registry import DATA_SAMPLERS, DATASETS, HOOKS


def derive_seed(*parts):
    """A 32-bit seed from integers, with no correlation between neighbouring inputs."""
    entropy = [int(p) % (2 ** 32) for p in parts]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


def seed_all(seed):
    """Seed python's ``random``, numpy's global generator and torch (CPU and CUDA)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class SeededIndex(int):
    """A dataset index that carries the seed its sample is to be loaded with."""

    def __new__(cls, value, seed):
        obj = super().__new__(cls, value)
        obj.seed = seed
        return obj

    def __reduce__(self):
        return SeededIndex, (int(self), self.seed)


@DATA_SAMPLERS.register_module()
class PositionSeededSampler(Sampler):
    """Yield the indices of ``sampler``, each tagged with a seed for its position.

    Args:
        dataset: the dataset (passed on to ``sampler``).
        sampler (dict): config of the wrapped sampler (``DefaultSampler``,
            ``InfiniteSampler``, ``MultiSourceSampler``, ...).
        seed (int, optional): base seed (the runner's; the wrapped sampler's if None).
    """

    def __init__(self, dataset, sampler, seed=None):
        if isinstance(sampler, dict):
            sampler = DATA_SAMPLERS.build(
                sampler, default_args=dict(dataset=dataset, seed=seed))
        self.sampler = sampler
        self.dataset = dataset
        if seed is None:
            seed = getattr(sampler, 'seed', None)
        if seed is None:
            from mmengine.dist import sync_random_seed
            seed = sync_random_seed()
        self.seed = seed
        self.epoch = 0

    def __iter__(self):
        rank = get_rank()
        for position, index in enumerate(self.sampler):
            yield SeededIndex(
                index, derive_seed(self.seed, rank, self.epoch, position))

    def __len__(self):
        return len(self.sampler)

    def set_epoch(self, epoch):
        self.epoch = epoch
        if hasattr(self.sampler, 'set_epoch'):
            self.sampler.set_epoch(epoch)

    def __getattr__(self, name):
        if name.startswith('__') or 'sampler' not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.sampler, name)


@DATASETS.register_module()
class PositionSeededDataset:
    """Load each sample with the random state its :class:`SeededIndex` names.

    Every other attribute (``metainfo``, ``get_data_info``, ``datasets``...) is the
    wrapped dataset's, as for mmengine's dataset wrappers.

    Args:
        dataset (dict | Dataset): the wrapped dataset or its config.
    """

    def __init__(self, dataset):
        if isinstance(dataset, dict):
            dataset = DATASETS.build(dataset)
        self.dataset = dataset

    def __getitem__(self, idx):
        seed = getattr(idx, 'seed', None)
        if seed is not None:
            seed_all(seed)
        return self.dataset[int(idx)]

    def __len__(self):
        return len(self.dataset)

    def __getattr__(self, name):
        if name.startswith('__') or 'dataset' not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.dataset, name)


@HOOKS.register_module()
class IterationSeedHook(Hook):
    """Seed the main process from ``(seed, rank, iteration)`` before each train step."""

    priority = 'HIGHEST'

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        seed_all(derive_seed(runner.seed, get_rank(), runner.iter))


def make_resumable(cfg):
    """Wrap ``cfg``'s training dataset and sampler and add :class:`IterationSeedHook`."""
    loader = cfg.get('train_dataloader')
    if not loader:
        return cfg
    if loader.dataset.get('type') != 'PositionSeededDataset':
        loader.dataset = dict(type='PositionSeededDataset',
                              dataset=loader.dataset)
    sampler = loader.get('sampler')
    if isinstance(sampler, dict) and \
            sampler.get('type') != 'PositionSeededSampler':
        loader.sampler = dict(type='PositionSeededSampler', sampler=sampler)
    hooks = list(cfg.get('custom_hooks') or [])
    if not any(h.get('type') == 'IterationSeedHook' for h in hooks):
        hooks.append(dict(type='IterationSeedHook'))
    cfg.custom_hooks = hooks
    return cfg
