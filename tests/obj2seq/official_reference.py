"""The official Obj2Seq checkpoint layout and an independent forward pass over it.

``official_state_dict`` writes random tensors under the key names and shapes of the
official code (spec sections 4, 5, 7.6 and 9: prefixes ``input_proj.`` and
``transformer.``, one module shared under several names, the head's ``self_attn.qkv``,
512-d CLIP prompts with the ``convert_vector``/``vector_ln`` adapter, per-layer
refinement heads, torchvision ResNet names under ``backbone.0.body.``). The functions
below compute the official math of a decoder layer, the prompt indicator and the
sequence head directly on those official tensors, with a hand-written bilinear
sampler, so nothing of our modules or mmcv is reused.
"""
import math
from collections import OrderedDict

import torch
import torch.nn.functional as F

# the sizes of the small models that the converter tests build from the full configs
SMALL = dict(d=32, heads=8, levels=4, points=4, ffn=64, queries=5, base=8,
             prompt_dims=512, num_classes=80)


def _resnet50_keys(base):
    """(name, shape) of a torchvision ResNet-50 trunk of width ``base``."""
    keys = [('conv1.weight', (base, 3, 7, 7))]
    keys += [(f'bn1.{n}', (base, )) for n in
             ('weight', 'bias', 'running_mean', 'running_var')]
    inplanes = base
    for i, blocks in enumerate((3, 4, 6, 3)):
        planes = base * 2**i
        for j in range(blocks):
            p = f'layer{i + 1}.{j}.'
            chans = [(planes, inplanes, 1), (planes, planes, 3),
                     (planes * 4, planes, 1)]
            for k, (c_out, c_in, ks) in enumerate(chans):
                keys.append((p + f'conv{k + 1}.weight', (c_out, c_in, ks, ks)))
                keys += [(p + f'bn{k + 1}.{n}', (c_out, )) for n in
                         ('weight', 'bias', 'running_mean', 'running_var')]
            if j == 0:
                keys.append((p + 'downsample.0.weight',
                             (planes * 4, inplanes, 1, 1)))
                keys += [(p + f'downsample.1.{n}', (planes * 4, )) for n in
                         ('weight', 'bias', 'running_mean', 'running_var')]
            inplanes = planes * 4
    return keys


