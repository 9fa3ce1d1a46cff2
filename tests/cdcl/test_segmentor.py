"""CDCLEncoderDecoder: parity with mmseg at N = 1, routing, gradients, DAT loss, inference
(spec f.1, f.3, f.4, f.7, g)."""
import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.optim import OptimWrapper

from projects.cdcl import CDCLEncoderDecoder, DatasetSpecificBatchNorm
from tests.cdcl.helpers import build, cdcl_cfg, make_batch, stock_cfg


def _copy_into_stock(cdcl, stock, branch=0):
    """Stock-model state dict from a CDCL model: BN = branch ``branch``, classifier idx."""
    sd = {}
    for key, value in cdcl.state_dict().items():
        key = key.replace(f'.bns.{branch}.', '.')
        key = key.replace(f'conv_seg.{branch}.', 'conv_seg.')
        if '.bns.' in key or 'conv_seg.' in key and key.split(
                'conv_seg.')[1][0].isdigit():
            continue
        sd[key] = value
    stock.load_state_dict(sd, strict=True)


def test_single_dataset_cdcl_equals_stock_encoder_decoder():
    cdcl = build(cdcl_cfg((4, ))).double()
    stock = build(stock_cfg(4)).double()
    _copy_into_stock(cdcl, stock)
    inputs, samples = make_batch([0, 0, 0], num_classes=(4, ))
    inputs = inputs.double()
    cdcl.train(), stock.train()
    l_cdcl = cdcl.loss(inputs, samples)
    l_stock = stock.loss(inputs, samples)
    assert set(l_cdcl) == {f'd0.{k}' for k in l_stock}
    for key, value in l_stock.items():
        torch.testing.assert_close(l_cdcl[f'd0.{key}'], value)
    # One SGD step moves both models identically.
    for model, losses in ((cdcl, l_cdcl), (stock, l_stock)):
        wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
        total, _ = model.parse_losses(losses)
        wrapper.update_params(total)
    sd = cdcl.state_dict()
    for key, value in stock.state_dict().items():
        ckey = key
        if key not in sd:
            ckey = key.replace('conv_seg.', 'conv_seg.0.')
            if ckey not in sd:
                head, _, leaf = key.rpartition('.')
                ckey = f'{head}.bns.0.{leaf}'
        torch.testing.assert_close(sd[ckey], value)
    cdcl.eval(), stock.eval()
    torch.testing.assert_close(
        cdcl._forward(inputs, dataset_idx=0), stock._forward(inputs))


def test_loss_keys_total_and_grouping_invariance():
    model = build(cdcl_cfg((4, 3)))
    model.train()
    inputs, samples = make_batch([0, 1, 0, 1])
    losses = model.loss(inputs, samples)
    assert {'d0.decode.loss_ce', 'd0.aux.loss_ce', 'd1.decode.loss_ce',
            'd1.aux.loss_ce', 'd0.decode.acc_seg'} <= set(losses)
    total, _ = model.parse_losses(losses)
    expected = sum(v for k, v in losses.items() if 'loss' in k)
    torch.testing.assert_close(total, expected)
    # [A, B, A, B] and [A, A, B, B] give the same total (grouping is stable).
    order = [0, 2, 1, 3]
    grouped = model.loss(inputs[order], [samples[i] for i in order])
    torch.testing.assert_close(model.parse_losses(grouped)[0], total)
    # Per-dataset losses equal separate forwards of each sub-batch.
    alone = model.loss(inputs[[1, 3]], [samples[1], samples[3]])
    torch.testing.assert_close(alone['d1.decode.loss_ce'],
                               losses['d1.decode.loss_ce'])
    # ... and differ from one shared-BN forward over the mixed batch.
    model.set_dataset_idx(0)
    feats = model.extract_feat(inputs)
    mixed = model.decode_head.loss(feats, samples[0::2] + samples[1::2],
                                   model.train_cfg)
    assert not torch.allclose(mixed['loss_ce'],
                              losses['d0.decode.loss_ce'])


def test_loss_weights_scale_each_dataset():
    model = build(cdcl_cfg((4, 3)))
    weighted = build(dict(cdcl_cfg((4, 3)), loss_weights=[1.0, 0.5]))
    weighted.load_state_dict(model.state_dict())
    inputs, samples = make_batch([0, 1, 0, 1])
    a, b = model.loss(inputs, samples), weighted.loss(inputs, samples)
    torch.testing.assert_close(b['d1.decode.loss_ce'],
                               0.5 * a['d1.decode.loss_ce'])
    torch.testing.assert_close(b['d0.aux.loss_ce'], a['d0.aux.loss_ce'])
    torch.testing.assert_close(b['d1.decode.acc_seg'], a['d1.decode.acc_seg'])


def test_loss_of_one_dataset_gives_no_gradient_to_other_branches():
    model = build(cdcl_cfg((4, 3, 5)))
    model.train()
    inputs, samples = make_batch([1, 1], num_classes=(4, 3, 5))
    total, _ = model.parse_losses(model.loss(inputs, samples))
    total.backward()
    for name, module in model.named_modules():
        if isinstance(module, DatasetSpecificBatchNorm):
            for i, bn in enumerate(module.bns):
                grads = [p.grad for p in bn.parameters()]
                if i == 1:
                    assert all(g is not None and g.abs().sum() > 0
                               for g in grads), name
                else:
                    assert all(g is None or not g.any() for g in grads), name
    for head in (model.decode_head, model.auxiliary_head):
        for i, conv in enumerate(head.conv_seg):
            g = conv.weight.grad
            if i == 1:
                assert g is not None and g.abs().sum() > 0
            else:
                assert g is None or not g.any()
    shared = model.backbone.layer1[0].conv1.weight.grad
    assert shared is not None and shared.abs().sum() > 0


