"""Two gloo CPU ranks train a CDCL model with DDP and synchronised BN branches in lock-step.

Every rank gets a fixed number of samples of every dataset per batch from
MultiSourceSampler, so each rank runs the same branches in the same order: the per-branch
collectives (an all-reduce inside every BN branch, as SyncBN does on GPUs) and DDP's
gradient all-reduce always match, and the replicas stay identical.
"""
import json
import os
import socket
import time
from datetime import timedelta

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn


class GlooSyncBatchNorm(nn.BatchNorm2d):
    """BatchNorm whose training statistics are all-reduced over ranks (SyncBN on CPU)."""

    calls = []

    def forward(self, x):
        if not self.training:
            return super().forward(x)
        n = torch.tensor([float(x.numel() // x.shape[1])])
        stats = torch.cat([x.sum((0, 2, 3)), (x * x).sum((0, 2, 3)), n])
        stats = _AllReduceSum.apply(stats)
        c = x.shape[1]
        count = stats[-1]
        mean = stats[:c] / count
        var = stats[c:2 * c] / count - mean * mean
        with torch.no_grad():
            self.num_batches_tracked += 1
            self.running_mean.mul_(1 - self.momentum).add_(
                self.momentum * mean)
            self.running_var.mul_(1 - self.momentum).add_(
                self.momentum * var * count / (count - 1))
        GlooSyncBatchNorm.calls.append(self.tag)
        x = (x - mean[None, :, None, None]) / torch.sqrt(
            var[None, :, None, None] + self.eps)
        return x * self.weight[None, :, None, None] + self.bias[None, :,
                                                                 None, None]


class _AllReduceSum(torch.autograd.Function):

    @staticmethod
    def forward(ctx, x):
        x = x.clone()
        dist.all_reduce(x)
        return x

    @staticmethod
    def backward(ctx, grad):
        grad = grad.clone()
        dist.all_reduce(grad)
        return grad


def _sync_branches(model):
    from projects.cdcl import DatasetSpecificBatchNorm
    for name, module in model.named_modules():
        if isinstance(module, DatasetSpecificBatchNorm):
            for i, bn in enumerate(module.bns):
                new = GlooSyncBatchNorm(bn.num_features)
                new.load_state_dict(bn.state_dict())
                new.tag = f'{name}.{i}'
                module.bns[i] = new


def _worker(rank, world_size, port, out_dir):
    dist.init_process_group(
        'gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank,
        world_size=world_size, timeout=timedelta(seconds=60))
    torch.set_num_threads(1)
    from mmengine.model import MMDistributedDataParallel
    from mmengine.optim import OptimWrapper
    from torch.utils.data import ConcatDataset

    from projects.cdcl import MultiSourceSampler
    from tests.cdcl.helpers import build, cdcl_cfg, make_batch
    num_classes = (4, 3, 5)
    model = build(cdcl_cfg(num_classes))
    _sync_branches(model)
    ddp = MMDistributedDataParallel(module=model)
    optim = OptimWrapper(torch.optim.SGD(ddp.parameters(), lr=0.05))
    sizes = (12, 14, 13)
    concat = ConcatDataset([list(range(n)) for n in sizes])
    bounds = [0] + concat.cumulative_sizes
    sampler = MultiSourceSampler(concat, batch_size=6,
                                 source_ratio=[1, 1, 1], seed=0)
    stream = iter(sampler)
    record = dict(groups=[], indices=[], calls=[])
    for _ in range(3):
        indices = [next(stream) for _ in range(6)]
        datasets = [next(s for s in range(3) if bounds[s] <= i < bounds[s + 1])
                    for i in indices]
        inputs, samples = make_batch(datasets, num_classes, size=32,
                                     seed=sum(indices) + 101 * rank)
        record['groups'].append(
            [int(k) for k in model.group_by_dataset(samples)])
        record['indices'].append(indices)
        GlooSyncBatchNorm.calls.clear()
        ddp.train_step(dict(inputs=list(inputs * 50 + 100),
                            data_samples=samples), optim)
        record['calls'].append(list(GlooSyncBatchNorm.calls))
    flat = torch.cat([p.detach().flatten() for p in model.parameters()])
    stats = torch.cat([b.flatten() for b in model.buffers()
                       if b.dtype.is_floating_point])
    gathered = [torch.zeros_like(flat) for _ in range(world_size)]
    dist.all_gather(gathered, flat)
    record['max_param_diff'] = max(
        float((g - flat).abs().max()) for g in gathered)
    gathered = [torch.zeros_like(stats) for _ in range(world_size)]
    dist.all_gather(gathered, stats)
    record['max_stat_diff'] = max(
        float((g - stats).abs().max()) for g in gathered)
    with open(os.path.join(out_dir, f'rank{rank}.json'), 'w') as f:
        json.dump(record, f)
    dist.destroy_process_group()


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_ranks_stay_in_lockstep(tmp_path):
    ctx = mp.spawn(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2,
                   join=False)
    deadline = time.time() + 240
    while not ctx.join(timeout=5):
        if time.time() > deadline:
            for p in ctx.processes:
                p.kill()
            raise AssertionError('ranks did not finish: deadlock')
    records = [json.load(open(tmp_path / f'rank{r}.json')) for r in (0, 1)]
    r0, r1 = records
    # Same branches, in the same order, on both ranks, in every iteration.
    assert r0['groups'] == r1['groups'] == [[0, 1, 2]] * 3
    assert r0['calls'] == r1['calls'] and len(r0['calls'][0]) > 0
    # 3 iterations x 2 ranks x 2 samples stay within one pass over every dataset,
    # so the ranks' samples are disjoint.
    seen0 = {i for batch in r0['indices'] for i in batch}
    seen1 = {i for batch in r1['indices'] for i in batch}
    assert len(seen0) == len(seen1) == 18 and not seen0 & seen1
    # DDP + synchronised BN keep the replicas identical.
    assert r0['max_param_diff'] < 1e-6 and r0['max_stat_diff'] < 1e-5
