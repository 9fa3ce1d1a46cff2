"""A synthetic state dict with the official DPT key names and shapes, and an
independent functional forward pass over it (the official math, written from the
spec, with a hand-written bilinear sampler instead of ``grid_sample``)."""
from collections import OrderedDict

import torch
import torch.nn.functional as F

TINY = dict(
    embed_dims=[64, 128, 320, 512],
    depths=[2, 2, 2, 2],
    num_heads=[1, 2, 5, 8],
    mlp_ratios=[8, 8, 4, 4],
    sr_ratios=[8, 4, 2, 1])
MINI = dict(
    embed_dims=[8, 16, 24, 32],
    depths=[1, 2, 1, 1],
    num_heads=[1, 2, 2, 4],
    mlp_ratios=[2, 2, 2, 2],
    sr_ratios=[8, 4, 2, 1])


def official_state_dict(arch, img_size=224, num_classes=1000, k=3, seed=0,
                        offset_std=0.0):
    """Random tensors under the official classification checkpoint's keys."""
    gen = torch.Generator().manual_seed(seed)

    def rnd(*shape, std=0.2):
        return torch.randn(*shape, generator=gen) * std

    dims = arch['embed_dims']
    sd = OrderedDict()
    sd['cls_token'] = rnd(1, 1, dims[-1])
    for s in range(4):
        c_out = dims[s]
        grid = img_size // (4 * 2**s)
        rows = grid * grid + (1 if s == 3 else 0)
        sd[f'pos_embed{s + 1}'] = rnd(1, rows, c_out)
    sd['patch_embed1.proj.weight'] = rnd(dims[0], 3, 4, 4)
    sd['patch_embed1.proj.bias'] = rnd(dims[0])
    sd['patch_embed1.norm.weight'] = 1 + rnd(dims[0])
    sd['patch_embed1.norm.bias'] = rnd(dims[0])
    for s in range(1, 4):
        c_in, d = dims[s - 1], dims[s]
        p = f'patch_embed{s + 1}.'
        grid = img_size // (4 * 2**s)
        sd[p + 'patch_embed.proj.weight'] = rnd(d, c_in, 2, 2)
        sd[p + 'patch_embed.proj.bias'] = rnd(d)
        sd[p + 'patch_embed.norm.weight'] = 1 + rnd(d)
        sd[p + 'patch_embed.norm.bias'] = rnd(d)
        sd[p + 'offset_predictor.weight'] = rnd(4, d, std=offset_std)
        sd[p + 'box_coder.wh_bias'] = torch.full((2, ), 0.2554128) + rnd(
            2, std=offset_std)
        sd[p + 'box_coder.anchor'] = torch.rand(grid * grid, 2, generator=gen)
        sd[p + 'value_spatial_shapes'] = torch.tensor([[grid * 2, grid * 2]])
        sd[p + 'value_level_start_index'] = torch.tensor([0])
        sd[p + 'output_proj.weight'] = rnd(d, k * k * c_in)
        sd[p + 'output_proj.bias'] = rnd(d)
        sd[p + 'norm.weight'] = 1 + rnd(d)
        sd[p + 'norm.bias'] = rnd(d)
    for s in range(4):
        c = dims[s]
        hidden = arch['mlp_ratios'][s] * c
        sr = arch['sr_ratios'][s]
        for j in range(arch['depths'][s]):
            p = f'block{s + 1}.{j}.'
            sd[p + 'norm1.weight'] = 1 + rnd(c)
            sd[p + 'norm1.bias'] = rnd(c)
            sd[p + 'attn.q.weight'] = rnd(c, c)
            sd[p + 'attn.q.bias'] = rnd(c)
            sd[p + 'attn.kv.weight'] = rnd(2 * c, c)
            sd[p + 'attn.kv.bias'] = rnd(2 * c)
            sd[p + 'attn.proj.weight'] = rnd(c, c)
            sd[p + 'attn.proj.bias'] = rnd(c)
            if sr > 1:
                sd[p + 'attn.sr.weight'] = rnd(c, c, sr, sr, std=0.05)
                sd[p + 'attn.sr.bias'] = rnd(c)
                sd[p + 'attn.norm.weight'] = 1 + rnd(c)
                sd[p + 'attn.norm.bias'] = rnd(c)
            sd[p + 'norm2.weight'] = 1 + rnd(c)
            sd[p + 'norm2.bias'] = rnd(c)
            sd[p + 'mlp.fc1.weight'] = rnd(hidden, c)
            sd[p + 'mlp.fc1.bias'] = rnd(hidden)
            sd[p + 'mlp.fc2.weight'] = rnd(c, hidden)
            sd[p + 'mlp.fc2.bias'] = rnd(c)
    sd['norm.weight'] = 1 + rnd(dims[-1])
    sd['norm.bias'] = rnd(dims[-1])
    sd['head.weight'] = rnd(num_classes, dims[-1])
    sd['head.bias'] = rnd(num_classes)
    return sd


def _ln(x, sd, prefix, eps):
    return F.layer_norm(x, x.shape[-1:], sd[prefix + '.weight'],
                        sd[prefix + '.bias'], eps)


def _bilinear(img, px, py):
    """img (C, H, W); px, py pixel coords (any shape); zeros outside."""
    c, h, w = img.shape
    x0, y0 = px.floor(), py.floor()
    out = 0
    for dx in (0, 1):
        for dy in (0, 1):
            xi, yi = x0 + dx, y0 + dy
            wgt = (1 - (px - xi).abs()) * (1 - (py - yi).abs())
            valid = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
            xi_c = xi.clamp(0, w - 1).long()
            yi_c = yi.clamp(0, h - 1).long()
            vals = img[:, yi_c, xi_c]
            out = out + vals * (wgt * valid)
    return out  # (C, *shape)


