"""SAIM invariants (spec section 6) on tiny fp32 models."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.models import VisionTransformer

import projects.saim  # noqa: F401
from projects.saim import (SAIMViT, gaussian_kernel, generation_rank,
                           sincos_pos_embed, two_stream_masks)
from projects.saim.two_stream import content_stream_layer, query_stream_layer
from tests.saim.helpers import noise_for, tiny_saim


def test_mask_structure_per_row():
    """Invariant 1: allowed patch columns per row = rank + 1 (A_h) and rank (A_g)."""
    noise = torch.rand(3, 7, generator=torch.Generator().manual_seed(1))
    content, query = two_stream_masks(noise)
    assert content.shape == query.shape == (3, 1, 8, 8)
    rank = generation_rank(noise)
    assert torch.equal(rank.sort(1).values, torch.arange(7).expand(3, -1))
    for mask, extra in ((content, 1), (query, 0)):
        allowed = mask[:, 0] == 0
        assert set(mask.unique().tolist()) == {0., -math.inf}
        assert torch.equal(allowed[:, 1:, 1:].sum(-1), rank + extra)
        assert allowed[:, :, 0].all()  # every row sees cls
        assert not allowed[:, 0, 1:].any()  # cls sees only itself
    patch_c, patch_q = content[:, 0, 1:, 1:], query[:, 0, 1:, 1:]
    eye = torch.eye(7, dtype=torch.bool)
    assert (patch_c.diagonal(dim1=1, dim2=2) == 0).all()
    assert (patch_q.diagonal(dim1=1, dim2=2) == -math.inf).all()
    assert torch.equal(patch_q[:, ~eye], patch_c[:, ~eye])
    # row i sees column j in A_h exactly when u_j <= u_i
    assert torch.equal(patch_c == 0,
                       noise.unsqueeze(1) <= noise.unsqueeze(-1))


def test_raster_order_is_the_igpt_baseline():
    model = tiny_saim(order='raster')
    noise = model.backbone.order_noise(2)
    assert torch.equal(generation_rank(noise), torch.arange(16).expand(2, -1))
    content, query = two_stream_masks(noise)
    tril = torch.tril(torch.ones(16, 16, dtype=torch.bool))
    assert torch.equal(content[0, 0, 1:, 1:] == 0, tril)
    assert torch.equal(query[0, 0, 1:, 1:] == 0, tril.tril(-1))
    # the top-left patch is always first: its prediction ignores the image
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        pred, used = model.predict_patches(x)
    assert torch.equal(used, noise)
    torch.testing.assert_close(pred[0, 0], pred[1, 0], rtol=0, atol=1e-6)
    assert not torch.allclose(pred[0, 1], pred[1, 1], atol=1e-4)


def test_random_order_is_fresh_per_image_and_step():
    backbone = tiny_saim().backbone
    torch.manual_seed(0)
    a, b = backbone.order_noise(2), backbone.order_noise(2)
    assert not torch.equal(generation_rank(a[:1]), generation_rank(a[1:]))
    assert not torch.equal(generation_rank(a), generation_rank(b))


def _patch_pixels(x, index, patch=4, grid=4):
    r, c = divmod(index, grid)
    return (..., slice(r * patch, (r + 1) * patch),
            slice(c * patch, (c + 1) * patch))


def test_causality_by_perturbation():
    """Invariant 2: pixels of patch j change the prediction of patch i iff u_j < u_i."""
    model = tiny_saim(depth=2, query_depth=1)
    x = torch.randn(1, 3, 16, 16)
    noise = noise_for(model, 1, seed=3)
    with torch.no_grad():
        base, _ = model.predict_patches(x, noise)
        rank = generation_rank(noise)[0]
        for j in (int(rank.argmin()), int(rank.argmax()), 5, 10):
            y = x.clone()
            y[_patch_pixels(y, j)] += torch.randn(3, 4, 4)
            pred, _ = model.predict_patches(y, noise)
            changed = (pred - base).abs().amax(-1)[0] > 1e-6
            later = rank > rank[j]
            assert torch.equal(changed, later), (j, changed, later)


def test_first_patch_sees_only_cls_and_positions():
    """Invariant 3: same weights and noise, two images -> same first prediction."""
    model = tiny_saim()
    noise = noise_for(model, 1).expand(2, -1)
    with torch.no_grad():
        pred, _ = model.predict_patches(torch.randn(2, 3, 16, 16), noise)
    first = int(noise[0].argmin())
    torch.testing.assert_close(pred[0, first], pred[1, first], rtol=0,
                               atol=1e-6)
    second = int(noise[0].argsort()[1])
    assert not torch.allclose(pred[0, second], pred[1, second], atol=1e-4)


def _interleaved(model, x, noise):
    """The official loop: query block m runs right after encoder block (m+1)s-1."""
    backbone, neck = model.backbone, model.neck
    content, query = two_stream_masks(noise)
    tokens = backbone.patch_embed(x)[0] + backbone.pos_embed[:, 1:]
    cls = backbone.cls_token + backbone.pos_embed[:, :1]
    h = torch.cat((cls.expand(x.shape[0], -1, -1), tokens), 1)
    g = backbone.pos_embed.expand(x.shape[0], -1, -1)
    step = backbone.num_layers // neck.num_layers
    for i, layer in enumerate(backbone.layers):
        h = content_stream_layer(layer, h, content)
        if (i + 1) % step == 0:
            g = query_stream_layer(neck.layers[i // step], g, h, query)
    return model.head(backbone.ln1(g))


@pytest.mark.parametrize('depth,query_depth', [(2, 2), (4, 2), (3, 1)])
def test_streams_are_separable_and_interleaved_by_step(depth, query_depth):
    """Invariant 4 and the interleaving step s = depth // query_depth."""
    model = tiny_saim(depth=depth, query_depth=query_depth)
    x = torch.randn(2, 3, 16, 16)
    noise = noise_for(model, 2)
    with torch.no_grad():
        pred, _ = model.predict_patches(x, noise)
        ref = _interleaved(model, x, noise)
        torch.testing.assert_close(pred, ref, rtol=0, atol=1e-6)
        if depth != query_depth:  # reading block m instead of (m+1)s-1 is detected
            states, qmask, _ = model.backbone(x, noise=noise)
            step = depth // query_depth
            shifted = list(states)
            for m in range(query_depth):
                shifted[(m + 1) * step - 1] = states[m]
            wrong = model.neck(model.backbone.pos_embed, shifted, qmask)
            assert not torch.allclose(
                model.head(model.backbone.ln1(wrong)), pred, atol=1e-4)


