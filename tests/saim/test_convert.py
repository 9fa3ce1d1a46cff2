"""Official SAIM checkpoints -> our names: built from the official key names and shapes
(spec sections 4, 8, 9), loaded strictly, and numerically checked against an official-style
forward pass written directly on the official tensors."""
import argparse
import math

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.models import VisionTransformer
from mmpretrain.registry import MODELS

import projects.saim  # noqa: F401
from projects.saim.convert import ConversionError, convert_saim
from tests.saim.helpers import (noise_for, official_shapes, random_official,
                                tiny_saim)
from tests.utils import load_tool

DIMS, DEPTH, HEADS, PATCH = 32, 2, 2, 4


def _official_kernel():
    pos = torch.arange(9.) - 4
    k = torch.exp(-(pos[:, None]**2 + pos[None]**2) / 2)
    return (k / k.sum()).expand(3, 1, 9, 9).clone()


def _official_pretrain(seed=0, **kw):
    state = random_official(official_shapes(DIMS, DEPTH, DEPTH, **kw), seed)
    if 'gaussian_blur.weight' in state:
        state['gaussian_blur.weight'] = _official_kernel()
    return state


def _vit(**kw):
    return VisionTransformer(
        arch=dict(embed_dims=DIMS, num_layers=DEPTH, num_heads=HEADS,
                  feedforward_channels=4 * DIMS),
        img_size=16, patch_size=PATCH, **kw)