def _depatch(x, sd, p, k=3):
    b, c, h, w = x.shape
    feat = F.conv2d(x, sd[p + 'patch_embed.proj.weight'],
                    sd[p + 'patch_embed.proj.bias'], stride=2)
    hp, wp = feat.shape[2:]
    feat = _ln(feat.flatten(2).transpose(1, 2), sd, p + 'patch_embed.norm',
               1e-5)
    t = F.gelu(feat) @ sd[p + 'offset_predictor.weight'].t()
    t = t.clone()
    t[..., 2] += sd[p + 'box_coder.wh_bias'][0]
    t[..., 3] += sd[p + 'box_coder.wh_bias'][1]
    rr, cc = torch.meshgrid(
        torch.arange(hp, dtype=x.dtype), torch.arange(wp, dtype=x.dtype),
        indexing='ij')
    ax = ((cc + 0.5) / wp).reshape(-1)
    ay = ((rr + 0.5) / hp).reshape(-1)
    cx = ax + torch.tanh(t[..., 0]) / wp
    cy = ay + torch.tanh(t[..., 1]) / hp
    hw = torch.relu(torch.tanh(t[..., 2])) / wp
    hh = torch.relu(torch.tanh(t[..., 3])) / hp
    x1, x2 = (cx - hw).clamp(0, 1), (cx + hw).clamp(0, 1)
    y1, y2 = (cy - hh).clamp(0, 1), (cy + hh).clamp(0, 1)
    tokens = []
    for bi in range(b):
        feats = []
        for i in range(k):
            for j in range(k):
                xs = x1[bi] + (x2[bi] - x1[bi]) * i / (k - 1)
                ys = y1[bi] + (y2[bi] - y1[bi]) * j / (k - 1)
                feats.append(_bilinear(x[bi], xs * w - 0.5, ys * h - 0.5).t())
        tokens.append(torch.cat(feats, dim=-1))
    v = torch.stack(tokens)
    out = v @ sd[p + 'output_proj.weight'].t() + sd[p + 'output_proj.bias']
    return _ln(out, sd, p + 'norm', 1e-5), (hp, wp)


def _block(x, sd, p, heads, sr, hw):
    b, n, c = x.shape
    y = _ln(x, sd, p + 'norm1', 1e-6)
    q = y @ sd[p + 'attn.q.weight'].t() + sd[p + 'attn.q.bias']
    if sr > 1:
        m = y.transpose(1, 2).reshape(b, c, *hw)
        m = F.conv2d(m, sd[p + 'attn.sr.weight'], sd[p + 'attn.sr.bias'],
                     stride=sr).flatten(2).transpose(1, 2)
        kv_in = _ln(m, sd, p + 'attn.norm', 1e-5)
    else:
        kv_in = y
    kv = kv_in @ sd[p + 'attn.kv.weight'].t() + sd[p + 'attn.kv.bias']
    d = c // heads
    q = q.reshape(b, n, heads, d).transpose(1, 2)
    kv = kv.reshape(b, -1, 2, heads, d).permute(2, 0, 3, 1, 4)
    attn = (q @ kv[0].transpose(-2, -1)) * d**-0.5
    out = (attn.softmax(-1) @ kv[1]).transpose(1, 2).reshape(b, n, c)
    x = x + out @ sd[p + 'attn.proj.weight'].t() + sd[p + 'attn.proj.bias']
    y = _ln(x, sd, p + 'norm2', 1e-6)
    y = F.gelu(y @ sd[p + 'mlp.fc1.weight'].t() + sd[p + 'mlp.fc1.bias'])
    return x + y @ sd[p + 'mlp.fc2.weight'].t() + sd[p + 'mlp.fc2.bias']


def _pos(sd, s, hw, dense):
    pos = sd[f'pos_embed{s + 1}']
    if s == 3:
        pos = pos[:, 1:]
    side = int(round(pos.shape[1]**0.5))
    if not dense:
        return pos
    grid = pos.reshape(1, side, side, -1).permute(0, 3, 1, 2)
    grid = F.interpolate(grid, size=hw, mode='bilinear', align_corners=False)
    return grid.flatten(2).transpose(1, 2)


def official_forward(sd, x, arch, dense=True):
    """Dense: the 4 NCHW stage maps. Classification: logits (input = stored size)."""
    outs = []
    b = x.shape[0]
    for s in range(4):
        if s == 0:
            t = F.conv2d(x, sd['patch_embed1.proj.weight'],
                         sd['patch_embed1.proj.bias'], stride=4)
            hw = tuple(t.shape[2:])
            t = _ln(t.flatten(2).transpose(1, 2), sd, 'patch_embed1.norm', 1e-5)
        else:
            t, hw = _depatch(x, sd, f'patch_embed{s + 1}.')
        if s == 3 and not dense:
            t = torch.cat([sd['cls_token'].expand(b, -1, -1), t], dim=1)
            t = t + sd['pos_embed4']
        else:
            t = t + _pos(sd, s, hw, dense)
        for j in range(arch['depths'][s]):
            t = _block(t, sd, f'block{s + 1}.{j}.', arch['num_heads'][s],
                       arch['sr_ratios'][s], hw)
        if s == 3 and not dense:
            t = _ln(t, sd, 'norm', 1e-6)
            return t[:, 0] @ sd['head.weight'].t() + sd['head.bias']
        x = t.transpose(1, 2).reshape(b, -1, *hw)
        outs.append(x)
    return outs
