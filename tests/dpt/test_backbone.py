"""DPT backbone: variants, shapes, init, pos-embed resize, freezing, registration."""
import pytest
import torch
import torch.nn as nn

from projects.dpt import DeformablePatchTransformer, DePatchEmbed

from .official_reference import MINI


def _head_params(model):
    return model.embed_dims[-1] * 1000 + 1000


@pytest.mark.parametrize('arch,expected', [('tiny', 15.2e6), ('small', 26.4e6),
                                           ('medium', 46.1e6)])
def test_variant_param_counts(arch, expected):
    """Spec invariant 5: within 0.1M of the paper with a 1000-class head."""
    model = DeformablePatchTransformer(
        arch=arch, out_type='cls_token', out_indices=(3, ), final_norm=True)
    count = sum(p.numel() for p in model.parameters()) + _head_params(model)
    assert abs(count - expected) < 0.1e6
    assert sum(isinstance(m, DePatchEmbed) for m in model.modules()) == 3


@pytest.mark.parametrize('arch,size', [('tiny', (160, 224)),
                                       ('small', (96, 64)),
                                       ('medium', (66, 98))])
def test_dense_output_shapes_non_square(arch, size):
    """Spec invariant 2: strides 4/8/16/32, channels 64/128/320/512, any H, W."""
    model = DeformablePatchTransformer(arch=arch, drop_path_rate=0.).eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, *size))
    h, w = size[0] // 4, size[1] // 4
    expect = []
    for c in (64, 128, 320, 512):
        expect.append((1, c, h, w))
        h, w = h // 2, w // 2
    assert [tuple(o.shape) for o in outs] == expect


def test_448_input_has_no_3136_token_crash():
    """The official code skips the resize when any stage has 56*56 tokens."""
    model = DeformablePatchTransformer(arch=MINI, pretrain_img_size=224).eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 448, 448))
    assert outs[1].shape[2:] == (56, 56)


def test_pos_embed_resize_is_identity_at_stored_grid():
    """Spec invariant 6."""
    model = DeformablePatchTransformer(arch=MINI, pretrain_img_size=224)
    model.init_weights()
    for i, grid in enumerate((56, 28, 14, 7)):
        layer = model.pos_embeds[i]
        resized = layer.resize_pos_embed(layer.pos_embed, (grid, grid))
        assert torch.equal(resized, layer.pos_embed)
    resized = model.pos_embeds[3].resize_pos_embed(model.pos_embeds[3].pos_embed,
                                                   (9, 5))
    assert resized.shape == (1, 45, 32)


def test_init_weights_keeps_depatch_at_regular_grid():
    """Spec invariant 8: generic init first, then predictor zero and wh_bias reset."""
    model = DeformablePatchTransformer(arch=MINI)
    for m in model.modules():
        if isinstance(m, DePatchEmbed):
            nn.init.normal_(m.offset_predictor.weight)
            nn.init.normal_(m.wh_bias)
    model.init_weights()
    for m in model.modules():
        if isinstance(m, DePatchEmbed):
            assert torch.count_nonzero(m.offset_predictor.weight) == 0
            assert torch.allclose(m.wh_bias, torch.full((2, ), 0.2554128))
    linear = model.stages[0][0].attn.attn.out_proj.weight
    assert 0.005 < linear.std() < 0.03
    assert model.stages[0][0].attn.norm.eps == 1e-5
    assert model.stages[0][0].norm1.eps == 1e-6
    assert model.patch_embeds[0].norm.eps == 1e-5


def test_cls_token_output_and_final_norm():
    model = DeformablePatchTransformer(
        arch=MINI, out_type='cls_token', out_indices=-1, final_norm=True,
        pretrain_img_size=64).eval()
    model.init_weights()
    with torch.no_grad():
        feat, = model(torch.randn(2, 3, 64, 80))
    assert feat.shape == (2, 32)
    # LayerNorm with unit weight / zero bias -> zero mean per sample
    assert feat.mean(-1).abs().max() < 1e-5


def test_frozen_stages():
    model = DeformablePatchTransformer(arch=MINI, frozen_stages=2)
    model.train()
    for i in range(2):
        assert not any(p.requires_grad for p in model.stages[i].parameters())
        assert not any(
            p.requires_grad for p in model.patch_embeds[i].parameters())
        assert not model.stages[i].training
    assert all(p.requires_grad for p in model.stages[2].parameters())
    assert model.stages[2].training


def test_set_drop_path_rate_spreads_linearly():
    model = DeformablePatchTransformer(arch=MINI, drop_path_rate=0.1)
    model.set_drop_path_rate(0.)
    assert all(b.attn.dropout_layer.drop_prob == 0 for s in model.stages
               for b in s)
    model.set_drop_path_rate(0.2)
    last = model.stages[-1][-1]
    assert last.ffn.dropout_layer.drop_prob == pytest.approx(0.2)
    assert model.stages[0][0].attn.dropout_layer.drop_prob == 0


def test_pvt_mode_without_depatch():
    model = DeformablePatchTransformer(
        arch=MINI, depatch_stages=(False, False, False, False))
    assert not any(isinstance(m, DePatchEmbed) for m in model.modules())
    outs = model(torch.randn(1, 3, 64, 64))
    assert outs[-1].shape == (1, 32, 2, 2)


@pytest.mark.parametrize('kwargs,match', [
    (dict(arch='huge'), "arch='huge'"),
    (dict(depatch_stages=(True, True, True, True)), 'depatch_stages'),
    (dict(depatch_stages=(False, True)), 'one flag per stage'),
    (dict(out_type='cls_token'), 'out_indices'),
    (dict(out_type='tokens'), "out_type='tokens'"),
    (dict(frozen_stages=7), 'frozen_stages=7'),
    (dict(arch=dict(MINI, num_heads=[3, 2, 2, 4])), 'not divisible'),
])
def test_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DeformablePatchTransformer(**kwargs)


def test_registered_in_every_host():
    from mmdet.registry import MODELS as DET
    from mmpretrain.registry import MODELS as CLS
    from mmseg.registry import MODELS as SEG
    for registry in (DET, CLS, SEG):
        assert registry.module_dict['DeformablePatchTransformer'] is \
            DeformablePatchTransformer


def test_drop_path_warmup_hook():
    from types import SimpleNamespace

    from projects.dpt import DropPathWarmupHook
    model = DeformablePatchTransformer(arch=MINI, drop_path_rate=0.1)
    hook = DropPathWarmupHook(warmup_epochs=2, drop_path_rate=0.1)
    runner = SimpleNamespace(model=nn.Sequential(model), epoch=1)
    hook.before_train_epoch(runner)
    assert model.stages[-1][-1].attn.dropout_layer.drop_prob == 0
    runner.epoch = 2
    hook.before_train_epoch(runner)
    assert model.stages[-1][-1].attn.dropout_layer.drop_prob == pytest.approx(
        0.1)
