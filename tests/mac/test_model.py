"""MAC model pieces: the space-time ViT, video / text masking, the loss, the gather layer and
the dual encoder (spec section 6, invariants 1-8)."""
import math

import pytest
import torch
import torch.nn.functional as F

from projects.mac import (GatherLayer, MACContrastiveLoss, MACRetriever,
                          MACSpaceTimeViT, MACTextEncoder, gather_with_grad,
                          gather_visible_patches, mask_text_tokens,
                          sample_visible_patches)
from projects.mac.space_time_vit import SpaceTimeBlock


def _vit(**kw):
    cfg = dict(img_size=32, patch_size=8, num_frames=4, embed_dims=32, depth=2,
               num_heads=4, mask_ratio=0.5)
    cfg.update(kw)
    torch.manual_seed(0)
    return MACSpaceTimeViT(**cfg)


def _randomise_time_attention(model):
    """Give the (zero-initialised) time attention real weights, so tests see it."""
    gen = torch.Generator().manual_seed(1)
    for block in model.blocks:
        if block.joint:
            continue
        for p in block.timeattn.parameters():
            p.data = torch.randn(p.shape, generator=gen) * 0.2


def test_zero_init_time_attention_outputs_zero():
    block = SpaceTimeBlock(32, 4, time_init='zeros')
    x = torch.randn(2, 1 + 4 * 6, 32)
    assert torch.equal(block.timeattn(block.norm3(x), 4, 'time'),
                       torch.zeros_like(x))


def _plain_vit_cls(model, image):
    """Reference: a standard (timm-style) ViT with the encoder's spatial weights."""
    x = model.patch_embed.proj(image).flatten(2).transpose(1, 2)
    x = torch.cat([model.cls_token.expand(len(x), -1, -1), x], 1)
    return _plain_vit_blocks(model, x + model.pos_embed)


def _plain_vit_blocks(model, x):
    """Plain ViT blocks (full attention over all of ``x``) with the encoder's weights."""
    for blk in model.blocks:
        h = blk.norm1(x)
        b, n, d = h.shape
        qkv = blk.attn.qkv(h).reshape(b, n, 3, blk.attn.num_heads, -1)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v)
        x = x + blk.attn.proj(a.transpose(1, 2).reshape(b, n, d))
        x = x + blk.mlp(blk.norm2(x))
    return model.norm(x)[:, 0]


def test_zero_init_encoder_is_image_vit_at_start():
    """Invariant 7: with zero-init time attention a T = 1 input is a plain ViT + CLS."""
    model = _vit(mask_ratio=0.0).eval()
    torch.nn.init.normal_(model.temporal_embed)  # E_t[0] is added to every patch
    image = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        model.pos_embed[:, 1:] += model.temporal_embed[:, :1]
        ref = _plain_vit_cls(model, image)
        model.pos_embed[:, 1:] -= model.temporal_embed[:, :1]
        out = model(image[:, None])
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=1e-5)


def test_zero_init_time_attention_is_per_frame_vit_for_clips():
    """At init the time branch adds nothing: a clip's CLS equals the one from a net whose
    time attention is removed entirely."""
    model = _vit(mask_ratio=0.0).eval()
    clip = torch.randn(2, 4, 3, 32, 32)
    with torch.no_grad():
        out = model(clip)
        for blk in model.blocks:
            blk.timeattn.forward = lambda x, *a: torch.zeros_like(x)
        ref = model(clip)
    assert torch.equal(out, ref)


@pytest.mark.parametrize('strategy', ['frame_random', 'tube', 'joint'])
def test_visible_counts_and_strategies(strategy):
    """Invariant 3: K = int(P(1-rho)) per frame, unique, in range; tube = same per frame."""
    torch.manual_seed(0)
    ids = sample_visible_patches(3, 4, 196, 0.6, strategy)
    assert ids.shape == (3, 4, int(196 * 0.4))
    assert ids.min() >= 0 and ids.max() < 196
    for row in ids.reshape(-1, ids.shape[-1]):
        assert len(set(row.tolist())) == ids.shape[-1]
    same = (ids == ids[:, :1]).all()
    assert bool(same) == (strategy == 'tube')


