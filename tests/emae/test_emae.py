"""Invariants of EMAE's parallel masks and losses (spec section 6, items 1-9)."""
from unittest import mock

import pytest
import torch

import projects  # noqa: F401
from mmpretrain.registry import MODELS

from projects.emae import EMAEPretrainHead, num_visible_patches, parallel_masks

IMG, PATCH, DIM = 32, 4, 32
N = (IMG // PATCH)**2  # 64 patches


def _cfg(algo='EMAE', num_parts=4, weight=1.0, **head_kw):
    vit = 'EMAEViT' if algo == 'EMAE' else 'MAEViT'
    backbone = dict(
        type=vit,
        arch=dict(
            embed_dims=DIM, num_layers=2, num_heads=2,
            feedforward_channels=64),
        img_size=IMG,
        patch_size=PATCH,
        mask_ratio=0.75)
    head = dict(
        type='EMAEPretrainHead' if algo == 'EMAE' else 'MAEPretrainHead',
        norm_pix=True,
        patch_size=PATCH,
        loss=dict(type='PixelReconstructionLoss', criterion='L2'))
    if algo == 'EMAE':
        backbone['num_parts'] = num_parts
        head.update(consistency_weight=weight, **head_kw)
    return dict(
        type=algo,
        backbone=backbone,
        neck=dict(
            type='MAEPretrainDecoder',
            num_patches=N,
            patch_size=PATCH,
            embed_dim=DIM,
            decoder_embed_dim=16,
            decoder_depth=1,
            decoder_num_heads=2),
        head=head)


def _build(*args, **kwargs):
    torch.manual_seed(0)
    model = MODELS.build(_cfg(*args, **kwargs))
    model.init_weights()
    return model.eval()


def _noise(batch, seed=1):
    return torch.rand(batch, N, generator=torch.Generator().manual_seed(seed))


def _noise_for(ids_shuffle):
    """Noise whose argsort is ``ids_shuffle`` (rank of each patch)."""
    return torch.argsort(ids_shuffle, dim=1).float() / ids_shuffle.shape[1]


def test_partition_and_overlap():
    """Invariants 1 and 2: disjoint visible sets covering all patches."""
    b, k = 3, 4
    nv = num_visible_patches(N, k, 0.75)
    assert nv == 16
    masks = parallel_masks(_noise(b), k, nv)
    keep = masks.ids_keep.view(k, b, nv)
    mask = masks.mask.view(k, b, N)
    for i in range(b):
        sets = [set(keep[p, i].tolist()) for p in range(k)]
        assert all(len(s) == nv for s in sets)
        assert set().union(*sets) == set(range(N))
        assert sum(len(s) for s in sets) == N
    assert torch.equal((1 - mask).sum(0), torch.ones(b, N))
    assert torch.equal(mask.sum(0), torch.full((b, N), k - 1.))
    assert torch.equal(mask.sum(-1), torch.full((k, b), float(N - nv)))
    for p in range(k):
        for q in range(k):
            if p != q:
                overlap = (mask[p] * mask[q]).sum(-1)
                assert torch.equal(overlap, torch.full((b, ), N - 2. * nv))


def test_partial_coverage_keeps_disjoint():
    masks = parallel_masks(_noise(2), 2, 16)
    mask = masks.mask.view(2, 2, N)
    assert torch.equal(((1 - mask).sum(0)).max(), torch.tensor(1.))
    assert torch.equal((1 - mask).sum((0, 2)), torch.full((2, ), 32.))


def test_restore_correctness():
    """Invariant 3: unshuffling visible flags / decoder gather put patch i at i."""
    model = _build()
    b, k = 2, 4
    tokens = torch.arange(N, dtype=torch.float).view(1, N, 1).repeat(b, 1, 1)
    visible, masks = model.backbone.parallel_masking(tokens, _noise(b))
    assert visible.shape == (k * b, N // k, 1)
    nv = visible.shape[1]
    flags = torch.cat([torch.ones(k * b, nv), torch.zeros(k * b, N - nv)], 1)
    assert torch.equal(
        torch.gather(flags, 1, masks.ids_restore), 1 - masks.mask)
    seq = torch.cat([visible, torch.full((k * b, N - nv, 1), -1.)], dim=1)
    dec_in = torch.gather(seq, 1, masks.ids_restore.unsqueeze(-1))[..., 0]
    expect = torch.where(masks.mask.bool(), torch.tensor(-1.),
                         torch.arange(N, dtype=torch.float).expand(k * b, N))
    assert torch.equal(dec_in, expect)


@pytest.mark.parametrize('seeded', [True, False])
def test_mae_equivalence(seeded):
    """Invariant 4: num_parts=1 gives bit-identical outputs to mmpretrain's MAE."""
    emae, mae = _build(num_parts=1), _build('MAE')
    emae.train(), mae.train()
    mae.load_state_dict(emae.state_dict())
    x = torch.randn(3, 3, IMG, IMG)
    noise = _noise(3)
    if seeded:
        torch.manual_seed(5)
        out_e = emae.backbone(x)
        torch.manual_seed(5)
        out_m = mae.backbone(x)
    else:
        out_e = emae.backbone(x, noise=noise)
        with mock.patch('torch.rand', return_value=noise):
            out_m = mae.backbone(x)
    for a, b in zip(out_e, out_m):
        assert torch.equal(a, b)
    torch.manual_seed(7)
    loss_e = emae.loss(x, None)
    torch.manual_seed(7)
    loss_m = mae.loss(x, None)
    assert set(loss_e) == {'loss_rec'}
    assert torch.equal(loss_e['loss_rec'], loss_m['loss'])


def test_zero_weight_is_mean_of_mae_losses():
    """Invariant 5: lambda_sc=0 loss = mean over parts of MAE's loss on mask_k."""
    emae, mae = _build(weight=0.), _build('MAE')
    mae.load_state_dict(emae.state_dict())
    x = torch.randn(2, 3, IMG, IMG)
    noise = _noise(2)
    with mock.patch('torch.rand', return_value=noise):
        losses = emae.loss(x, None)
    total = sum(v for key, v in losses.items() if 'loss' in key)
    assert losses['loss_sc'] == 0 and losses['consistency'] > 0
    masks = parallel_masks(noise, 4, 16)
    ids_shuffle = torch.argsort(masks.ids_restore, dim=1)
    per_part = []
    for k in range(4):
        with mock.patch(
                'torch.rand',
                return_value=_noise_for(ids_shuffle[k * 2:(k + 1) * 2])):
            per_part.append(mae.loss(x, None)['loss'])
    torch.testing.assert_close(total, torch.stack(per_part).mean(),
                               rtol=1e-6, atol=1e-7)


def test_batch_independence():
    """Invariant 6: a part's encoding does not depend on the rest of the batch."""
    model = _build()
    x = torch.randn(3, 3, IMG, IMG)
    noise = _noise(3)
    latent, mask, _ = model.backbone(x, noise=noise)
    for b in range(3):
        lat_b, mask_b, _ = model.backbone(x[b:b + 1], noise=noise[b:b + 1])
        for k in range(4):
            torch.testing.assert_close(
                latent[k * 3 + b], lat_b[k], atol=1e-5, rtol=0)
            assert torch.equal(mask[k * 3 + b], mask_b[k])


def test_zero_prediction():
    """Invariant 7: zero predictions give L_sc = 0 and L_rec = masked mean of y^2."""
    model = _build()
    torch.nn.init.zeros_(model.neck.decoder_pred.weight)
    torch.nn.init.zeros_(model.neck.decoder_pred.bias)
    x = torch.randn(2, 3, IMG, IMG)
    noise = _noise(2)
    with mock.patch('torch.rand', return_value=noise):
        losses = model.loss(x, None)
    assert losses['loss_sc'].item() == 0.0
    y = model.head.construct_target(x)
    mask = parallel_masks(noise, 4, 16).mask.view(4, 2, N)
    expect = sum(((y**2).mean(-1) * m).sum() / m.sum() for m in mask) / 4
    torch.testing.assert_close(losses['loss_rec'], expect)


@pytest.mark.parametrize('stop_grad', [True, False])
def test_stop_gradient(stop_grad):
    """Invariant 8: with sg, d L_sc(k,l) / d P_l = 0."""
    head = EMAEPretrainHead(
        loss=dict(type='PixelReconstructionLoss', criterion='L2'),
        patch_size=PATCH,
        consistency_stop_grad=stop_grad)
    pred = torch.randn(4, 2, N, 48, requires_grad=True)
    mask = parallel_masks(_noise(2), 4, 16).mask.view(4, 2, N)
    with mock.patch.object(head, 'pairs', return_value=[(0, 1)]):
        head.consistency_loss(pred, mask).backward()
    assert pred.grad[0].abs().sum() > 0
    assert (pred.grad[1].abs().sum() == 0) == stop_grad
    assert pred.grad[2:].abs().sum() == 0


@pytest.mark.parametrize('criterion', ['L2', 'L1', 'SmoothL1'])
def test_consistency_formula(criterion):
    """L_sc by hand: mean over ordered pairs of the overlap-masked mean error."""
    head = EMAEPretrainHead(
        loss=dict(type='PixelReconstructionLoss', criterion='L2'),
        patch_size=1,
        consistency_criterion=criterion)
    pred = torch.tensor([[[[0.], [1.], [2.]]], [[[1.], [1.], [4.]]]])
    mask = torch.tensor([[[1., 1., 0.]], [[1., 1., 1.]]])
    err = {'L2': 1.0, 'L1': 1.0, 'SmoothL1': 0.5}[criterion]
    # overlap = patches 0 and 1; errors (1, 0) in both directions
    expect = torch.tensor(err / 2)
    torch.testing.assert_close(head.consistency_loss(pred, mask), expect)


def test_part_order_symmetry():
    """Invariant 9: permuting the chunks (part order) leaves both losses unchanged."""
    model = _build()
    x = torch.randn(2, 3, IMG, IMG)
    noise = _noise(2)
    perm = torch.argsort(noise, dim=1)
    chunks = perm.view(2, 4, 16)[:, [2, 0, 3, 1]].reshape(2, N)
    with mock.patch('torch.rand', return_value=noise):
        a = model.loss(x, None)
    with mock.patch('torch.rand', return_value=_noise_for(chunks)):
        b = model.loss(x, None)
    for key in ('loss_rec', 'loss_sc'):
        torch.testing.assert_close(a[key], b[key], rtol=1e-5, atol=1e-7)


def test_losses_are_separate_and_train():
    model = _build().train()
    x = torch.randn(2, 3, IMG, IMG)
    losses = model.loss(x, None)
    assert set(losses) == {'loss_rec', 'loss_sc', 'consistency'}
    assert not losses['consistency'].requires_grad
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert model.backbone.layers[0].attn.qkv.weight.grad.abs().sum() > 0
    assert model.neck.decoder_pred.weight.grad.abs().sum() > 0


@pytest.mark.parametrize('pairs,expected', [
    ('all', 12), ('adjacent', 4), ('random_one_pair', 2)])
def test_pair_schemes(pairs, expected):
    head = EMAEPretrainHead(
        loss=dict(type='PixelReconstructionLoss', criterion='L2'),
        consistency_pairs=pairs)
    chosen = head.pairs(4)
    assert len(chosen) == expected
    assert all(k != l for k, l in chosen)
    assert head.pairs(1) == []


@pytest.mark.parametrize('parts,ratio,msg', [
    (5, 0.75, 'choose num_parts <= 4'),
    (3, 0.6, 'choose num_parts <= 2'),
    (0, 0.75, 'positive int'),
    (4, 1.0, 'must be in'),
])
def test_incompatible_settings_raise(parts, ratio, msg):
    with pytest.raises(ValueError, match=msg):
        num_visible_patches(N, parts, ratio)
    cfg = _cfg(num_parts=parts)
    cfg['backbone']['mask_ratio'] = ratio
    with pytest.raises(ValueError, match=msg):
        MODELS.build(cfg)


@pytest.mark.parametrize('num_patches,parts', [(196, 3), (64, 3), (196, 2)])
def test_partial_coverage_masks_are_well_defined(num_patches, parts):
    """K need not divide N: K * n_v <= N keeps the visible sets disjoint."""
    n_v = num_visible_patches(num_patches, parts, 0.75)
    assert n_v == int(num_patches * 0.25)
    masks = parallel_masks(torch.rand(2, num_patches), parts, n_v)
    mask = masks.mask.view(parts, 2, num_patches)
    visible = (1 - mask).sum(0)
    # every patch is visible in at most one part, each part shows n_v patches
    assert int(visible.max()) == 1
    assert ((1 - mask).sum(-1) == n_v).all()
    assert (visible.sum(-1) == parts * n_v).all()
    for k in range(parts):
        for b in range(2):
            keep = masks.ids_keep[k * 2 + b]
            assert (mask[k, b, keep] == 0).all()


def test_partial_coverage_builds_and_runs():
    model = _build(num_parts=3)
    assert model.backbone.num_visible == N // 4
    losses = model.loss(torch.randn(2, 3, IMG, IMG), None)
    assert all(torch.isfinite(v) for v in losses.values())
    assert float(losses['loss_sc']) > 0


def test_disjoint_masked_sets_warn():
    cfg = _cfg(num_parts=2)
    cfg['backbone']['mask_ratio'] = 0.5
    with pytest.warns(UserWarning, match='no overlap'):
        MODELS.build(cfg)


def test_mismatched_modules_raise():
    cfg = _cfg()
    cfg['neck']['num_patches'] = 196
    with pytest.raises(ValueError, match='neck.num_patches=196'):
        MODELS.build(cfg)
    cfg = _cfg()
    cfg['head']['patch_size'] = 16
    with pytest.raises(ValueError, match='head.patch_size=16'):
        MODELS.build(cfg)
    with pytest.raises(ValueError, match='consistency_pairs'):
        EMAEPretrainHead(loss=dict(type='PixelReconstructionLoss'),
                         consistency_pairs='every')


def test_reconstruct_shapes_and_visible_patches():
    model = _build()
    x = torch.randn(2, 3, IMG, IMG)
    out = model.reconstruct(x, noise=_noise(2))
    assert out['recon'].shape == (4, 2, 3, IMG, IMG)
    assert out['merged'].shape == (2, 3, IMG, IMG)
    # visible patches of each part are copied from the input
    vis = (1 - out['mask'][0, 0]).view(IMG // PATCH, IMG // PATCH)
    vis = vis.repeat_interleave(PATCH, 0).repeat_interleave(PATCH, 1)
    torch.testing.assert_close(out['recon'][0, 0] * vis, x[0] * vis)