def test_query_stream_reads_updated_content_and_never_itself():
    """The decoder sees only strict predecessors: its own content never leaks in."""
    model = tiny_saim(depth=1, query_depth=1)
    noise = noise_for(model, 1)
    x = torch.randn(1, 3, 16, 16)
    states, qmask, _ = model.backbone(x, noise=noise)
    h = states[0].detach().requires_grad_(True)
    g = model.neck(model.backbone.pos_embed, [h], qmask)
    rank = generation_rank(noise)[0]
    last = int(rank.argmax())
    g[0, 1 + last].sum().backward()
    touched = h.grad[0].abs().sum(-1) > 0
    expected = torch.zeros(17, dtype=torch.bool)
    expected[0] = True
    expected[1:] = rank < rank[last]
    assert torch.equal(touched, expected)


def test_blur_kernel_and_zero_padding():
    """Invariant 5: sums to 1, constant interior stays constant, border sees zeros."""
    kernel = gaussian_kernel(9, 1.)
    assert kernel.shape == (9, 9)
    assert kernel.sum().item() == pytest.approx(1., abs=1e-6)
    pos = torch.arange(9.) - 4
    official = torch.exp(-(pos[:, None]**2 + pos[None]**2) / 2) / (2 * math.pi)
    torch.testing.assert_close(kernel, official / official.sum())
    head = tiny_saim().head
    assert head.blur.weight.shape == (3, 1, 9, 9)
    assert 'blur.weight' not in head.state_dict()
    const = torch.full((1, 3, 16, 16), 2.)
    out = head.blur(const)
    torch.testing.assert_close(out[..., 4:-4, 4:-4],
                               torch.full_like(out[..., 4:-4, 4:-4], 2.))
    corner = 2. * kernel[4:, 4:].sum()
    assert out[0, 0, 0, 0].item() == pytest.approx(corner.item(), rel=1e-5)
    reflected = F.conv2d(F.pad(const, (4, 4, 4, 4), mode='reflect'),
                         head.blur.weight, groups=3)
    assert not torch.allclose(out, reflected)
    # channels are blurred independently
    img = torch.zeros(1, 3, 16, 16)
    img[0, 1, 8, 8] = 1.
    out = head.blur(img)
    assert out[0, 0].abs().max() == 0 and out[0, 2].abs().max() == 0
    torch.testing.assert_close(out[0, 1, 4:13, 4:13], kernel)