@pytest.mark.parametrize('strategy', ['frame_random', 'tube', 'joint'])
def test_masking_keeps_only_visible_tokens(strategy):
    """Pixels of masked patches cannot change the output; visible ones do."""
    model = _vit(mask_strategy=strategy).train()
    _randomise_time_attention(model)
    clip = torch.randn(1, 4, 3, 32, 32)
    torch.manual_seed(3)
    ids = model.visible_patches(1, 4, clip.device)
    assert ids.shape == (1, 4, 8)
    out = model(clip, ids)
    masked = [p for p in range(16) if p not in ids[0, 2].tolist()][0]
    visible = ids[0, 2, 0].item()

    def perturb(patch):
        c = clip.clone()
        r, col = divmod(patch, 4)
        c[0, 2, :, r * 8:(r + 1) * 8, col * 8:(col + 1) * 8] += 5.0
        return c

    assert torch.equal(model(perturb(masked), ids), out)
    assert not torch.allclose(model(perturb(visible), ids), out)


def test_gather_keeps_position_identity():
    tokens = torch.arange(2 * 3 * 5, dtype=torch.float32).reshape(2, 15, 1)
    ids = torch.tensor([[[4, 0], [1, 2], [3, 3 - 3]]] * 2)
    out = gather_visible_patches(tokens, ids)
    assert out.shape == (2, 6, 1)
    assert out[0, :, 0].tolist() == [4, 0, 6, 7, 13, 10]


def test_identity_mask_equals_unmasked_and_rho0_consumes_no_rng():
    """Invariant 1: keeping all patches == plain forward; rho = 0 draws no random number."""
    model = _vit(mask_ratio=0.0).train()
    _randomise_time_attention(model)
    clip = torch.randn(2, 4, 3, 32, 32)
    state = torch.get_rng_state()
    out = model(clip)
    assert torch.equal(torch.get_rng_state(), state)
    full = torch.arange(16).expand(2, 4, 16)
    assert torch.equal(model(clip, full), out)
    assert torch.equal(model.eval()(clip), out)


def test_common_slot_permutation_leaves_cls_unchanged():
    """Invariant 4: positions travel with the tokens; slot order does not matter."""
    model = _vit().train()
    _randomise_time_attention(model)
    clip = torch.randn(2, 4, 3, 32, 32)
    torch.manual_seed(5)
    ids = model.visible_patches(2, 4, clip.device)
    perm = torch.randperm(ids.shape[-1])
    torch.testing.assert_close(model(clip, ids[..., perm]), model(clip, ids),
                               atol=1e-5, rtol=1e-5)


def test_joint_attention_is_a_plain_vit_over_the_clip():
    """``mask_strategy='joint'``: timm ViT blocks (no time attention) over all T*P tokens."""
    model = _vit(mask_strategy='joint', mask_ratio=0.75).eval()
    assert not [k for k in model.state_dict() if 'timeattn' in k or 'norm3' in k]
    torch.nn.init.normal_(model.temporal_embed)
    clip = torch.randn(2, 4, 3, 32, 32)
    with torch.no_grad():
        cls = model.cls_token + model.pos_embed[:, :1]
        tokens = torch.cat([cls.expand(2, -1, -1), model.embed(clip)], 1)
        ref = _plain_vit_blocks(model, tokens)
        torch.testing.assert_close(model(clip), ref, atol=1e-5, rtol=1e-5)
        model.train()
        ids = model.visible_patches(2, 4, clip.device)
        assert ids.shape == (2, 4, 4)
        kept = gather_visible_patches(model.embed(clip), ids)
        ref = _plain_vit_blocks(model, torch.cat([cls.expand(2, -1, -1), kept], 1))
        torch.testing.assert_close(model(clip, ids), ref, atol=1e-5, rtol=1e-5)


