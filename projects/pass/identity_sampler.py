"""P x K identity sampler for metric-learning ReID training.

Follows ``RandomIdentitySampler`` of the official PASS fine-tuning code (TransReID's
``datasets/sampler.py``): every batch holds ``P = batch_size / K`` identities with ``K``
images each; an identity with fewer than ``K`` images is resampled with replacement; each
identity's (shuffled) images are cut into chunks of ``K`` and identities are drawn at random
without replacement until fewer than ``P`` have chunks left. The epoch length is the
official estimate (sum over identities of ``max(n, K)`` rounded down to a multiple of K),
so an epoch may end a few batches early, as in the official loader.
"""
import math
from collections import defaultdict
from typing import Iterator, Optional

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from mmpretrain.registry import DATA_SAMPLERS
from torch.utils.data import Sampler


@DATA_SAMPLERS.register_module()
class RandomIdentitySampler(Sampler):
    """Yield indices in P x K identity batches.

    Args:
        dataset: a dataset whose ``get_data_info(i)`` has ``pid`` (or ``gt_label``).
        batch_size (int): images per batch per GPU (the dataloader's ``batch_size``).
        num_instances (int): K, images per identity in a batch. Default 4.
        seed (int, optional): base random seed, shared by all ranks.

    With several GPUs, every rank draws the same batches and takes every
    ``world_size``-th one, so each rank still sees whole P x K batches.
    """

    def __init__(self,
                 dataset,
                 batch_size: int,
                 num_instances: int = 4,
                 seed: Optional[int] = None):
        if batch_size % num_instances:
            raise ValueError(
                f'RandomIdentitySampler: batch_size={batch_size} is not a '
                f'multiple of num_instances={num_instances}; choose P x K.')
        self.dataset = dataset
        self.batch_size = batch_size
        self.num_instances = num_instances
        self.num_pids_per_batch = batch_size // num_instances
        self.rank, self.world_size = get_dist_info()
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0
        self.index_dic = defaultdict(list)
        for i in range(len(dataset)):
            info = dataset.get_data_info(i)
            self.index_dic[info.get('pid', info.get('gt_label'))].append(i)
        self.pids = sorted(self.index_dic)
        if len(self.pids) < self.num_pids_per_batch:
            raise ValueError(
                f'RandomIdentitySampler: the dataset has {len(self.pids)} '
                f'identities, fewer than P = batch_size / K = '
                f'{self.num_pids_per_batch}; lower batch_size.')
        length = 0
        for pid in self.pids:
            num = max(len(self.index_dic[pid]), num_instances)
            length += num - num % num_instances
        num_batches = length // batch_size
        self.num_batches = math.ceil(num_batches / self.world_size) \
            if self.world_size > 1 else num_batches
        self.length = self.num_batches * batch_size

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def batches(self, rng: np.random.Generator):
        """The list of P x K batches (lists of indices) of one epoch."""
        k = self.num_instances
        chunks = {}
        for pid in self.pids:
            idxs = np.asarray(self.index_dic[pid])
            if len(idxs) < k:
                idxs = rng.choice(idxs, size=k, replace=True)
            idxs = rng.permutation(idxs)
            chunks[pid] = [
                idxs[i:i + k].tolist() for i in range(0, len(idxs) - k + 1, k)
            ]
        avail = list(self.pids)
        batches = []
        while len(avail) >= self.num_pids_per_batch:
            chosen = rng.choice(len(avail), self.num_pids_per_batch,
                                replace=False)
            batch = []
            for j in sorted(chosen):
                batch += chunks[avail[j]].pop(0)
            batches.append(batch)
            avail = [p for p in avail if chunks[p]]
        return batches

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng(self.seed + self.epoch)
        batches = self.batches(rng)[self.rank::self.world_size]
        for batch in batches[:self.num_batches]:
            yield from batch

    def __len__(self) -> int:
        return self.length