def test_training_routes_running_stats_by_dataset():
    model = build(cdcl_cfg((4, 3)))
    model.train()
    inputs, samples = make_batch([0, 0, 0])
    model.loss(inputs, samples)
    bn = model.backbone.layer1[0].bn1
    assert bn.bns[0].num_batches_tracked == 1
    assert bn.bns[1].num_batches_tracked == 0


def test_dataset_name_tag_is_resolved_through_dataset_names():
    model = build(cdcl_cfg((4, 3)))
    inputs, samples = make_batch([1, 0, 1, 0], tag='name')
    groups = model.group_by_dataset(samples)
    assert dict(groups) == {0: [1, 3], 1: [0, 2]}
    samples[0].set_metainfo(dict(dataset_name='kitti'))
    with pytest.raises(KeyError, match="'kitti'"):
        model.group_by_dataset(samples)


def test_missing_dataset_index_gives_a_clear_error():
    model = build(cdcl_cfg((4, 3)))
    inputs, samples = make_batch([0, 1], tag=None)
    with pytest.raises(KeyError, match='SetDatasetIndex'):
        model.loss(inputs, samples)
    model.eval()
    with pytest.raises(KeyError, match='test_cfg.dataset_idx'):
        model.predict(inputs, samples)
    # A partly tagged batch raises even when test_cfg.dataset_idx is set.
    model.test_cfg = ConfigDict(mode='whole', dataset_idx=0)
    _, partly = make_batch([0, 0], tag=None)
    partly[0].set_metainfo(dict(dataset_idx=0))
    with pytest.raises(KeyError, match='sample 1 has no dataset index'):
        model.predict(inputs, partly)
    _, bad = make_batch([0, 1])
    bad[1].set_metainfo(dict(dataset_idx=5))
    with pytest.raises(IndexError, match='dataset_idx=5'):
        model.loss(inputs, bad)


def test_predict_uses_the_class_count_of_the_batch_dataset():
    model = build(cdcl_cfg((4, 3)))
    model.eval()
    for d, c in ((0, 4), (1, 3)):
        inputs, samples = make_batch([d, d])
        with torch.no_grad():
            out = model.predict(inputs, samples)
        assert out[0].seg_logits.data.shape[0] == c
        assert int(out[0].pred_sem_seg.data.max()) < c
    inputs, samples = make_batch([0, 1])
    with pytest.raises(ValueError, match='mixes datasets'):
        model.predict(inputs, samples)
    # Slide inference allocates the active dataset's channels too.
    model.test_cfg = ConfigDict(
        mode='slide', crop_size=(24, 24), stride=(16, 16))
    inputs, samples = make_batch([1])
    with torch.no_grad():
        out = model.predict(inputs, samples)
    assert out[0].seg_logits.data.shape[0] == 3
    # Without tags, test_cfg.dataset_idx chooses the label space.
    model.test_cfg = ConfigDict(mode='whole', dataset_idx=1)
    inputs, samples = make_batch([0], tag=None)
    with torch.no_grad():
        assert model.predict(inputs,
                             samples)[0].seg_logits.data.shape[0] == 3
        assert model._forward(inputs).shape[1] == 3


def test_eval_output_of_branch_equals_single_model_with_that_branch():
    """Fold check: no extra inference cost, branch i is a plain PSPNet."""
    model = build(cdcl_cfg((4, 4)))
    model.train()
    for seed in range(3):
        inputs, samples = make_batch([0, 0, 1, 1], num_classes=(4, 4),
                                     seed=seed)
        model.loss(inputs * (1 + seed), samples)
    model.eval()
    stock = build(stock_cfg(4)).eval()
    _copy_into_stock(model, stock, branch=1)
    inputs, _ = make_batch([1], num_classes=(4, 4))
    with torch.no_grad():
        torch.testing.assert_close(
            model._forward(inputs, dataset_idx=1), stock._forward(inputs))
        assert not torch.allclose(
            model._forward(inputs, dataset_idx=0), stock._forward(inputs))


def test_branch_count_mismatch_is_rejected_at_build_time():
    cfg = cdcl_cfg((4, 3))
    cfg['backbone']['norm_cfg'] = dict(type='DSBN', num_datasets=3)
    with pytest.raises(ValueError, match='3 dataset branches'):
        build(cfg)
    cfg = cdcl_cfg((4, 3))
    cfg['decode_head']['num_classes'] = 4
    with pytest.raises(TypeError, match='one class count per'):
        build(cfg)
    with pytest.raises(ValueError, match='dataset_names'):
        build(dict(cdcl_cfg((4, 3)), dataset_names=['a']))


def test_model_class_is_registered():
    assert isinstance(build(cdcl_cfg((4, 3))), CDCLEncoderDecoder)


def test_two_dataset_loss_equals_single_models_sharing_convs():
    """Spec (g): the CDCL loss of dataset i equals the loss of a plain PSPNet that shares
    the convolutions and owns branch i's BN and classifier."""
    model = build(cdcl_cfg((4, 3))).double()
    model.train()
    inputs, samples = make_batch([0, 1, 1, 0])
    inputs = inputs.double()
    losses = model.loss(inputs, samples)
    for branch, classes, rows in ((0, 4, [0, 3]), (1, 3, [1, 2])):
        stock = build(stock_cfg(classes)).double().train()
        _copy_into_stock(model, stock, branch=branch)
        ref = stock.loss(inputs[rows], [samples[r] for r in rows])
        for key, value in ref.items():
            torch.testing.assert_close(losses[f'd{branch}.{key}'], value)