def test_joint_attention_any_token_permutation_leaves_cls_unchanged():
    """Invariant 4 (joint): any order of the T*K visible tokens gives the same CLS; the
    divided blocks, whose groups are frames and slots, do depend on it."""
    clip = torch.randn(2, 4, 3, 32, 32)
    outs = {}
    for strategy in ('joint', 'frame_random'):
        model = _vit(mask_strategy=strategy).train()
        _randomise_time_attention(model)
        torch.manual_seed(5)
        ids = model.visible_patches(2, 4, clip.device)
        tokens = gather_visible_patches(model.embed(clip), ids)
        perm = torch.randperm(tokens.shape[1])
        outs[strategy] = (model.forward_tokens(tokens, 4),
                          model.forward_tokens(tokens[:, perm], 4))
    torch.testing.assert_close(*outs['joint'], atol=1e-5, rtol=1e-5)
    assert not torch.allclose(*outs['frame_random'], atol=1e-3)


def test_eval_ignores_mask_ratio():
    """Invariant 2: masks are off in eval; two calls agree and equal an unmasked model."""
    masked = _vit(mask_ratio=0.75)
    plain = _vit(mask_ratio=0.0)
    plain.load_state_dict(masked.state_dict())
    clip = torch.randn(2, 4, 3, 32, 32)
    masked.eval()
    plain.eval()
    a, b = masked(clip), masked(clip)
    assert torch.equal(a, b) and torch.equal(a, plain(clip))
    masked.train()
    assert not torch.allclose(masked(clip), a)


def test_temporal_embed_inflates_on_load():
    four = _vit(num_frames=4)
    eight = _vit(num_frames=8)
    state = four.state_dict()
    state['temporal_embed'] = torch.arange(4.).reshape(1, 4, 1).expand(1, 4,
                                                                       32)
    eight.load_state_dict(state)
    row = eight.temporal_embed[0, :, 0]
    assert row.shape == (8, ) and row[0] == 0 and row[-1] == 3
    assert torch.all(row[1:] >= row[:-1])


def test_bad_settings_raise_with_fix():
    with pytest.raises(ValueError, match='mask_strategy'):
        _vit(mask_strategy='joint_random')
    with pytest.raises(ValueError, match='keeps no patch'):
        _vit(mask_ratio=0.99)
    with pytest.raises(ValueError, match='num_frames=4'):
        _vit()(torch.randn(1, 5, 3, 32, 32))


# ---------------------------------------------------------------- text masking


def test_text_masking_rules():
    """Invariant 5: specials never masked, round(rho * n_real) replacements, mask kept."""
    torch.manual_seed(0)
    ids = torch.tensor([[101, 7, 8, 9, 10, 102, 0, 0],
                        [101, 5, 102, 0, 0, 0, 0, 0],
                        [101, 11, 12, 13, 14, 15, 16, 102]])
    mask = (ids != 0).long()
    for ratio in (0.15, 0.3, 0.5, 1.0):
        for _ in range(20):
            out = mask_text_tokens(ids, mask, ratio, 103, (0, 101, 102))
            special = torch.isin(ids, torch.tensor([0, 101, 102]))
            assert torch.equal(out[special], ids[special])
            changed = (out != ids).sum(1).tolist()
            expected = [math.floor(n * ratio + 0.5) for n in (4, 1, 6)]
            assert changed == expected
            assert torch.all(out[out != ids] == 103)
    assert torch.equal(mask_text_tokens(ids, mask, 0.0, 103, (0, 101, 102)),
                       ids)


def test_text_masking_is_uniform_over_real_tokens():
    torch.manual_seed(0)
    ids = torch.tensor([[101, 1, 2, 3, 4, 102]]).repeat(4000, 1)
    out = mask_text_tokens(ids, torch.ones_like(ids), 0.5, 103, (0, 101, 102))
    freq = (out == 103).float().mean(0)[1:5]
    assert torch.all((freq - 0.5).abs() < 0.04), freq


# ---------------------------------------------------------------- loss


def _hand_loss(s, tau):
    b = len(s)
    t2v = -sum(s[i][i] / tau - math.log(sum(math.exp(s[i][j] / tau)
                                             for j in range(b)))
               for i in range(b)) / b
    v2t = -sum(s[j][j] / tau - math.log(sum(math.exp(s[i][j] / tau)
                                             for i in range(b)))
               for j in range(b)) / b
    return t2v, v2t


