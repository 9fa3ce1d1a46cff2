"""tools/model_converters/pass2mmvrl.py from the official PASS key names and shapes
(spec (g) and d: ``PASS/vision_transformer.py``, ``main_pass.py`` checkpoints,
``PASS_transreid`` fine-tuned models), loaded strictly into our models."""
import argparse
import os.path as osp

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import Config

from tests.utils import REPO_ROOT, build_model, load_tool

CFG = osp.join(REPO_ROOT, 'configs', 'pass')
MARKET = 'pass-reid_vit-small-p16_1xb64-amp-120e_market1501-{}.py'
PRETRAIN = 'pass_vit-small-p16_8xb128-amp-coslr-100e_luperson.py'
conv = load_tool('model_converters/pass2mmvrl')


def official_vit(dim, depth, grid, patch, gen):
    """Official ``VisionTransformer`` state dict (vit_small: dim 384, depth 12)."""
    r = lambda *s: torch.randn(*s, generator=gen) * 0.02  # noqa: E731
    sd = {'cls_token': r(1, 1, dim), 'cls_pos': r(1, 1, dim),
          'pos_embed': r(1, grid[0] * grid[1], dim),
          'patch_embed.proj.weight': r(dim, 3, patch, patch),
          'patch_embed.proj.bias': r(dim)}
    for k in (1, 2, 3):
        sd[f'part_token{k}'] = r(1, 1, dim)
        sd[f'part{k}_pos'] = r(1, 1, dim)
    for i in range(depth):
        p = f'blocks.{i}.'
        sd.update({
            p + 'norm1.weight': 1 + r(dim), p + 'norm1.bias': r(dim),
            p + 'attn.qkv.weight': r(3 * dim, dim), p + 'attn.qkv.bias': r(3 * dim),
            p + 'attn.proj.weight': r(dim, dim), p + 'attn.proj.bias': r(dim),
            p + 'norm2.weight': 1 + r(dim), p + 'norm2.bias': r(dim),
            p + 'mlp.fc1.weight': r(4 * dim, dim), p + 'mlp.fc1.bias': r(4 * dim),
            p + 'mlp.fc2.weight': r(dim, 4 * dim), p + 'mlp.fc2.bias': r(dim)})
    sd['norm.weight'], sd['norm.bias'] = 1 + r(dim), r(dim)
    return sd


def official_head(dim, k, hidden, bottleneck, gen):
    """Official 4-branch ``DINOHead`` (weight-normalised prototypes)."""
    sd = {}
    for b in ('cls', 'pt1', 'pt2', 'pt3'):
        for j, (o, i) in enumerate([(hidden, dim), (hidden, hidden),
                                    (bottleneck, hidden)]):
            sd[f'mlp_{b}.{2 * j}.weight'] = torch.randn(o, i, generator=gen) * .02
            sd[f'mlp_{b}.{2 * j}.bias'] = torch.zeros(o)
        sd[f'last_layer_{b}.weight_g'] = torch.ones(k, 1)
        sd[f'last_layer_{b}.weight_v'] = torch.randn(k, bottleneck, generator=gen)
    return sd