def test_patchify_order_is_channel_last():
    head = tiny_saim().head
    img = torch.arange(2 * 3 * 16 * 16, dtype=torch.float32).view(2, 3, 16, 16)
    patches = head.patchify(img)
    assert patches.shape == (2, 16, 48)
    for b, n, y, x, c in ((0, 0, 0, 0, 0), (1, 5, 2, 3, 1), (0, 15, 3, 3, 2),
                          (1, 7, 1, 0, 2)):
        r, col = divmod(n, 4)
        assert patches[b, n, (y * 4 + x) * 3 + c] == img[b, c, r * 4 + y,
                                                         col * 4 + x]


def _by_hand_target(head, img, blur=True):
    if blur:
        img = F.conv2d(img, head.blur.weight, padding=4, groups=3)
    b = img.shape[0]
    out = torch.empty(b, 16, 48)
    for n in range(16):
        r, c = divmod(n, 4)
        patch = img[:, :, r * 4:(r + 1) * 4, c * 4:(c + 1) * 4]
        out[:, n] = patch.permute(0, 2, 3, 1).reshape(b, 48)
    mean = out.mean(-1, keepdim=True)
    var = ((out - mean)**2).sum(-1, keepdim=True) / (48 - 1)  # unbiased
    return (out - mean) / (var + 1e-6).sqrt()


@pytest.mark.parametrize('blur', [True, False])
def test_loss_by_hand(blur):
    """Invariant 6: mean over all patches and values of (pred - target)^2."""
    model = tiny_saim(blur=9 if blur else None)
    assert (model.head.blur is None) == (not blur)
    img = torch.randn(2, 3, 16, 16)
    pred = torch.randn(2, 16, 48)
    target = _by_hand_target(tiny_saim().head, img, blur)
    expected = ((pred - target)**2).mean()
    assert model.head.loss(pred, img).item() == pytest.approx(
        expected.item(), rel=1e-6)
    l1 = tiny_saim(criterion='L1', blur=9 if blur else None).head
    assert l1.loss(pred, img).item() == pytest.approx(
        (pred - target).abs().mean().item(), rel=1e-6)


def test_blur_changes_the_target():
    with_blur, without = tiny_saim().head, tiny_saim(blur=None).head
    img = torch.randn(1, 3, 16, 16)
    assert not torch.allclose(with_blur.construct_target(img),
                              without.construct_target(img))


def test_pos_embed_layout_frozen_and_zero_cls():
    backbone = tiny_saim(img=32).backbone
    pos = backbone.pos_embed
    assert not pos.requires_grad
    torch.testing.assert_close(pos, sincos_pos_embed((8, 8), 32))
    assert pos[0, 0].abs().max() == 0
    grid = pos[0, 1:].view(8, 8, 32)  # (row, col, D)
    # first D/2 channels: column only; last D/2: row only
    assert torch.allclose(grid[:, :, :16], grid[:1, :, :16].expand(8, -1, -1))
    assert torch.allclose(grid[:, :, 16:], grid[:, :1, 16:].expand(-1, 8, -1))
    assert not torch.allclose(grid[:, 0, :16], grid[:, 1, :16])
    omega = 1. / 10000**(torch.arange(8.) / 8)
    torch.testing.assert_close(grid[2, 3, :8], torch.sin(3 * omega))
    torch.testing.assert_close(grid[2, 3, 24:], torch.cos(2 * omega))