def test_loss_matches_hand_computation():
    s = [[0.9, 0.1, -0.3], [0.2, 0.5, 0.4], [-0.1, 0.6, 0.7]]
    t2v, v2t = _hand_loss(s, 0.05)
    out = MACContrastiveLoss(0.05, 'sum')(torch.tensor(s, dtype=torch.float64))
    assert out['loss_t2v'].item() == pytest.approx(t2v, rel=1e-9)
    assert out['loss_v2t'].item() == pytest.approx(v2t, rel=1e-9)
    mean = MACContrastiveLoss(0.05, 'mean')(torch.tensor(s))
    assert (mean['loss_t2v'] + mean['loss_v2t']).item() == pytest.approx(
        (t2v + v2t) / 2, rel=1e-5)


def test_loss_properties():
    """Invariant 6: symmetric, permutation invariant, 2 log B on constants, ~0 if aligned."""
    torch.manual_seed(0)
    loss = MACContrastiveLoss(0.05)
    s = torch.rand(6, 6) * 2 - 1

    def total(m):
        return sum(loss(m).values())

    torch.testing.assert_close(total(s), total(s.t()))
    perm = torch.randperm(6)
    torch.testing.assert_close(total(s[perm][:, perm]), total(s))
    assert total(torch.full((8, 8), 0.3)).item() == pytest.approx(
        2 * math.log(8), rel=1e-6)
    mean = MACContrastiveLoss(0.05, 'mean')
    assert sum(mean(torch.zeros(8, 8)).values()).item() == pytest.approx(
        math.log(8), rel=1e-6)
    assert total(torch.eye(8)).item() < 1e-3


def test_learnable_temperature_is_a_parameter():
    loss = MACContrastiveLoss(0.05, learnable_temperature=True)
    assert [n for n, _ in loss.named_parameters()] == ['log_scale']
    sum(loss(torch.rand(4, 4)).values()).backward()
    assert loss.log_scale.grad is not None
    assert not list(MACContrastiveLoss(0.05).parameters())


def test_gather_layer_single_process_gradient():
    """Invariant 6: the gather is the identity with one process, gradient included."""
    x = torch.randn(4, 3, requires_grad=True)
    (y, ) = GatherLayer.apply(x)
    w = torch.randn(4, 3)
    (y * w).sum().backward()
    assert torch.equal(y, x) and torch.equal(x.grad, w)
    x2 = x.detach().clone().requires_grad_()
    (gather_with_grad(x2) * w).sum().backward()
    assert torch.equal(x2.grad, w)


# ---------------------------------------------------------------- dual encoder


def _retriever(**kw):
    torch.manual_seed(0)
    cfg = dict(
        video_encoder=dict(type='MACSpaceTimeViT', img_size=32, patch_size=8,
                           num_frames=4, embed_dims=32, depth=1, num_heads=4,
                           mask_ratio=0.5),
        text_encoder=dict(type='MACTextEncoder', vocab_size=50, embed_dims=32,
                          depth=1, num_heads=4, ffn_dims=64, max_position=16,
                          dropout=0.0),
        proj_dims=16, text_mask_ratio=0.5, mask_token_id=4,
        special_token_ids=(0, 2, 3))
    cfg.update(kw)
    return MACRetriever(**cfg)


def _batch():
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(5, 50, (4, 10), generator=g)
    ids[:, 0], ids[:, 7], ids[:, 8:] = 2, 3, 0
    return dict(imgs=torch.randn(4, 4, 3, 32, 32, generator=g),
                text_ids=ids, text_mask=(ids != 0).long())


def test_retriever_loss_and_predict():
    from mmaction.structures import ActionDataSample
    model = _retriever().train()
    losses = model(_batch(), mode='loss')
    assert set(losses) == {'loss_t2v', 'loss_v2t'}
    sum(losses.values()).backward()
    assert model.video_model.blocks[0].timeattn.qkv.weight.grad is not None
    assert model.text_model.embeddings.word_embeddings.weight.grad is not None
    model.eval()
    samples = model(_batch(), [ActionDataSample() for _ in range(4)],
                    mode='predict')
    assert samples[0].features.video_feature.shape == (16, )
    assert samples[0].features.text_feature.norm().item() == pytest.approx(1)


