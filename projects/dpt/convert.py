"""Key mapping between the official DPT checkpoints and :class:`DeformablePatchTransformer`.

Official layout (classification ``dpt.py`` and the mmdet-2.x detection copy)::

    patch_embed1.{proj,norm}.*                      stage-1 conv patch embedding
    patch_embed{2,3,4}.patch_embed.{proj,norm}.*    DePatch feature branch
    patch_embed{2,3,4}.offset_predictor.weight      DePatch predictor W_p (4 x D)
    patch_embed{2,3,4}.box_coder.wh_bias            DePatch size bias b
    patch_embed{2,3,4}.box_coder.anchor, .value_spatial_shapes,
    .value_level_start_index                        buffers (dropped)
    patch_embed{2,3,4}.{output_proj,norm}.*         DePatch W_o, b_o and LN
    pos_embed{1..4}                                 (1, L, C); pos_embed4 has 1 + 49 rows
    block{s}.{j}.{norm1,norm2}.*, .attn.{q,kv,proj,sr,norm}.*, .mlp.{fc1,fc2}.*
    cls_token, norm.*, head.*                       classification only

Ours: ``patch_embeds.{i}``, ``pos_embeds.{i}.pos_embed``, ``stages.{i}.{j}`` (mmdet's
``PVTEncoderLayer``: q and kv concatenated into ``attn.attn.in_proj_*``, ``proj`` ->
``attn.attn.out_proj``, MLP Linear -> 1x1 conv ``ffn.layers.{0,3}``), ``cls_token``,
``cls_pos_embed`` (row 0 of ``pos_embed4``), ``norm``.
"""
import math
import re
from collections import OrderedDict

import torch

_DROPPED_BUFFERS = ('box_coder.anchor', 'value_spatial_shapes',
                    'value_level_start_index')


def _is_square(n):
    return n > 0 and math.isqrt(n)**2 == n


def _has_cls_row(num_tokens):
    """A stored grid of 1 + s*s entries carries the cls token's position first."""
    return not _is_square(num_tokens) and _is_square(num_tokens - 1)


def is_official_dpt_state_dict(state_dict):
    """Whether ``state_dict`` (backbone keys, no prefix) has the official key names."""
    return 'patch_embed1.proj.weight' in state_dict


def _convert_patch_embed(stage, rest):
    if stage == 1:
        return f'patch_embeds.0.{rest.replace("proj.", "projection.", 1)}'
    if rest.startswith('patch_embed.'):
        rest = 'offset_embed.' + rest[len('patch_embed.'):].replace(
            'proj.', 'projection.', 1)
    elif rest == 'box_coder.wh_bias':
        rest = 'wh_bias'
    return f'patch_embeds.{stage - 1}.{rest}'


def _convert_block(stage, index, rest, value, state_dict, prefix):
    base = f'stages.{stage - 1}.{index}.'
    if rest.startswith('attn.q.'):
        kv = state_dict[f'{prefix}attn.kv.{rest[len("attn.q."):]}']
        return base + 'attn.attn.in_proj_' + rest[len('attn.q.'):], torch.cat(
            [value, kv], dim=0)
    if rest.startswith('attn.kv.'):
        return None, None
    if rest.startswith('attn.proj.'):
        return base + 'attn.attn.out_proj.' + rest[len('attn.proj.'):], value
    if rest.startswith('mlp.fc1.') or rest.startswith('mlp.fc2.'):
        layer = '0' if rest.startswith('mlp.fc1.') else '3'
        if rest.endswith('weight'):
            value = value.reshape(*value.shape, 1, 1)
        return base + f'ffn.layers.{layer}.' + rest[len('mlp.fc1.'):], value
    return base + rest, value