def test_checkpoint_loads_into_plain_vision_transformer():
    """Invariant 7: the backbone is an mmpretrain ViT (no missing/unexpected keys)."""
    model = tiny_saim()
    vit = VisionTransformer(
        arch=dict(embed_dims=32, num_layers=2, num_heads=2,
                  feedforward_channels=64),
        img_size=16, patch_size=4, out_type='cls_token')
    vit.load_state_dict(model.backbone.state_dict(), strict=True)
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(vit(x)[0], model.extract_feat(x)[0][:, 0])
    prefixes = {k.split('.')[0] for k in model.state_dict()}
    assert prefixes == {'backbone', 'neck', 'head'}


def test_loss_trains_and_draws_noise_with_one_rand_call():
    model = tiny_saim().train()
    img = torch.randn(2, 3, 16, 16)
    torch.manual_seed(5)
    losses = model.loss(img, None)
    torch.manual_seed(5)
    expected = torch.rand(2, 16)
    with torch.no_grad():
        pred, _ = model.predict_patches(img, expected)
    assert losses['loss'].item() == pytest.approx(
        model.head.loss(pred, img).item(), rel=1e-6)
    losses['loss'].backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert model.backbone.pos_embed.grad is None


def test_shared_weights_and_linear_predictor():
    model = tiny_saim(share_weights=True, predictor='linear')
    assert model.neck.layers is None
    assert not any(k.startswith('neck.') for k in model.state_dict())
    assert list(model.head.predictor._modules) == ['fc']
    with torch.no_grad():
        pred, _ = model.predict_patches(torch.randn(1, 3, 16, 16))
    assert pred.shape == (1, 16, 48) and torch.isfinite(pred).all()


def test_official_initialisation_bounds():
    model = tiny_saim(dims=32)
    qkv = model.backbone.layers[0].attn.qkv.weight
    bound = math.sqrt(6 / (32 + 32))  # xavier of a separate 32x32 q/k/v Linear
    assert qkv.abs().max() <= bound and qkv.abs().max() > 0.8 * bound
    assert model.backbone.layers[0].attn.qkv.bias.abs().max() == 0
    assert model.neck.layers[0].ffn.layers[1].bias.abs().max() == 0


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match='not a multiple of neck.num_layers=2'):
        tiny_saim(depth=3, query_depth=2)
    with pytest.raises(ValueError, match='img_size=18 is not divisible by '
                       'patch_size=4'):
        SAIMViT(arch=dict(embed_dims=32, num_layers=1, num_heads=2,
                          feedforward_channels=64), img_size=18, patch_size=4)
    with pytest.raises(ValueError, match='generation_order'):
        tiny_saim(order='spiral')
    model = tiny_saim()
    with pytest.raises(ValueError, match=r'noise has shape \(2, 15\); '
                       r'expected \(batch, num_patches\) = \(2, 16\)'):
        model.predict_patches(torch.randn(2, 3, 16, 16), torch.rand(2, 15))
    with pytest.raises(ValueError, match='gives 64 patches'):
        model.loss(torch.randn(1, 3, 32, 32), None)
    with pytest.raises(ValueError, match='head.patch_size=8'):
        from mmpretrain.registry import MODELS
        cfg = dict(type='SAIM',
                   backbone=dict(type='SAIMViT', arch=dict(
                       embed_dims=32, num_layers=2, num_heads=2,
                       feedforward_channels=64), img_size=16, patch_size=4),
                   neck=dict(type='SAIMQueryDecoder', embed_dims=32,
                             num_layers=2, num_heads=2,
                             feedforward_channels=64),
                   head=dict(type='SAIMPretrainHead', embed_dims=32,
                             patch_size=8, loss=dict(
                                 type='PixelReconstructionLoss',
                                 criterion='L2')))
        MODELS.build(cfg)


def test_predict_scores_held_out_images_reproducibly():
    model = tiny_saim()
    img = torch.randn(3, 3, 16, 16)
    a = model.predict(img)
    b = model.predict(img)
    mse = torch.cat([s.mse for s in a])
    assert mse.shape == (3, ) and (mse > 0).all()
    torch.testing.assert_close(mse, torch.cat([s.mse for s in b]))