def test_retriever_masks_only_in_training():
    """Invariant 2 for the whole model: eval equals a ratio-0 model, bit for bit."""
    masked = _retriever()
    plain = _retriever(text_mask_ratio=0.0,
                       video_encoder=dict(type='MACSpaceTimeViT', img_size=32,
                                          patch_size=8, num_frames=4,
                                          embed_dims=32, depth=1, num_heads=4,
                                          mask_ratio=0.0))
    plain.load_state_dict(masked.state_dict())
    batch = _batch()
    masked.eval()
    plain.eval()
    v1, t1 = masked(batch)
    v2, t2 = plain(batch)
    assert torch.equal(v1, v2) and torch.equal(t1, t2)
    masked.train()
    plain.train()
    _, t3 = masked(batch)
    _, t4 = plain(batch)
    assert torch.equal(t4, t2) and not torch.allclose(t3, t2)


def test_nan_loss_raises():
    model = _retriever().train()
    batch = _batch()
    batch['imgs'][0, 0, 0, 0, 0] = float('nan')
    with pytest.raises(FloatingPointError, match='learning rate'):
        model(batch, mode='loss')


def test_text_encoder_pads_ignored_and_names_match_distilbert():
    enc = MACTextEncoder(vocab_size=50, embed_dims=32, depth=1, num_heads=4,
                         ffn_dims=64, max_position=16, dropout=0.0).eval()
    ids = torch.tensor([[2, 7, 8, 3, 0, 0]])
    other = ids.clone()
    other[0, 4:] = 9  # content under the padding mask
    mask = (ids != 0).long()
    torch.testing.assert_close(enc(ids, mask), enc(other, mask))
    names = set(enc.state_dict())
    for key in ('embeddings.word_embeddings.weight',
                'embeddings.position_embeddings.weight',
                'embeddings.LayerNorm.weight',
                'transformer.layer.0.attention.q_lin.weight',
                'transformer.layer.0.attention.out_lin.bias',
                'transformer.layer.0.sa_layer_norm.weight',
                'transformer.layer.0.ffn.lin1.weight',
                'transformer.layer.0.ffn.lin2.weight',
                'transformer.layer.0.output_layer_norm.bias'):
        assert key in names, key


def test_video_encoder_names_match_frozen_in_time():
    """Frozen's SpaceTimeTransformer key names and shapes (ViT-B/16, 4 frames)."""
    model = MACSpaceTimeViT(depth=1)
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    expected = {
        'cls_token': (1, 1, 768), 'pos_embed': (1, 197, 768),
        'temporal_embed': (1, 4, 768),
        'patch_embed.proj.weight': (768, 3, 16, 16),
        'blocks.0.norm1.weight': (768, ), 'blocks.0.attn.qkv.weight':
        (2304, 768), 'blocks.0.attn.proj.weight': (768, 768),
        'blocks.0.timeattn.qkv.weight': (2304, 768),
        'blocks.0.timeattn.proj.bias': (768, ), 'blocks.0.norm3.weight':
        (768, ), 'blocks.0.norm2.bias': (768, ),
        'blocks.0.mlp.fc1.weight': (3072, 768),
        'blocks.0.mlp.fc2.weight': (768, 3072), 'norm.weight': (768, )
    }
    for key, shape in expected.items():
        assert shapes.get(key) == shape, key


def test_flop_ratio_matches_table():
    """Invariant 8: FLOPs(rho) / FLOPs(0) of ViT-B/16 at 4x224 follow the spec table."""
    from torch.utils.flop_counter import FlopCounterMode

    def flops(ratio):
        model = MACSpaceTimeViT(depth=2, mask_ratio=ratio).to('meta').train()
        clip = torch.empty(1, 4, 3, 224, 224, device='meta')
        counter = FlopCounterMode(display=False)
        with counter, torch.no_grad():
            model(clip)
        return counter.get_total_flops()

    base = flops(0.0)
    for ratio, table in ((0.6, 36.4 / 92.3), (0.75, 23.0 / 92.3)):
        assert abs(flops(ratio) / base - table) < 0.05, ratio
