"""Official SAIM checkpoints (qiy20/SAIM) -> MMVRL parameter names (spec sections 8, 9).

Official layout (timm 0.4.5 names, ``util/blocks.Block`` with separate q/k/v):
``patch_embed.proj``, ``cls_token``, ``pos_embed`` (1, 1 + N, D), ``blocks.i.{norm1,
attn.q, attn.k, attn.v, attn.proj, norm2, mlp.fc1, mlp.fc2}``, ``norm`` and, in pre-training
checkpoints, ``query_blocks.i.*`` (same names), ``prediction_head.{fc1, fc2}`` (MLP) or
``prediction_head.{weight, bias}`` (LINEAR) and the fixed ``gaussian_blur.weight`` buffer.
Fine-tuned classifiers add ``head.{weight, bias}`` (and ``fc_norm`` instead of ``norm`` with
global pooling); linear-probe checkpoints ``head.0`` (BatchNorm1d without affine) and
``head.1`` (Linear).

Ours: ``backbone.*`` as mmpretrain's ``VisionTransformer`` (q, k, v concatenated in that
order into ``attn.qkv``, ``norm`` -> ``ln1``), ``neck.layers.i.*`` for the query blocks,
``head.predictor.*`` for the prediction head; classifiers get ``head.fc.*`` (LinearClsHead),
linear probes ``neck.bn.*`` (ClsBatchNormNeck) and ``head.layers.head.*``
(VisionTransformerClsHead). ``pos_embed`` is copied, never regenerated.
"""
import re
from collections import OrderedDict
from typing import Dict, Tuple

import torch

TARGETS = ('auto', 'pretrain', 'backbone', 'classifier')

_BLOCK = re.compile(r'^(blocks|query_blocks)\.(\d+)\.(.+)$')
_BLOCK_NAMES = {
    'norm1': 'ln1',
    'norm2': 'ln2',
    'attn.proj': 'attn.proj',
    'mlp.fc1': 'ffn.layers.0.0',
    'mlp.fc2': 'ffn.layers.1',
}
_FIXED = {
    'patch_embed.proj.weight': 'backbone.patch_embed.projection.weight',
    'patch_embed.proj.bias': 'backbone.patch_embed.projection.bias',
    'cls_token': 'backbone.cls_token',
    'pos_embed': 'backbone.pos_embed',
    'norm.weight': 'backbone.ln1.weight',
    'norm.bias': 'backbone.ln1.bias',
    'fc_norm.weight': 'backbone.ln2.weight',
    'fc_norm.bias': 'backbone.ln2.bias',
    'prediction_head.fc1.weight': 'head.predictor.fc1.weight',
    'prediction_head.fc1.bias': 'head.predictor.fc1.bias',
    'prediction_head.fc2.weight': 'head.predictor.fc2.weight',
    'prediction_head.fc2.bias': 'head.predictor.fc2.bias',
    'prediction_head.weight': 'head.predictor.fc.weight',
    'prediction_head.bias': 'head.predictor.fc.bias',
    'head.weight': 'head.fc.weight',
    'head.bias': 'head.fc.bias',
    'head.0.running_mean': 'neck.bn.running_mean',
    'head.0.running_var': 'neck.bn.running_var',
    'head.0.num_batches_tracked': 'neck.bn.num_batches_tracked',
    'head.1.weight': 'head.layers.head.weight',
    'head.1.bias': 'head.layers.head.bias',
}
_DROPPED = ('gaussian_blur.weight', )


class ConversionError(ValueError):
    """The state dict is not an official SAIM checkpoint of the expected layout."""


def official_state_dict(checkpoint: dict) -> Dict[str, torch.Tensor]:
    """The tensor dict inside an official checkpoint (key ``model``), ``module.`` removed."""
    state = checkpoint.get('model', checkpoint.get('state_dict', checkpoint))
    if not isinstance(state, dict) or 'patch_embed.proj.weight' not in {
            k[len('module.'):] if k.startswith('module.') else k
            for k in state
    }:
        raise ConversionError(
            'no official SAIM key "patch_embed.proj.weight" (under "model") '
            'found; pass a checkpoint written by qiy20/SAIM main_pretrain.py, '
            'main_finetune.py or main_linprobe.py')
    return OrderedDict(
        (k[len('module.'):] if k.startswith('module.') else k, v)
        for k, v in state.items())