def official_state_dict(task='detection', refine=False, sizes=SMALL, seed=0):
    """Random tensors under the official keys.

    Args:
        task (str): ``'detection'`` (6 encoder layers, indicator with 2 blocks,
            4 decoder layers, 4 steps) or ``'pose'`` (no indicator, 6 decoder
            layers, 38 steps, linear classifier).
        refine (bool): one head per decoder layer (else one head shared by all
            layers, listed under every layer's name).
    """
    gen = torch.Generator().manual_seed(seed)
    s = sizes
    d, heads, levels, points, ffn = s['d'], s['heads'], s['levels'], \
        s['points'], s['ffn']

    def rnd(*shape, std=0.2, mean=0.):
        return mean + torch.randn(*shape, generator=gen) * std

    sd = OrderedDict()
    for name, shape in _resnet50_keys(s['base']):
        sd['backbone.0.body.' + name] = (
            rnd(*shape, std=0.1).abs() + 0.5 if name.endswith('running_var')
            else rnd(*shape, std=0.1))
    c3, c4, c5 = s['base'] * 8, s['base'] * 16, s['base'] * 32
    for lvl, c_in in enumerate((c3, c4, c5)):
        sd[f'input_proj.{lvl}.0.weight'] = rnd(d, c_in, 1, 1, std=0.05)
        sd[f'input_proj.{lvl}.0.bias'] = rnd(d)
        sd[f'input_proj.{lvl}.1.weight'] = rnd(d, mean=1.)
        sd[f'input_proj.{lvl}.1.bias'] = rnd(d)
    sd['input_proj.3.0.weight'] = rnd(d, c5, 3, 3, std=0.02)
    sd['input_proj.3.0.bias'] = rnd(d)
    sd['input_proj.3.1.weight'] = rnd(d, mean=1.)
    sd['input_proj.3.1.bias'] = rnd(d)

    def linear(prefix, c_out, c_in, std=0.2):
        sd[prefix + '.weight'] = rnd(c_out, c_in, std=std / math.sqrt(c_in) * 4)
        sd[prefix + '.bias'] = rnd(c_out, std=0.1)

    def norm(prefix):
        sd[prefix + '.weight'] = rnd(d, mean=1.)
        sd[prefix + '.bias'] = rnd(d, std=0.1)

    def msda(prefix, value_proj=True):
        linear(prefix + '.sampling_offsets', heads * levels * points * 2, d)
        linear(prefix + '.attention_weights', heads * levels * points, d)
        if value_proj:
            linear(prefix + '.value_proj', d, d)
        linear(prefix + '.output_proj', d, d)

    def mha(prefix):
        sd[prefix + '.in_proj_weight'] = rnd(3 * d, d, std=0.8 / math.sqrt(d))
        sd[prefix + '.in_proj_bias'] = rnd(3 * d, std=0.1)
        linear(prefix + '.out_proj', d, d)

    def ffn_keys(prefix):
        linear(prefix + '.ffn.linear1', ffn, d)
        linear(prefix + '.ffn.linear2', d, ffn)
        norm(prefix + '.ffn.norm2')

    t = 'transformer.'
    sd[t + 'level_embed'] = rnd(levels, d)
    for i in range(6):
        p = t + f'encoder.encoder_layers.{i}'
        msda(p + '.self_attn')
        norm(p + '.norm1')
        ffn_keys(p)

    pose = task == 'pose'
    if not pose:
        p = t + 'prompt_indicator.'
        sd[p + 'class_prompts'] = rnd(s['num_classes'], s['prompt_dims'],
                                      std=1.)
        linear(p + 'convert_vector', d, s['prompt_dims'])
        norm(p + 'vector_ln')
        for i in range(2):
            b = p + f'prompt_blocks.{i}'
            mha(b + '.cross_attn')
            norm(b + '.norm1')
            ffn_keys(b)
        shared = OrderedDict()
        for j in range(2):
            shared[f'feature_linear.{j}.weight'] = rnd(d, d, std=0.8 /
                                                      math.sqrt(d))
            shared[f'feature_linear.{j}.bias'] = rnd(d, std=0.1)
        shared['b'] = rnd(1, std=0.5)
        for i in range(2):
            for k, v in shared.items():
                sd[p + f'classifier_label.{i}.{k}'] = v

    o = t + 'object_decoder.'
    num_layers = 6 if pose else 4
    sd[o + 'position_patterns.weight'] = rnd(s['queries'], d, std=1.)
    sd[o + 'position.weight'] = rnd(s['queries'], d, std=1.)
    linear(o + 'reference_points', 2, d)
    for i in range(num_layers):
        p = o + f'object_decoder_layers.{i}'
        mha(p + '.self_attn')
        norm(p + '.norm2')
        msda(p + '.cross_attn')
        norm(p + '.norm1')
        ffn_keys(p)

    num_steps = 38 if pose else 4

    def head_tensors():
        h = OrderedDict()
        h['self_attn.qkv.weight'] = rnd(3 * d, d, std=0.8 / math.sqrt(d))
        h['self_attn.qkv.bias'] = rnd(3 * d, std=0.1)
        h['self_attn.proj.weight'] = rnd(d, d, std=0.8 / math.sqrt(d))
        h['self_attn.proj.bias'] = rnd(d, std=0.1)
        for n in ('norm1', 'norm2'):
            h[n + '.weight'] = rnd(d, mean=1.)
            h[n + '.bias'] = rnd(d, std=0.1)
        for n, rows in (('sampling_offsets', heads * levels * points * 2),
                        ('attention_weights', heads * levels * points),
                        ('output_proj', d)):
            h[f'cross_attn.{n}.weight'] = rnd(rows, d, std=0.8 / math.sqrt(d))
            h[f'cross_attn.{n}.bias'] = rnd(rows, std=0.1)
        for j in range(1 if pose else 2):
            h[f'classifier.feature_linear.{j}.weight'] = rnd(
                d, d, std=0.8 / math.sqrt(d))
            h[f'classifier.feature_linear.{j}.bias'] = rnd(d, std=0.1)
        if pose:
            h['classifier.W'] = rnd(d, std=1 / math.sqrt(d))
        h['classifier.b'] = rnd(1, std=0.5)
        for step in range(num_steps):
            h[f'output_embeds.{step}.layers.0.weight'] = rnd(1, d, std=0.3)
            h[f'output_embeds.{step}.layers.0.bias'] = rnd(1, std=0.3)
        h['pos_emb.weight'] = rnd(num_steps, d, std=0.3)
        return h

    shared_head = head_tensors()
    for i in range(num_layers):
        head = head_tensors() if refine else shared_head
        for k, v in head.items():
            sd[o + f'detect_head.{i}.{k}'] = v
    return sd