def _official_loss(sd, img, noise):
    """The official SaimViT forward + forward_loss (spec 1.2-1.5, 9), on official keys."""
    n = noise.shape[1]
    b = img.shape[0]
    inf = torch.full((b, n, n), -math.inf)
    zero = torch.zeros_like(inf)
    mask_h = torch.where(noise[:, :, None] < noise[:, None, :], inf, zero)
    mask_g = torch.where(noise[:, :, None] <= noise[:, None, :], inf, zero)

    def pad(m):
        m = torch.cat((torch.full((b, 1, n), -math.inf), m), 1)
        return torch.cat((torch.zeros(b, n + 1, 1), m), 2)[:, None]

    mask_h, mask_g = pad(mask_h), pad(mask_g)

    def lin(x, name):
        return F.linear(x, sd[name + '.weight'], sd[name + '.bias'])

    def ln(x, name):
        return F.layer_norm(x, (DIMS, ), sd[name + '.weight'],
                            sd[name + '.bias'], 1e-6)

    def block(pre, q_in, kv_in, mask):
        nq, nkv = ln(q_in, pre + 'norm1'), ln(kv_in, pre + 'norm1')

        def heads(t):
            return t.view(b, -1, HEADS, DIMS // HEADS).transpose(1, 2)

        q = heads(lin(nq, pre + 'attn.q'))
        k = heads(lin(nkv, pre + 'attn.k'))
        v = heads(lin(nkv, pre + 'attn.v'))
        attn = (q @ k.transpose(-2, -1)) * (DIMS // HEADS)**-0.5 + mask
        out = (attn.softmax(-1) @ v).transpose(1, 2).reshape(q_in.shape)
        x = q_in + lin(out, pre + 'attn.proj')
        return x + lin(F.gelu(lin(ln(x, pre + 'norm2'), pre + 'mlp.fc1')),
                       pre + 'mlp.fc2')

    x = F.conv2d(img, sd['patch_embed.proj.weight'],
                 sd['patch_embed.proj.bias'], stride=PATCH)
    x = x.flatten(2).transpose(1, 2) + sd['pos_embed'][:, 1:]
    cls = (sd['cls_token'] + sd['pos_embed'][:, :1]).expand(b, -1, -1)
    h, g = torch.cat((cls, x), 1), sd['pos_embed'].expand(b, -1, -1)
    for i in range(DEPTH):
        h = block(f'blocks.{i}.', h, h, mask_h)
        g = block(f'query_blocks.{i}.', g, h, mask_g)
    g = ln(g, 'norm')
    pred = lin(F.gelu(lin(g, 'prediction_head.fc1')),
               'prediction_head.fc2')[:, 1:]
    blurred = F.conv2d(img, sd['gaussian_blur.weight'], padding=4, groups=3)
    t = blurred.reshape(b, 3, 4, PATCH, 4, PATCH)
    t = torch.einsum('nchpwq->nhwpqc', t).reshape(b, 16, PATCH * PATCH * 3)
    t = (t - t.mean(-1, keepdim=True)) / (t.var(-1, keepdim=True) + 1e-6)**.5
    return ((pred - t)**2).mean()


def test_pretrain_checkpoint_loads_strictly_and_matches_official_numerics():
    official = _official_pretrain()
    state, target = convert_saim(official)
    assert target == 'pretrain'
    model = tiny_saim(depth=DEPTH, query_depth=DEPTH, mlp_ratio=4)
    model.load_state_dict(state, strict=True)
    qkv = state['backbone.layers.1.attn.qkv.weight']
    for i, part in enumerate('qkv'):
        assert torch.equal(qkv[i * DIMS:(i + 1) * DIMS],
                           official[f'blocks.1.attn.{part}.weight'])
        assert torch.equal(
            state['neck.layers.0.attn.qkv.bias'][i * DIMS:(i + 1) * DIMS],
            official[f'query_blocks.0.attn.{part}.bias'])
    assert torch.equal(model.backbone.pos_embed, official['pos_embed'])
    assert torch.equal(model.backbone.ln1.weight, official['norm.weight'])
    img = torch.randn(2, 3, 16, 16)
    noise = noise_for(model, 2, seed=4)
    with torch.no_grad():
        pred, _ = model.predict_patches(img, noise)
        ours = model.head.loss(pred, img)
        ref = _official_loss(official, img, noise)
    assert abs(ours.item() - ref.item()) < 1e-5, (ours, ref)


def test_backbone_target_loads_into_plain_vit_and_drops_the_decoder():
    state, _ = convert_saim(_official_pretrain(), 'backbone')
    assert all(k.startswith('backbone.') for k in state)
    vit = _vit(out_type='cls_token')
    vit.load_state_dict({k[len('backbone.'):]: v for k, v in state.items()},
                        strict=True)


def test_finetuned_classifier_loads_strictly():
    shapes = official_shapes(DIMS, DEPTH, 0, blocks=('blocks', ),
                             prediction_head=None)
    shapes.update({'head.weight': (10, DIMS), 'head.bias': (10, )})
    state, target = convert_saim(random_official(shapes))
    assert target == 'classifier'
    clf = MODELS.build(
        dict(type='ImageClassifier',
             backbone=dict(type='VisionTransformer', arch=dict(
                 embed_dims=DIMS, num_layers=DEPTH, num_heads=HEADS,
                 feedforward_channels=4 * DIMS), img_size=16, patch_size=PATCH,
                 out_type='cls_token', final_norm=True),
             head=dict(type='LinearClsHead', num_classes=10,
                       in_channels=DIMS)))
    clf.load_state_dict(state, strict=True)


def test_global_pool_and_linear_probe_checkpoints_load_strictly():
    shapes = official_shapes(DIMS, DEPTH, 0, blocks=('blocks', ),
                             prediction_head=None)
    del shapes['norm.weight'], shapes['norm.bias']
    shapes.update({'fc_norm.weight': (DIMS, ), 'fc_norm.bias': (DIMS, )})
    state, _ = convert_saim(random_official(shapes), 'backbone')
    _vit(out_type='avg_featmap', final_norm=False).load_state_dict(
        {k[len('backbone.'):]: v for k, v in state.items()}, strict=True)

    shapes = official_shapes(DIMS, DEPTH, 0, blocks=('blocks', ),
                             prediction_head=None)
    shapes.update({
        'head.0.running_mean': (DIMS, ), 'head.0.running_var': (DIMS, ),
        'head.0.num_batches_tracked': (), 'head.1.weight': (10, DIMS),
        'head.1.bias': (10, )})
    state, _ = convert_saim(random_official(shapes))
    probe = MODELS.build(
        dict(type='ImageClassifier',
             backbone=dict(type='VisionTransformer', arch=dict(
                 embed_dims=DIMS, num_layers=DEPTH, num_heads=HEADS,
                 feedforward_channels=4 * DIMS), img_size=16, patch_size=PATCH,
                 out_type='cls_token', final_norm=True, frozen_stages=DEPTH),
             neck=dict(type='ClsBatchNormNeck', input_features=DIMS),
             head=dict(type='VisionTransformerClsHead', num_classes=10,
                       in_channels=DIMS)))
    probe.load_state_dict(state, strict=True)


def test_shared_and_linear_prediction_heads():
    official = _official_pretrain(prediction_head='LINEAR')
    for key in list(official):
        if key.startswith('query_blocks.'):
            official[key] = official['blocks.' + key[len('query_blocks.'):]]
    state, _ = convert_saim(official)
    assert not any(k.startswith('neck.') for k in state)
    model = tiny_saim(depth=DEPTH, query_depth=DEPTH, mlp_ratio=4,
                      share_weights=True, predictor='linear')
    model.load_state_dict(state, strict=True)


def test_mismatches_fail_loudly():
    official = _official_pretrain()
    del official['blocks.1.attn.k.bias']
    with pytest.raises(ConversionError, match=r'blocks\.1\.attn\.k\.bias'):
        convert_saim(official)
    official = _official_pretrain()
    official['decoder_embed.weight'] = torch.zeros(1)
    with pytest.raises(ConversionError, match='unknown keys'):
        convert_saim(official)
    state, _ = convert_saim(_official_pretrain())
    wider = tiny_saim(depth=DEPTH, query_depth=DEPTH, mlp_ratio=2)
    with pytest.raises(RuntimeError, match='size mismatch'):
        wider.load_state_dict(state, strict=True)
    with pytest.raises(ConversionError, match='target="pretrain"'):
        convert_saim(random_official(official_shapes(
            DIMS, DEPTH, 0, blocks=('blocks', ), prediction_head=None)),
            'pretrain')


def _tool():
    return load_tool('model_converters/saim2mmvrl')


class _Untrusted:
    pass


def test_cli_reads_official_files_without_unpickling_code(tmp_path):
    src, dst = tmp_path / 'official.pth', tmp_path / 'ours.pth'
    torch.save(dict(model=_official_pretrain(), epoch=799,
                    args=argparse.Namespace(model='saim_base', blr=2e-4)), src)
    _tool().main([str(src), str(dst), '--target', 'backbone'])
    saved = torch.load(dst, map_location='cpu', weights_only=True)
    assert saved['meta']['target'] == 'backbone'
    _vit(out_type='cls_token').load_state_dict(
        {k[len('backbone.'):]: v for k, v in saved['state_dict'].items()},
        strict=True)
    bad = tmp_path / 'bad.pth'
    torch.save(dict(model=_official_pretrain(), extra=_Untrusted()), bad)
    with pytest.raises(SystemExit, match='not unpickled'):
        _tool().main([str(bad), str(dst)])
    with pytest.raises(SystemExit, match='does not exist'):
        _tool().main([str(tmp_path / 'missing.pth'), str(dst)])
