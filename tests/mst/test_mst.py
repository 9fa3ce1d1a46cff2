"""MST invariants (spec section 7) on a 32x32, 4x4-patch ViT."""
import copy
import math

import pytest
import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub
from mmpretrain.models import VisionTransformer
from mmpretrain.registry import MODELS, TRANSFORMS

from projects.common.ssl import CenteredCrossEntropyLoss, DINOProjectionHead
from projects.mst import (AttentionGuidedMasker, ImageRestoreLoss, MSTGlobalDecoder,
                          MSTViT, attention_weights)

ARCH = dict(embed_dims=32, num_layers=2, num_heads=4, feedforward_channels=64)
VIT = dict(arch=ARCH, img_size=32, patch_size=4, out_type='raw')


def _mst(low_attn_ratio=0.5, mask_prob=0.5, lambda_rec=1.0, **kw):
    cfg = dict(
        type='MST',
        backbone=dict(type='MSTViT', **VIT),
        neck=dict(type='DINOProjectionHead', in_channels=32, out_channels=64,
                  hidden_channels=48, bottleneck_channels=16),
        head=dict(type='MSTHead',
                  dino_loss=dict(type='CenteredCrossEntropyLoss', out_channels=64),
                  restore_loss=dict(type='ImageRestoreLoss', loss_weight=lambda_rec)),
        decoder=dict(type='MSTGlobalDecoder', in_channels=32, patch_size=4, channels=16),
        masker=dict(type='AttentionGuidedMasker', low_attn_ratio=low_attn_ratio,
                    mask_prob=mask_prob), **kw)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def _views(batch=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return ([torch.randn(batch, 3, 32, 32, generator=g) for _ in range(2)] +
            [torch.randn(batch, 3, 16, 16, generator=g) for _ in range(2)])


# invariant 1: masker
def test_masker_masks_only_low_attention_candidates():
    attn = torch.rand(8, 64, generator=torch.Generator().manual_seed(0)).softmax(-1)
    masker = AttentionGuidedMasker(low_attn_ratio=0.3, mask_prob=0.7)
    n = math.ceil(0.3 * 64)
    order = attn.argsort(dim=1)
    low, high = order[:, :n], order[:, n:]
    for seed in range(5):
        mask = masker(attn, torch.Generator().manual_seed(seed))
        assert mask.shape == (8, 64) and mask.dtype == torch.bool
        assert not mask.gather(1, high).any()  # top-(1-q) tokens never masked
        assert mask.sum() == mask.gather(1, low).sum()
    full = AttentionGuidedMasker(0.3, 1.0)(attn)
    assert (full.sum(1) == n).all() and full.gather(1, low).all()
    assert not AttentionGuidedMasker(0.3, 0.0)(attn).any()


def test_masker_is_seeded_and_mean_fraction_is_q_times_p():
    attn = torch.rand(4, 64)
    masker = AttentionGuidedMasker(0.5, 0.5)
    a = masker(attn, torch.Generator().manual_seed(3))
    assert torch.equal(a, masker(attn, torch.Generator().manual_seed(3)))
    masks = torch.stack([masker(attn, torch.Generator().manual_seed(s))
                         for s in range(200)])
    trials = masks.numel() / 2  # candidates: half of the tokens
    frac = masks.float().mean().item()
    std = math.sqrt(0.5 * 0.5 / trials) * 0.5
    assert abs(frac - 0.25) < 4 * std


def test_random_guidance_keeps_the_ratio_but_ignores_attention():
    attn = torch.arange(64.).repeat(4, 1)
    mask = AttentionGuidedMasker(0.5, 1.0, guidance='random')(
        attn, torch.Generator().manual_seed(0))
    assert (mask.sum(1) == 32).all()
    assert mask[:, 32:].any()  # high-attention tokens can be drawn


@pytest.mark.parametrize('kw,fix', [(dict(low_attn_ratio=1.5), 'outside [0, 1]'),
                                    (dict(mask_prob=-0.1), 'outside [0, 1]'),
                                    (dict(guidance='max'), "'random'")])
def test_masker_bad_input(kw, fix):
    with pytest.raises(ValueError, match=fix.replace('[', r'\[').replace(']', r'\]')):
        AttentionGuidedMasker(**kw)


# invariant 2: attention extraction
def test_explicit_attention_reproduces_the_fused_layer():
    vit = MSTViT(**VIT)
    vit.init_weights()
    vit.eval()
    x, _ = vit.embed(torch.randn(2, 3, 32, 32))
    layer = vit.layers[-1]
    attn = attention_weights(layer, x)
    assert attn.shape == (2, 4, 65, 65)
    torch.testing.assert_close(attn.sum(-1), torch.ones(2, 4, 65))
    a = layer.attn
    qkv = a.qkv(layer.ln1(x)).reshape(2, 65, 3, 4, 8).permute(2, 0, 3, 1, 4)
    out = a.proj((attn @ qkv[2]).transpose(1, 2).reshape(2, 65, 32))
    torch.testing.assert_close(out, a(layer.ln1(x)), atol=1e-5, rtol=0)
    # forward returns row 0 over the patch keys, heads averaged
    vit_in = torch.randn(2, 3, 32, 32)
    outs, cls_attn = vit(vit_in, return_attn=True)
    h = vit.embed(vit_in)[0]
    for blk in vit.layers[:-1]:
        h = blk(h)
    torch.testing.assert_close(cls_attn, attention_weights(layer, h)[:, :, 0, 1:].mean(1))
    assert cls_attn.shape == (2, 64)


def test_attention_layer_and_head_reduce_options():
    vit = MSTViT(**VIT, attn_layer=0, head_reduce='max')
    vit.eval()
    img = torch.randn(1, 3, 32, 32)
    _, attn = vit(img, return_attn=True)
    x, _ = vit.embed(img)
    expect = attention_weights(vit.layers[0], x)[:, :, 0, 1:].max(1).values
    torch.testing.assert_close(attn, expect)


@pytest.mark.parametrize('kw,fix', [(dict(attn_layer=2), 'attn_layer=2 is beyond'),
                                    (dict(attn_layer=-3), 'beyond the 2 blocks'),
                                    (dict(img_size=30), 'multiple of the patch size')])
def test_backbone_bad_input(kw, fix):
    with pytest.raises(ValueError, match=fix):
        MSTViT(**dict(VIT, **kw))


def test_crop_not_divisible_by_patch_fails_at_build_and_forward():
    with pytest.raises(ValueError, match='local_crop_size=18 is not divisible'):
        TRANSFORMS.build(dict(type='MSTMultiCrop', patch_size=4, global_crop_size=32,
                              local_crop_size=18))
    with pytest.raises(ValueError, match='multiples of the patch size'):
        MSTViT(**VIT)(torch.randn(1, 3, 30, 30))


# invariant 3: mask token
def test_mask_token_only_changes_masked_inputs():
    vit = MSTViT(**VIT)
    vit.init_weights()
    vit.eval()
    plain = VisionTransformer(**VIT)
    missing, unexpected = plain.load_state_dict(vit.state_dict(), strict=False)
    assert unexpected == ['mask_token'] and not missing
    plain.eval()
    img = torch.randn(2, 3, 32, 32)
    none = torch.zeros(2, 64, dtype=torch.bool)
    torch.testing.assert_close(vit(img, mask=none)[0], plain(img)[0])
    torch.testing.assert_close(vit(img)[0], plain(img)[0])
    mask = none.clone()
    mask[0, [3, 10]] = True
    a, b = vit.embed(img)[0], vit.embed(img, mask)[0]
    changed = (a != b).any(-1)
    expect = torch.zeros(2, 65, dtype=torch.bool)
    expect[0, [4, 11]] = True
    assert torch.equal(changed, expect)
    pos = vit.pos_embed[0, 4]
    torch.testing.assert_close(b[0, 4], vit.mask_token[0, 0] + pos)


# invariant 4: DINO reduction
def test_no_masking_no_restoring_is_dino():
    hub = MessageHub.get_current_instance()
    hub.update_info('max_iters', 10)
    model = _mst(low_attn_ratio=0.0, mask_prob=0.5, lambda_rec=0.0)
    model.train()
    views = _views()
    # the ported DINO computation on the same weights (teacher = copy at step 1)
    backbone = VisionTransformer(**VIT)
    backbone.load_state_dict(model.backbone.state_dict(), strict=False)
    neck = copy.deepcopy(model.neck)
    loss_fn = CenteredCrossEntropyLoss(out_channels=64)
    backbone.train(), neck.train(), loss_fn.train()
    with torch.no_grad():
        teacher = [neck(backbone(v)[0][:, 0]) for v in views[:2]]
    student = [neck(backbone(v)[0][:, 0]) for v in views]
    expect = loss_fn(student, teacher)
    losses = model.loss(views, None)
    assert set(losses) == {'loss_dino', 'loss_rec'}
    torch.testing.assert_close(losses['loss_dino'], expect)
    assert losses['loss_rec'] == 0
    torch.testing.assert_close(model.head.dino_loss.center, loss_fn.center)
    # DINO's exact computation: no decoder pass, no [MASK] token in the graph
    losses['loss_dino'].backward()
    assert all(p.grad is None for p in model.decoder.parameters())
    assert model.backbone.mask_token.grad is None


# invariant 5: teacher
def test_teacher_has_no_gradients_and_ema_extremes():
    hub = MessageHub.get_current_instance()
    hub.update_info('max_iters', 10)
    model = _mst()
    model.train()
    losses = model.loss(_views(), None)
    (losses['loss_dino'] + losses['loss_rec']).backward()
    assert all(p.grad is None and not p.requires_grad
               for p in model.teacher.parameters())
    assert model.backbone.mask_token.grad is not None
    assert model.decoder.layers[0].weight.grad is not None
    student = model.student()
    with torch.no_grad():
        for p in student.parameters():
            p.add_(1.0)
    old = copy.deepcopy(model.teacher.module.state_dict())
    for momentum, target in ((0.0, old), (1.0, student.state_dict())):
        model.teacher.momentum = model.teacher.end_momentum = momentum
        model.teacher.update_parameters(student)
        for k, v in model.teacher.module.state_dict().items():
            torch.testing.assert_close(v, target[k])


# invariant 6: decoder and restoring loss
@pytest.mark.parametrize('size,patch,dim', [(224, 16, 384), (32, 4, 32)])
@pytest.mark.parametrize('kind', ['deconv', 'linear'])
def test_decoder_output_shape(size, patch, dim, kind):
    dec = MSTGlobalDecoder(dim, patch_size=patch, decoder_type=kind,
                           channels=32 if size == 224 else 16)
    side = size // patch
    out = dec(torch.randn(1, side * side, dim), (side, side))
    assert out.shape == (1, 3, size, size)


def test_linear_decoder_folds_each_token_into_its_patch():
    dec = MSTGlobalDecoder(8, patch_size=2, decoder_type='linear')
    tokens = torch.zeros(1, 4, 8)
    tokens[0, 1] = 1.0  # token (row 0, col 1)
    with torch.no_grad():
        dec.proj.weight.zero_()
        dec.proj.bias.zero_()
        dec.proj.weight[:, 0] = 1.0
    img = dec(tokens, (2, 2))
    assert img[0, :, 0:2, 2:4].eq(1).all() and img.sum() == 12


def test_restore_loss_by_hand():
    pred, target = torch.randn(2, 3, 8, 8), torch.randn(2, 3, 8, 8)
    assert ImageRestoreLoss()(pred, target) == pytest.approx(
        (pred - target).abs().mean().item(), rel=1e-6)
    assert ImageRestoreLoss('L2', loss_weight=0.5)(pred, target) == pytest.approx(
        0.5 * F.mse_loss(pred, target).item(), rel=1e-6)
    mask = torch.zeros(2, 4, dtype=torch.bool)
    mask[1, 2] = True  # patch (row 1, col 0) of a 2x2 grid of 4x4 patches
    got = ImageRestoreLoss(restore_region='masked_only')(pred, target, mask)
    expect = (pred - target)[1, :, 4:8, 0:4].abs().mean()
    assert got == pytest.approx(expect.item(), rel=1e-6)


# invariant 7: centre update
def test_center_update_after_one_step():
    MessageHub.get_current_instance().update_info('max_iters', 10)
    model = _mst()
    model.train()
    views = _views()
    model.head.dino_loss.center.fill_(0.5)
    model.loss(views, None)
    with torch.no_grad():
        teacher = model.teacher_forward(torch.cat(views[:2]))[0]
    torch.testing.assert_close(model.head.dino_loss.center[0],
                               0.9 * 0.5 + 0.1 * teacher.mean(0))


def test_mask_comes_from_the_teacher_attention():
    MessageHub.get_current_instance().update_info('max_iters', 10)
    model = _mst(low_attn_ratio=0.25, mask_prob=1.0)
    model.train()
    views = _views()
    seen = {}
    orig = model.masker.forward

    def spy(attn, generator=None):
        seen['attn'], seen['mask'] = attn, orig(attn, generator)
        return seen['mask']

    model.masker.forward = spy
    model.loss(views, None)
    _, attn = model.teacher.module[0](torch.cat(views[:2]), return_attn=True)
    torch.testing.assert_close(seen['attn'], attn)
    assert (seen['mask'].sum(1) == 16).all()
    with pytest.raises(ValueError, match='MSTMultiCrop'):
        model.loss(views[:2], None)


def test_projection_head_is_the_toolkit_one():
    assert isinstance(_mst().neck, DINOProjectionHead)


def test_bert_style_replacement_fractions():
    vit = MSTViT(**VIT, bert_style=True)
    vit.init_weights()
    x = torch.randn(64, 64, 32)
    mask = torch.zeros(64, 64, dtype=torch.bool)
    mask[:, :32] = True
    torch.manual_seed(0)
    out = vit.replace_masked(x, mask)
    assert torch.equal(out[~mask], x[~mask])  # unmasked patches untouched
    masked_out, masked_in = out[mask], x[mask]
    is_token = (masked_out == vit.mask_token[0, 0]).all(-1)
    unchanged = (masked_out == masked_in).all(-1)
    n = mask.sum().item()
    std = math.sqrt(0.1 * 0.9 / n)
    assert abs(is_token.float().mean().item() - 0.8) < 4 * math.sqrt(0.16 / n)
    assert abs(unchanged.float().mean().item() - 0.1) < 4 * std + 1 / n
    rows = x.reshape(-1, 32)
    other = masked_out[~is_token & ~unchanged]
    # the rest are patch embeddings drawn from the batch
    assert (other[:, None] == rows[None]).all(-1).any(1).all()
    vit.eval()  # outside training every masked patch gets the token
    assert (vit.replace_masked(x, mask)[mask] == vit.mask_token[0, 0]).all()