def _fuse_qkv(state, prefix, out, out_prefix, used):
    for kind in ('weight', 'bias'):
        names = [f'{prefix}.attn.{p}.{kind}' for p in 'qkv']
        missing = [n for n in names if n not in state]
        if missing:
            raise ConversionError(
                f'{missing} missing from the checkpoint: every block needs '
                'separate attn.q, attn.k and attn.v weights and biases')
        shapes = {tuple(state[n].shape) for n in names}
        if len(shapes) != 1:
            raise ConversionError(f'{names} have different shapes {shapes}')
        out[f'{out_prefix}.attn.qkv.{kind}'] = torch.cat(
            [state[n] for n in names], dim=0)
        used.update(names)


def convert_saim(state: Dict[str, torch.Tensor],
                 target: str = 'auto') -> Tuple[Dict[str, torch.Tensor], str]:
    """Rename an official state dict.

    Args:
        state (dict): official tensors (see :func:`official_state_dict`).
        target (str): ``'pretrain'`` (a full ``SAIM`` model: backbone, query-stream neck,
            prediction head), ``'backbone'`` (``backbone.*`` only, for fine-tuning /
            probing / transfer via ``init_cfg=Pretrained``; query blocks, predictor and
            blur kernel are dropped), ``'classifier'`` (a fine-tuned or linear-probe
            ``ImageClassifier``), or ``'auto'`` (``'pretrain'`` if ``query_blocks`` or
            ``prediction_head`` keys exist, else ``'classifier'``).

    Returns:
        tuple: the converted state dict and the resolved target.

    Raises:
        ConversionError: a key of the official layout is missing or unknown.
    """
    if target not in TARGETS:
        raise ConversionError(f'target={target!r}; choose one of {TARGETS}')
    is_pretrain = any(
        k.startswith(('query_blocks.', 'prediction_head.')) for k in state)
    if target == 'auto':
        target = 'pretrain' if is_pretrain else 'classifier'
    if target == 'pretrain' and not is_pretrain:
        raise ConversionError(
            'target="pretrain" needs query_blocks.* and prediction_head.* '
            'keys; this is a fine-tuned or probed checkpoint (use '
            'target="classifier" or "backbone")')
    out, used = OrderedDict(), set(_DROPPED)
    blocks = {}
    for key in state:
        match = _BLOCK.match(key)
        if match:
            blocks.setdefault((match.group(1), int(match.group(2))),
                              []).append(match.group(3))
    if not any(kind == 'blocks' for kind, _ in blocks):
        raise ConversionError('no blocks.<i>.* keys: not a SAIM ViT checkpoint')
    shared = _query_blocks_are_shared(state, blocks)
    for (kind, index), _ in sorted(blocks.items()):
        prefix = f'{kind}.{index}'
        if kind == 'query_blocks' and shared:
            used.update(k for k in state if k.startswith(prefix + '.'))
            continue
        out_prefix = (f'backbone.layers.{index}'
                      if kind == 'blocks' else f'neck.layers.{index}')
        _fuse_qkv(state, prefix, out, out_prefix, used)
        for old, new in _BLOCK_NAMES.items():
            for param in ('weight', 'bias'):
                name = f'{prefix}.{old}.{param}'
                if name not in state:
                    raise ConversionError(
                        f'{name} missing from the checkpoint (official blocks '
                        'have norm1, attn.q/k/v/proj, norm2, mlp.fc1/fc2)')
                out[f'{out_prefix}.{new}.{param}'] = state[name]
                used.add(name)
    for old, new in _FIXED.items():
        if old in state:
            out[new] = state[old]
            used.add(old)
    unknown = [k for k in state if k not in used]
    if unknown:
        raise ConversionError(
            f'unknown keys {unknown[:8]}{" ..." if len(unknown) > 8 else ""} '
            'in the official checkpoint; the converter knows the qiy20/SAIM '
            'layout only (models_saim.SaimViT, models_vit.VisionTransformer)')
    for required in ('backbone.cls_token', 'backbone.pos_embed',
                     'backbone.patch_embed.projection.weight'):
        if required not in out:
            raise ConversionError(f'the checkpoint has no {required} source')
    if target == 'backbone':
        out = OrderedDict((k, v) for k, v in out.items()
                          if k.startswith('backbone.'))
    elif target == 'pretrain' and not any(
            k.startswith('head.predictor.') for k in out):
        raise ConversionError('pre-training checkpoint without '
                              'prediction_head.* keys')
    return out, target


def _query_blocks_are_shared(state, blocks) -> bool:
    """True when ``query_blocks.*`` duplicate ``blocks.*`` (official ``share_weight``)."""
    indices = [i for kind, i in blocks if kind == 'query_blocks']
    if not indices:
        return False
    for i in indices:
        for key in blocks[('query_blocks', i)]:
            twin = state.get(f'blocks.{i}.{key}')
            if twin is None or not torch.equal(twin,
                                               state[f'query_blocks.{i}.{key}']):
                return False
    return True