def _sub(sd, prefix):
    return {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}


def _lin(x, w, name):
    return F.linear(x, w[name + '.weight'], w[name + '.bias'])


def _ln(x, w, name):
    return F.layer_norm(x, x.shape[-1:], w[name + '.weight'], w[name + '.bias'],
                        eps=1e-5)


def _inverse_sigmoid(x, eps=1e-5):
    x = x.clamp(0, 1)
    return torch.log(x.clamp(min=eps) / (1 - x).clamp(min=eps))


def _bilinear(value, loc, h, w):
    """Sample value (B, C, h, w) at normalised loc (B, Q, P, 2) in [0, 1],
    pixel centres at (i + 0.5) / size, zeros outside. Returns (B, C, Q, P)."""
    x = loc[..., 0] * w - 0.5
    y = loc[..., 1] * h - 0.5
    x0, y0 = x.floor(), y.floor()
    out = 0.
    flat = value.flatten(2)
    for dx in (0, 1):
        for dy in (0, 1):
            xi, yi = x0 + dx, y0 + dy
            wt = (1 - (x - xi).abs()) * (1 - (y - yi).abs())
            inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
            idx = (yi.clamp(0, h - 1) * w + xi.clamp(0, w - 1)).long()
            b, q, p = idx.shape
            g = flat.gather(2, idx.view(b, 1, -1).expand(-1, flat.size(1), -1))
            out = out + g.view(b, -1, q, p) * (wt * inside)[:, None]
    return out