def convert_official_dpt(state_dict, with_cls_token=False):
    """Convert an official DPT state dict (backbone keys only) to ours.

    Args:
        state_dict (Mapping[str, Tensor]): Official keys without a ``backbone.``
            prefix (the classification checkpoint's ``model`` dict, or a detection
            checkpoint's backbone part with the prefix stripped).
        with_cls_token (bool): Keep ``cls_token``, row 0 of ``pos_embed4`` (as
            ``cls_pos_embed``) and the final ``norm`` for a classification backbone.
            When False they are dropped, as the official dense-prediction code does.

    Returns:
        dict: ``backbone`` (OrderedDict in our layout) and ``head`` (OrderedDict with
        ``weight``/``bias`` of the official classifier, empty when absent).
    """
    if not is_official_dpt_state_dict(state_dict):
        raise KeyError(
            'This is not an official DPT state dict (no "patch_embed1.proj.'
            'weight"); strip any "backbone." / "module." prefix first.')
    backbone, head = OrderedDict(), OrderedDict()
    for key, value in state_dict.items():
        if key.endswith(_DROPPED_BUFFERS):
            continue
        match = re.match(r'patch_embed(\d)\.(.+)', key)
        if match:
            backbone[_convert_patch_embed(int(match[1]), match[2])] = value
            continue
        match = re.match(r'pos_embed(\d)$', key)
        if match:
            stage = int(match[1])
            if _has_cls_row(value.shape[1]):
                if with_cls_token:
                    backbone['cls_pos_embed'] = value[:, :1]
                value = value[:, 1:]
            backbone[f'pos_embeds.{stage - 1}.pos_embed'] = value
            continue
        match = re.match(r'block(\d)\.(\d+)\.(.+)', key)
        if match:
            stage, index, rest = int(match[1]), int(match[2]), match[3]
            prefix = f'block{stage}.{index}.'
            new_key, new_value = _convert_block(stage, index, rest, value,
                                                state_dict, prefix)
            if new_key is not None:
                backbone[new_key] = new_value
            continue
        if key.startswith('head.'):
            head[key[len('head.'):]] = value
            continue
        if key == 'cls_token' or key.startswith('norm.'):
            if with_cls_token:
                backbone[key] = value
            continue
        raise KeyError(f'Unexpected key {key!r} in the official DPT state '
                       'dict; it has no counterpart in our layout.')
    return dict(backbone=backbone, head=head)


def convert_dpt_to_official(state_dict, head=None):
    """Inverse of :func:`convert_official_dpt` (buffers are not recreated).

    Args:
        state_dict (Mapping[str, Tensor]): Our backbone keys.
        head (Mapping[str, Tensor], optional): Classifier ``weight``/``bias``.

    Returns:
        OrderedDict: Official key names.
    """
    out = OrderedDict()
    cls_pos = state_dict.get('cls_pos_embed')
    for key, value in state_dict.items():
        match = re.match(r'patch_embeds\.(\d)\.(.+)', key)
        if match:
            stage, rest = int(match[1]) + 1, match[2]
            if stage == 1:
                rest = rest.replace('projection.', 'proj.', 1)
            elif rest.startswith('offset_embed.'):
                rest = 'patch_embed.' + rest[len('offset_embed.'):].replace(
                    'projection.', 'proj.', 1)
            elif rest == 'wh_bias':
                rest = 'box_coder.wh_bias'
            out[f'patch_embed{stage}.{rest}'] = value
            continue
        match = re.match(r'pos_embeds\.(\d)\.pos_embed$', key)
        if match:
            stage = int(match[1]) + 1
            if cls_pos is not None and stage == 4:
                value = torch.cat([cls_pos, value], dim=1)
            out[f'pos_embed{stage}'] = value
            continue
        match = re.match(r'stages\.(\d)\.(\d+)\.(.+)', key)
        if match:
            base = f'block{int(match[1]) + 1}.{match[2]}.'
            rest = match[3]
            if rest.startswith('attn.attn.in_proj_'):
                suffix = rest[len('attn.attn.in_proj_'):]
                dims = value.shape[0] // 3
                out[base + f'attn.q.{suffix}'] = value[:dims]
                out[base + f'attn.kv.{suffix}'] = value[dims:]
            elif rest.startswith('attn.attn.out_proj.'):
                out[base + 'attn.proj.' +
                    rest[len('attn.attn.out_proj.'):]] = value
            elif rest.startswith('ffn.layers.'):
                layer, suffix = rest[len('ffn.layers.'):].split('.', 1)
                name = {'0': 'fc1', '3': 'fc2'}[layer]
                if suffix == 'weight':
                    value = value.reshape(value.shape[:2])
                out[base + f'mlp.{name}.{suffix}'] = value
            else:
                out[base + rest] = value
            continue
        if key == 'cls_pos_embed':
            continue
        out[key] = value
    for key, value in (head or {}).items():
        out[f'head.{key}'] = value
    return out
