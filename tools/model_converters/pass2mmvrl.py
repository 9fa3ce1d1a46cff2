"""Convert official PASS checkpoints (CASIA-IVA-Lab/PASS-reID) to MMVRL's parameter names.

Three official layouts are recognised:

- released pre-trained backbones (``pass_vit_{small,base}_full.pth``): flat ViT keys
  ``cls_token, part_token{1,2,3}, cls_pos, part{1,2,3}_pos, pos_embed,
  patch_embed.proj.*, blocks.i.*, norm.*`` -> ``backbone.*`` (for
  ``init_cfg=dict(type='Pretrained', prefix='backbone.')`` of the fine-tuning configs);
- pre-training checkpoints of ``main_pass.py`` (``{'student', 'teacher', ...}``):
  ``[module.]backbone.*`` and the 4-branch DINO head ``[module.]head.mlp_{cls,pt1,pt2,pt3}.*``
  / ``head.last_layer_*.weight_{g,v}`` of the chosen network -> ``backbone.*`` and
  ``neck.heads.{0..3}.*`` (``--model teacher``, default, is what the authors release);
- fine-tuned TransReID checkpoints (``base.*``, ``bottleneck[_k].*``, ``classifier.*``)
  -> the ReID ``ImageClassifier`` (``backbone.*``, ``neck.bnnecks.k.*``,
  ``head.classifier.*``); TransReID's unused ``base.fc.*`` classifier is dropped.

Any key that is not recognised is an error (nothing is dropped silently). The
weight-normalised prototypes map ``weight_v`` -> ``last_layer.direction`` and
``weight_g`` -> ``last_layer.magnitude``.

Example::

    python tools/model_converters/pass2mmvrl.py pass_vit_small_full.pth \\
        pass_vit-small-p16_lup_backbone.pth
"""
import argparse
import re
from collections import OrderedDict

import torch

BACKBONE_RULES = [
    (r'^patch_embed\.proj\.(weight|bias)$', r'patch_embed.projection.\1'),
    (r'^blocks\.(\d+)\.norm1\.', r'layers.\1.ln1.'),
    (r'^blocks\.(\d+)\.norm2\.', r'layers.\1.ln2.'),
    (r'^blocks\.(\d+)\.attn\.(qkv|proj)\.', r'layers.\1.attn.\2.'),
    (r'^blocks\.(\d+)\.mlp\.fc1\.', r'layers.\1.ffn.layers.0.0.'),
    (r'^blocks\.(\d+)\.mlp\.fc2\.', r'layers.\1.ffn.layers.1.'),
    (r'^norm\.(weight|bias)$', r'ln1.\1'),
    (r'^(cls_token|cls_pos|pos_embed|part_token\d+|part\d+_pos)$', r'\1'),
]
HEAD_BRANCHES = ('cls', 'pt1', 'pt2', 'pt3')
TRANSREID_DROPPED = re.compile(r'^base\.(fc|head|dist|pre_logits)\.')


class ConversionError(ValueError):
    """An official key has no MMVRL counterpart."""


def convert_backbone_key(key):
    for pattern, repl in BACKBONE_RULES:
        if re.match(pattern, key):
            return re.sub(pattern, repl, key)
    return None


def convert_head_key(key):
    match = re.match(r'^mlp_(cls|pt\d)\.(\d+)\.(weight|bias)$', key)
    if match:
        branch = HEAD_BRANCHES.index(match.group(1))
        return f'heads.{branch}.mlp.{match.group(2)}.{match.group(3)}'
    match = re.match(r'^last_layer_(cls|pt\d)\.weight_([gv])$', key)
    if match:
        branch = HEAD_BRANCHES.index(match.group(1))
        name = 'direction' if match.group(2) == 'v' else 'magnitude'
        return f'heads.{branch}.last_layer.{name}'
    return None


def _fail(unknown, layout):
    raise ConversionError(
        f'pass2mmvrl: {len(unknown)} key(s) of the {layout} checkpoint have no '
        f'MMVRL counterpart, e.g. {sorted(unknown)[:5]}; is this an official PASS '
        'checkpoint (vit_small / vit_base with 3 part tokens)?')


DROP = object()
"""Returned by a rename rule for an official key that has no use here (dropped)."""


