"""Dataset-specific BatchNorm: BN equivalence, routing, checkpoint broadcast (spec f.1, f.2, f.5)."""
import pytest
import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import load_state_dict
from mmseg.registry import MODELS

from projects.cdcl import DatasetSpecificBatchNorm, set_dataset_idx
from tests.cdcl.helpers import backbone_cfg


def _randomise(bn):
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.5, 0.5)
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
        bn.num_batches_tracked.fill_(7)


def test_dsbn_with_one_dataset_equals_batchnorm2d():
    torch.manual_seed(0)
    bn = nn.BatchNorm2d(5).double()
    _randomise(bn)
    dsbn = DatasetSpecificBatchNorm(5, num_datasets=1).double()
    dsbn.load_state_dict(bn.state_dict())
    x = torch.randn(4, 5, 6, 6, dtype=torch.float64)
    for _ in range(3):
        torch.testing.assert_close(dsbn(x), bn(x), rtol=0, atol=0)
    for key, value in bn.state_dict().items():
        torch.testing.assert_close(dsbn.state_dict()[f'bns.0.{key}'], value)
    bn.eval(), dsbn.eval()
    torch.testing.assert_close(dsbn(x), bn(x), rtol=0, atol=0)


def test_train_forward_updates_only_the_active_branch():
    dsbn = DatasetSpecificBatchNorm(3, num_datasets=3)
    before = {k: v.clone() for k, v in dsbn.state_dict().items()}
    set_dataset_idx(dsbn, 1)
    dsbn(torch.randn(4, 3, 5, 5) * 3 + 2)
    after = dsbn.state_dict()
    for i in (0, 2):
        for key in ('running_mean', 'running_var', 'num_batches_tracked'):
            assert torch.equal(after[f'bns.{i}.{key}'],
                               before[f'bns.{i}.{key}'])
    assert after['bns.1.num_batches_tracked'] == 1
    assert not torch.allclose(after['bns.1.running_mean'],
                              before['bns.1.running_mean'])


def test_branches_normalise_with_their_own_running_stats():
    dsbn = DatasetSpecificBatchNorm(2, num_datasets=2).eval()
    with torch.no_grad():
        dsbn.bns[1].running_mean.fill_(10.)
    x = torch.full((1, 2, 2, 2), 10.)
    set_dataset_idx(dsbn, 0)
    out0 = dsbn(x)
    set_dataset_idx(dsbn, 1)
    out1 = dsbn(x)
    assert torch.allclose(out1, torch.zeros_like(out1), atol=1e-4)
    assert out0.min() > 9


def test_out_of_range_index_and_bad_args_raise():
    dsbn = DatasetSpecificBatchNorm(2, num_datasets=2)
    with pytest.raises(IndexError, match='dataset_idx=2'):
        dsbn.set_dataset_idx(2)
    with pytest.raises(ValueError, match='num_datasets'):
        DatasetSpecificBatchNorm(2, num_datasets=0)
    with pytest.raises(ValueError, match="bn_type='GN'"):
        DatasetSpecificBatchNorm(2, num_datasets=2, bn_type='GN')


def test_norm_cfg_builds_dsbn_with_bn_abbreviation_and_syncbn_variant():
    init_default_scope('mmseg')
    name, layer = build_norm_layer(
        dict(type='DSBN', num_datasets=2, requires_grad=True), 8, postfix=1)
    assert name == 'bn1' and isinstance(layer, DatasetSpecificBatchNorm)
    assert all(isinstance(b, nn.BatchNorm2d) for b in layer.bns)
    _, sync = build_norm_layer(dict(type='DSSyncBN', num_datasets=3), 8)
    assert len(sync.bns) == 3
    assert all(isinstance(b, nn.SyncBatchNorm) for b in sync.bns)
    reverted = revert_sync_batchnorm(sync)
    assert not any(isinstance(b, nn.SyncBatchNorm) for b in reverted.bns)
    _, frozen = build_norm_layer(
        dict(type='DSBN', num_datasets=2, requires_grad=False), 8)
    assert not any(p.requires_grad for p in frozen.parameters())


def test_plain_bn_checkpoint_loads_into_every_branch():
    """An ImageNet ResNet state dict (plain BN keys) fills all DSBN branches."""
    init_default_scope('mmseg')
    torch.manual_seed(0)
    plain = MODELS.build(backbone_cfg(dict(type='BN')))
    for m in plain.modules():
        if isinstance(m, nn.BatchNorm2d):
            _randomise(m)
    dsbn_net = MODELS.build(
        backbone_cfg(dict(type='DSBN', num_datasets=3)))
    # Same parameter paths as plain BN apart from the branch level.
    assert 'layer1.0.bn1.bns.2.weight' in dsbn_net.state_dict()
    missing = []
    load_state_dict(dsbn_net, plain.state_dict(), strict=True)
    sd = dsbn_net.state_dict()
    for key, value in plain.state_dict().items():
        head, _, leaf = key.rpartition('.')
        mod = dsbn_net.get_submodule(head) if head else dsbn_net
        if isinstance(mod, DatasetSpecificBatchNorm):
            for i in range(3):
                assert torch.equal(sd[f'{head}.bns.{i}.{leaf}'], value), key
        elif key in sd:
            assert torch.equal(sd[key], value), key
        else:
            missing.append(key)
    assert not missing
    # Both nets compute the same function in eval mode with any branch selected.
    plain.eval(), dsbn_net.eval()
    x = torch.randn(1, 3, 32, 32)
    set_dataset_idx(dsbn_net, 2)
    for a, b in zip(plain(x), dsbn_net(x)):
        torch.testing.assert_close(a, b)


def test_cdcl_checkpoint_round_trips_per_branch_stats():
    a = DatasetSpecificBatchNorm(4, num_datasets=2)
    for bn in a.bns:
        _randomise(bn)
    b = DatasetSpecificBatchNorm(4, num_datasets=2)
    b.load_state_dict(a.state_dict())
    for key, value in a.state_dict().items():
        assert torch.equal(b.state_dict()[key], value)
    assert not torch.equal(b.bns[0].running_mean, b.bns[1].running_mean)