def deformable_attention(w, name, query, reference, value, shapes, heads,
                         points, value_proj=True, mask=None):
    """Official MSDeformAttn. query (S, Q, d); reference (S, Q, L, 2|4) already
    scaled by the valid ratios; value (S, HW, d). Returns the projected output
    (the caller adds the residual)."""
    s, q, d = query.shape
    levels = len(shapes)
    if value_proj:
        value = _lin(value, w, name + '.value_proj')
    if mask is not None:
        value = value.masked_fill(mask[..., None], 0.)
    value = value.view(s, -1, heads, d // heads)
    off = _lin(query, w, name + '.sampling_offsets').view(
        s, q, heads, levels, points, 2)
    attn = _lin(query, w, name + '.attention_weights').view(
        s, q, heads, levels * points).softmax(-1).view(
            s, q, heads, levels, points)
    if reference.size(-1) == 2:
        norm = torch.tensor([[wl, hl] for hl, wl in shapes], dtype=query.dtype)
        loc = reference[:, :, None, :, None, :] + \
            off / norm[None, None, None, :, None, :]
    else:
        loc = reference[:, :, None, :, None, :2] + \
            off / points * reference[:, :, None, :, None, 2:] * 0.5
    out = 0.
    start = 0
    for lvl, (hl, wl) in enumerate(shapes):
        v = value[:, start:start + hl * wl]  # (S, hw, H, dh)
        start += hl * wl
        v = v.permute(0, 2, 3, 1).reshape(s * heads, d // heads, hl, wl)
        l_loc = loc[:, :, :, lvl].permute(0, 2, 1, 3, 4).reshape(
            s * heads, q, points, 2)
        sampled = _bilinear(v, l_loc, hl, wl)  # (S*H, dh, Q, P)
        a = attn[:, :, :, lvl].permute(0, 2, 1, 3).reshape(s * heads, 1, q,
                                                           points)
        out = out + (sampled * a).sum(-1)
    out = out.view(s, heads, d // heads, q).permute(0, 3, 1, 2).reshape(s, q, d)
    return _lin(out, w, name + '.output_proj')


def _mha(w, name, query, key, value, heads, mask=None):
    """nn.MultiheadAttention math on the official in_proj/out_proj tensors."""
    d = query.size(-1)
    wq, wk, wv = w[name + '.in_proj_weight'].chunk(3)
    bq, bk, bv = w[name + '.in_proj_bias'].chunk(3)

    def split(x):
        return x.view(x.size(0), x.size(1), heads, d // heads).transpose(1, 2)

    q = split(F.linear(query, wq, bq)) * (d // heads)**-0.5
    k, v = split(F.linear(key, wk, bk)), split(F.linear(value, wv, bv))
    logits = q @ k.transpose(-1, -2)
    if mask is not None:
        logits = logits.masked_fill(mask[:, None, None], float('-inf'))
    out = (logits.softmax(-1) @ v).transpose(1, 2).reshape(query.shape)
    return F.linear(out, w[name + '.out_proj.weight'], w[name + '.out_proj.bias'])


def _ffn(w, x):
    y = _lin(F.relu(_lin(x, w, 'ffn.linear1')), w, 'ffn.linear2')
    return _ln(x + y, w, 'ffn.norm2')


def decoder_layer(sd, layer, query, reference, memory, shapes, valid_ratios,
                  heads, points):
    """One official object-decoder layer (post-norm): self-attention -> norm2,
    MSDA on the projected memory -> norm1, FFN. reference (S, N, 2)."""
    w = _sub(sd, f'transformer.object_decoder.object_decoder_layers.{layer}.')
    q = _ln(query + _mha(w, 'self_attn', query, query, query, heads), w,
            'norm2')
    ref = reference[:, :, None] * valid_ratios[:, None]
    q = _ln(q + deformable_attention(w, 'cross_attn', q, ref, memory, shapes,
                                     heads, points), w, 'norm1')
    return _ffn(w, q)


def indicator(sd, memory, heads):
    """Official PromptIndicator: returns (logits per block, last features)."""
    w = _sub(sd, 'transformer.prompt_indicator.')
    d = memory.size(-1)
    prompts = _ln(_lin(w['class_prompts'], w, 'convert_vector'), w, 'vector_ln')
    tokens = prompts[None].expand(memory.size(0), -1, -1)
    all_logits = []
    for i in range(2):
        b = _sub(w, f'prompt_blocks.{i}.')
        tokens = _ln(tokens + _mha(b, 'cross_attn', tokens, memory, memory,
                                   heads), b, 'norm1')
        tokens = _ffn(b, tokens)
        c = _sub(w, f'classifier_label.{i}.')
        x = F.relu(_lin(tokens, c, 'feature_linear.0'))
        x = _lin(x, c, 'feature_linear.1')
        all_logits.append((x * prompts[None] * d**-0.5).sum(-1) + c['b'])
    return all_logits, tokens


def sequence_head(sd, layer, feat, reference, memory, shapes, valid_ratios,
                  class_vector, presence_logits, heads, points, num_steps=4):
    """Official UnifiedSeqHead + DetPoseProcess (detection or pose).

    feat (S, N, d); reference (S, N, 2|4) NOT detached (decoding adds its
    logit); memory (S, HW, d) raw encoder output of each group's image;
    class_vector (S, d) or None (linear classifier); presence_logits (S,) or
    None. Returns (score logits (S, N), boxes (S, N, 4), keypoints or None).
    """
    w = _sub(sd, f'transformer.object_decoder.detect_head.{layer}.')
    s, n, d = feat.shape
    x = F.relu(_lin(feat, w, 'classifier.feature_linear.0')) \
        if 'classifier.feature_linear.1.weight' in w else \
        _lin(feat, w, 'classifier.feature_linear.0')
    if 'classifier.feature_linear.1.weight' in w:
        x = _lin(x, w, 'classifier.feature_linear.1')
    if class_vector is None:
        logits = (x * w['classifier.W']).sum(-1) + w['classifier.b']
    else:
        logits = (x * class_vector[:, None] * d**-0.5).sum(-1) + \
            w['classifier.b']
    if presence_logits is not None:
        logits = _inverse_sigmoid(logits.sigmoid() *
                                  presence_logits.sigmoid()[:, None])
    dh = d // heads
    keys, values, signals = [], [], []
    ref = reference
    ratios = valid_ratios if reference.size(-1) == 2 else \
        torch.cat([valid_ratios, valid_ratios], -1)
    for t in range(num_steps):
        feat = feat + w['pos_emb.weight'][t]
        q, k, v = _lin(feat, w, 'self_attn.qkv').view(s, n, 3, heads,
                                                      dh).unbind(2)
        keys.append(k)
        values.append(v)
        kk, vv = torch.stack(keys, 2), torch.stack(values, 2)  # S N T H dh
        a = (q[:, :, None] * kk).sum(-1) * dh**-0.5
        out = (a.softmax(2)[..., None] * vv).sum(2).reshape(s, n, d)
        u = _ln(feat + _lin(out, w, 'self_attn.proj'), w, 'norm2')
        sample_ref = ref.detach()[:, :, None] * ratios[:, None]
        out_feat = _ln(
            u + deformable_attention(w, 'cross_attn', u, sample_ref, memory,
                                     shapes, heads, points, value_proj=False),
            w, 'norm1')
        signal = _lin(out_feat, w, f'output_embeds.{t}.layers.0').squeeze(-1)
        signals.append(signal)
        feat = out_feat.detach()
        if t < 2:
            logit_ref = _inverse_sigmoid(ref).clone()
            logit_ref[:, :, t] = logit_ref[:, :, t] + signal
            ref = logit_ref.sigmoid()
    sig = torch.stack(signals, -1)
    box_logit = sig[..., :4].clone()
    box_logit[..., :reference.size(-1)] += _inverse_sigmoid(reference)
    boxes = box_logit.sigmoid()
    keypoints = None
    if num_steps > 4:
        delta = sig[..., 4:].view(s, n, -1, 2)
        keypoints = boxes[..., None, :2] + delta * boxes[..., None, 2:]
    return logits, boxes, keypoints


def _frozen_bn(x, w, name):
    """FrozenBatchNorm2d of the official backbone (eps 1e-5)."""
    scale = w[name + '.weight'] * (w[name + '.running_var'] + 1e-5).rsqrt()
    bias = w[name + '.bias'] - w[name + '.running_mean'] * scale
    return x * scale[None, :, None, None] + bias[None, :, None, None]


def backbone_and_projection(sd, images):
    """Official ResNet-50 (torchvision Bottleneck, stride on the 3x3 conv,
    FrozenBN) -> C3, C4, C5 -> input projections (conv with bias + GroupNorm(32))
    and the extra level (3x3 stride-2 conv on raw C5). Returns 4 maps."""
    w = _sub(sd, 'backbone.0.body.')
    x = F.conv2d(images, w['conv1.weight'], stride=2, padding=3)
    x = F.max_pool2d(F.relu(_frozen_bn(x, w, 'bn1')), 3, 2, 1)
    feats = []
    for i, blocks in enumerate((3, 4, 6, 3)):
        for j in range(blocks):
            p = f'layer{i + 1}.{j}.'
            stride = 2 if (i > 0 and j == 0) else 1
            out = F.relu(_frozen_bn(F.conv2d(x, w[p + 'conv1.weight']), w,
                                    p + 'bn1'))
            out = F.relu(_frozen_bn(
                F.conv2d(out, w[p + 'conv2.weight'], stride=stride, padding=1),
                w, p + 'bn2'))
            out = _frozen_bn(F.conv2d(out, w[p + 'conv3.weight']), w, p + 'bn3')
            if j == 0:
                x = _frozen_bn(F.conv2d(x, w[p + 'downsample.0.weight'],
                                        stride=stride), w, p + 'downsample.1')
            x = F.relu(out + x)
        feats.append(x)

    def project(lvl, feat, **conv):
        y = F.conv2d(feat, sd[f'input_proj.{lvl}.0.weight'],
                     sd[f'input_proj.{lvl}.0.bias'], **conv)
        return F.group_norm(y, 32, sd[f'input_proj.{lvl}.1.weight'],
                            sd[f'input_proj.{lvl}.1.bias'])

    outs = [project(lvl, f) for lvl, f in enumerate(feats[1:])]
    outs.append(project(3, feats[-1], stride=2, padding=1))
    return outs


def encoder_layer(sd, layer, src, pos, reference, shapes, heads, points):
    """One official deformable encoder layer: MSDA(src + pos) on the projected
    src -> norm1, FFN. reference (B, HW, L, 2) already scaled."""
    w = _sub(sd, f'transformer.encoder.encoder_layers.{layer}.')
    out = deformable_attention(w, 'self_attn', src + pos, reference, src,
                               shapes, heads, points)
    return _ffn(w, _ln(src + out, w, 'norm1'))