def reference_forward(sd, x, depth, heads, patch):
    """The official ``VisionTransformer.forward(x, None)`` written on its key names
    (fine-tuning position embedding: added raw)."""
    B = x.shape[0]
    x = F.conv2d(x, sd['patch_embed.proj.weight'], sd['patch_embed.proj.bias'],
                 stride=patch).flatten(2).transpose(1, 2)
    extra = [sd['cls_token']] + [sd[f'part_token{k}'] for k in (1, 2, 3)]
    x = torch.cat([t.expand(B, -1, -1) for t in extra] + [x], 1)
    x = x + torch.cat([sd['cls_pos']] + [sd[f'part{k}_pos'] for k in (1, 2, 3)] +
                      [sd['pos_embed']], 1)
    dim = x.shape[-1]
    for i in range(depth):
        p = f'blocks.{i}.'
        ln = lambda t, n: F.layer_norm(t, (dim, ), sd[p + n + '.weight'],  # noqa
                                       sd[p + n + '.bias'], 1e-6)
        qkv = F.linear(ln(x, 'norm1'), sd[p + 'attn.qkv.weight'],
                       sd[p + 'attn.qkv.bias'])
        q, k, v = qkv.reshape(B, -1, 3, heads, dim // heads).permute(2, 0, 3, 1, 4)
        attn = ((q @ k.transpose(-2, -1)) * (dim // heads)**-0.5).softmax(-1)
        y = (attn @ v).transpose(1, 2).reshape(B, -1, dim)
        x = x + F.linear(y, sd[p + 'attn.proj.weight'], sd[p + 'attn.proj.bias'])
        h = F.gelu(F.linear(ln(x, 'norm2'), sd[p + 'mlp.fc1.weight'],
                            sd[p + 'mlp.fc1.bias']))
        x = x + F.linear(h, sd[p + 'mlp.fc2.weight'], sd[p + 'mlp.fc2.bias'])
    x = F.layer_norm(x, (dim, ), sd['norm.weight'], sd['norm.bias'], 1e-6)
    return [x[:, i] for i in range(4)]


def _strip(state, prefix):
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


def test_released_backbone_loads_strictly_and_matches_official_forward():
    gen = torch.Generator().manual_seed(0)
    official = official_vit(384, 12, (16, 8), 16, gen)
    state, layout = conv.convert(official)
    assert layout == 'backbone' and len(state) == len(official)
    model = build_model(Config.fromfile(osp.join(CFG, MARKET.format('256x128'))))
    model.backbone.load_state_dict(_strip(state, 'backbone.'), strict=True)
    model.eval()
    x = torch.randn(1, 3, 256, 128, generator=gen)
    with torch.no_grad():
        ours = model.backbone(x)
        ref = reference_forward(official, x, 12, 6, 16)
    for a, b in zip(ours, ref):
        assert torch.allclose(a, b, atol=1e-4), (a - b).abs().max()
    # 384x128 fine-tuning: official bilinear resize with hw_ratio 2 (16x8 -> 24x8)
    tall = build_model(Config.fromfile(osp.join(CFG, MARKET.format('384x128'))))
    tall.backbone.load_state_dict(_strip(state, 'backbone.'), strict=True)
    expect = F.interpolate(
        official['pos_embed'].reshape(1, 16, 8, 384).permute(0, 3, 1, 2),
        size=(24, 8), mode='bilinear', align_corners=False)
    assert torch.allclose(tall.backbone.pos_embed,
                          expect.permute(0, 2, 3, 1).reshape(1, 192, 384))


def test_pretraining_checkpoint_teacher_and_student(tmp_path):
    cfg = Config.fromfile(osp.join(CFG, 'tiny', PRETRAIN))
    gen = torch.Generator().manual_seed(1)
    net = lambda prefix: {  # noqa: E731
        **{f'{prefix}backbone.{k}': v
           for k, v in official_vit(48, 2, (8, 4), 8, gen).items()},
        **{f'{prefix}head.{k}': v
           for k, v in official_head(48, 64, 64, 32, gen).items()}}
    ckpt = dict(student=net('module.'), teacher=net(''), epoch=3,
                args=argparse.Namespace(arch='vit_small', out_dim=64),
                optimizer={})
    path = tmp_path / 'checkpoint.pth'
    torch.save(ckpt, path)
    model = build_model(cfg)
    target = nn.ModuleDict(dict(backbone=model.backbone, neck=model.neck))
    for which in ('teacher', 'student'):
        out = tmp_path / f'{which}.pth'
        conv.main([str(path), str(out), '--model', which])
        state = torch.load(out, weights_only=True)['state_dict']
        target.load_state_dict(state, strict=True)
        src = ckpt[which]
        pre = 'module.' if which == 'student' else ''
        v = src[pre + 'head.last_layer_pt2.weight_v']
        g = src[pre + 'head.last_layer_pt2.weight_g']
        assert torch.allclose(model.neck.heads[2].last_layer.weight,
                              g * v / v.norm(dim=1, keepdim=True), atol=1e-6)
        assert torch.equal(model.backbone.layers[1].ffn.layers[1].weight,
                           src[pre + 'backbone.blocks.1.mlp.fc2.weight'])


def test_finetuned_transreid_checkpoint_loads_into_reid_model():
    gen = torch.Generator().manual_seed(2)
    official = {f'base.{k}': v
                for k, v in official_vit(384, 12, (16, 8), 16, gen).items()}
    official['base.fc.weight'] = torch.randn(1000, 384, generator=gen)
    official['base.fc.bias'] = torch.zeros(1000)
    for name in ('bottleneck', 'bottleneck_1', 'bottleneck_2', 'bottleneck_3'):
        official.update({f'{name}.weight': torch.rand(384, generator=gen),
                         f'{name}.bias': torch.zeros(384),
                         f'{name}.running_mean': torch.randn(384, generator=gen),
                         f'{name}.running_var': torch.rand(384, generator=gen),
                         f'{name}.num_batches_tracked': torch.tensor(7)})
    official['classifier.weight'] = torch.randn(751, 768, generator=gen)
    state, layout = conv.convert(official)
    assert layout == 'finetuned' and not any('fc.' in k for k in state)
    model = build_model(Config.fromfile(osp.join(CFG, MARKET.format('256x128'))))
    model.load_state_dict(state, strict=True)
    assert torch.equal(model.neck.bnnecks[3].running_mean,
                       official['bottleneck_3.running_mean'])


def test_unknown_keys_and_shape_mismatch_fail_loudly():
    gen = torch.Generator().manual_seed(3)
    official = official_vit(48, 2, (8, 4), 8, gen)
    with pytest.raises(conv.ConversionError, match='relative_position'):
        conv.convert({**official, 'blocks.0.attn.relative_position': torch.ones(1)})
    with pytest.raises(conv.ConversionError, match='unknown layout'):
        conv.convert({'foo': torch.ones(1)})
    state, _ = conv.convert(official)
    model = build_model(Config.fromfile(osp.join(CFG, MARKET.format('256x128'))))
    with pytest.raises(RuntimeError, match='size mismatch|Missing key'):
        model.backbone.load_state_dict(_strip(state, 'backbone.'), strict=True)