def _rename_all(state_dict, rename, layout):
    """Apply ``rename(key) -> new key | None | DROP``; unknown keys are an error."""
    out, unknown = OrderedDict(), []
    for key, value in state_dict.items():
        new = rename(key[len('module.'):] if key.startswith('module.') else key)
        if new is None:
            unknown.append(key)
        elif new is not DROP:
            out[new] = value
    if unknown:
        _fail(unknown, layout)
    return out


def _prefixed(prefix, rename, new_prefix):
    """Rule for keys under ``prefix`` renamed by ``rename`` and put under ``new_prefix``."""

    def rule(key):
        if not key.startswith(prefix):
            return None
        new = rename(key[len(prefix):])
        return new and new_prefix + new

    return rule


def _first(*rules):
    def rule(key):
        for r in rules:
            new = r(key)
            if new is not None:
                return new
        return None

    return rule


def convert_backbone(state_dict, prefix='backbone.'):
    """Released flat backbone -> ``backbone.*``."""
    return _rename_all(state_dict, _prefixed('', convert_backbone_key, prefix),
                       'backbone')


def convert_pretrain(state_dict):
    """``[module.]backbone.*`` / ``[module.]head.*`` of one network of main_pass.py."""
    return _rename_all(
        state_dict,
        _first(_prefixed('backbone.', convert_backbone_key, 'backbone.'),
               _prefixed('head.', convert_head_key, 'neck.')), 'pre-training')


def _transreid_neck_key(key):
    if TRANSREID_DROPPED.match(key):
        return DROP
    if key == 'classifier.weight':
        return 'head.classifier.weight'
    match = re.match(r'^bottleneck(?:_(\d))?\.(.+)$', key)
    if match:
        return f'neck.bnnecks.{int(match.group(1) or 0)}.{match.group(2)}'
    return None


def convert_transreid(state_dict):
    """Fine-tuned ``build_transformer_pass`` state dict -> ReID ImageClassifier."""
    return _rename_all(
        state_dict,
        _first(_transreid_neck_key,
               _prefixed('base.', convert_backbone_key, 'backbone.')),
        'fine-tuned TransReID')


def convert(checkpoint, model='teacher'):
    """The converted state dict of an official checkpoint object and its layout."""
    if not isinstance(checkpoint, dict):
        raise ConversionError('pass2mmvrl: the checkpoint is not a dict of tensors.')
    if model in checkpoint and isinstance(checkpoint[model], dict):
        return convert_pretrain(checkpoint[model]), 'pretrain-' + model
    for wrapper in ('state_dict', 'model'):
        if isinstance(checkpoint.get(wrapper), dict):
            checkpoint = checkpoint[wrapper]
    if any(k.startswith(('base.', 'module.base.')) for k in checkpoint):
        return convert_transreid(checkpoint), 'finetuned'
    if 'cls_token' in checkpoint and 'part_token1' in checkpoint:
        return convert_backbone(checkpoint), 'backbone'
    raise ConversionError(
        'pass2mmvrl: unknown layout; expected a released PASS backbone (cls_token, '
        'part_token1, ...), a main_pass.py checkpoint with "student"/"teacher", or a '
        f'fine-tuned TransReID state dict (base.*). Top-level keys: '
        f'{sorted(checkpoint)[:8]}')


def load_official(path):
    """Load an official checkpoint without unpickling arbitrary objects: tensors,
    containers and main_pass.py's ``args`` (an ``argparse.Namespace``)."""
    with torch.serialization.safe_globals([argparse.Namespace]):
        return torch.load(path, map_location='cpu', weights_only=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='official checkpoint (.pth)')
    parser.add_argument('dst', help='output checkpoint path')
    parser.add_argument(
        '--model', choices=['teacher', 'student'], default='teacher',
        help='network of a main_pass.py checkpoint to convert (default teacher, '
        'the one the authors release)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    state_dict, layout = convert(load_official(args.src), args.model)
    torch.save(dict(state_dict=state_dict, meta=dict(converted_from=args.src,
                                                     layout=layout)), args.dst)
    print(f'pass2mmvrl: {layout} checkpoint, {len(state_dict)} tensors -> '
          f'{args.dst}')
    return args.dst


if __name__ == '__main__':
    main()
