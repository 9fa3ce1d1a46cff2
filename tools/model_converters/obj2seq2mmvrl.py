"""Convert an official Obj2Seq checkpoint (CASIA-IVA-Lab/Obj2Seq) to MMVRL names.

Example::

    python tools/model_converters/obj2seq2mmvrl.py official.pth obj2seq_mmvrl.pth

writes ``obj2seq_mmvrl.pth`` and, for detection checkpoints, the checkpoint's class
prompts as ``obj2seq_mmvrl_prompts.npy`` (80 x 512) for ``model.indicator.prompt_file``.
The converted state dict loads strictly into the model of the matching config
(detection, refinement or pose); the model refuses any other.

Mapping (official -> ours):
  backbone[.0].body.*                          -> backbone.*
  input_proj.{l}.0 / .1 (conv / GroupNorm)     -> neck.convs.{l}.conv / .gn; the extra
                                                  level -> neck.extra_convs.0; conv biases
                                                  kept (the configs build the neck with
                                                  bias=True: GroupNorm does not absorb them)
  transformer.level_embed                      -> level_embed
  transformer.encoder.encoder_layers.{i}       -> encoder.layers.{i} (norm1 -> norms.0,
                                                  ffn.linear1/2 -> ffn.layers.0.0/1,
                                                  ffn.norm2 -> norms.1)
  transformer.prompt_indicator.*               -> prompt_indicator.* (prompt_blocks -> blocks,
                                                  convert_vector/vector_ln -> prompt_adapter.0/1,
                                                  classifier_label.{i} (shared) -> classifier)
  transformer.object_decoder.position_patterns -> query_patterns
  transformer.object_decoder.position          -> query_position
  transformer.object_decoder.reference_points  -> reference_points_fc
  transformer.object_decoder.object_decoder_layers.{i} -> decoder.layers.{i}
  transformer.object_decoder.detect_head.{i}   -> bbox_head.predictors.{i} (one entry
                                                  when shared): output_embeds.{t}.layers.0 ->
                                                  signal_fcs.{t}, pos_emb -> step_embed,
                                                  classifier.b -> classifier.bias,
                                                  classifier.W -> classifier.weight (pose)
"""
import argparse
import os.path as osp
import re
import sys
from collections import OrderedDict

import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401  (repo root on sys.path)
from projects.common.safe_load import safe_load  # noqa: E402

DECODER_LAYER = [
    (r'self_attn\.in_proj_(weight|bias)$', r'self_attn.attn.in_proj_\1'),
    (r'self_attn\.out_proj\.', 'self_attn.attn.out_proj.'),
    (r'^norm2\.', 'norms.0.'),
    (r'^norm1\.', 'norms.1.'),
    (r'ffn\.linear1\.', 'ffn.layers.0.0.'),
    (r'ffn\.linear2\.', 'ffn.layers.1.'),
    (r'ffn\.norm2\.', 'norms.2.'),
]
ENCODER_LAYER = [
    (r'^norm1\.', 'norms.0.'),
    (r'ffn\.linear1\.', 'ffn.layers.0.0.'),
    (r'ffn\.linear2\.', 'ffn.layers.1.'),
    (r'ffn\.norm2\.', 'norms.1.'),
]
INDICATOR_BLOCK = [
    (r'ffn\.linear1\.', 'ffn.0.'),
    (r'ffn\.linear2\.', 'ffn.2.'),
    (r'ffn\.norm2\.', 'norm2.'),
]


def _apply(rules, name):
    for pattern, repl in rules:
        new = re.sub(pattern, repl, name)
        if new != name:
            return new
    return name


def _classifier(name):
    """feature_linear.{j} (ModuleList) -> feature_linear.{2j} (Sequential with ReLU)."""
    m = re.match(r'feature_linear\.(\d+)\.(.*)', name)
    if m:
        return f'feature_linear.{2 * int(m.group(1))}.{m.group(2)}'
    if name == 'b':
        return 'bias'
    return name


def convert(state_dict, num_backbone_outs=3):
    """Return (converted state dict, notes) for an official state dict."""
    out = OrderedDict()
    notes = []
    shared = {}

    def put(key, value, src):
        if key in out:
            if not torch.equal(out[key], value):
                raise ValueError(f'{src} maps to {key} that was already set to a '
                                 'different tensor; the official weights are not '
                                 'shared as expected (use a refine model?).')
            return
        out[key] = value

    for name, value in state_dict.items():
        if name.endswith('num_batches_tracked') or name.endswith(
                ('total_params', 'total_ops')):
            continue
        m = re.match(r'backbone\.(?:0\.)?body\.(.*)', name)
        if m:
            put('backbone.' + m.group(1), value, name)
            continue
        m = re.match(r'input_proj\.(\d+)\.(\d)\.(weight|bias)', name)
        if m:
            lvl, idx, kind = int(m.group(1)), m.group(2), m.group(3)
            prefix = (f'neck.convs.{lvl}' if lvl < num_backbone_outs else
                      f'neck.extra_convs.{lvl - num_backbone_outs}')
            put(f'{prefix}.{"conv" if idx == "0" else "gn"}.{kind}', value, name)
            continue
        if name == 'transformer.level_embed':
            put('level_embed', value, name)
            continue
        m = re.match(r'transformer\.encoder\.encoder_layers\.(\d+)\.(.*)', name)
        if m:
            put(f'encoder.layers.{m.group(1)}.' + _apply(ENCODER_LAYER, m.group(2)),
                value, name)
            continue
        m = re.match(r'transformer\.prompt_indicator\.(.*)', name)
        if m:
            rest = m.group(1)
            if rest == 'class_prompts':
                put('prompt_indicator.class_prompts', value, name)
            elif rest.startswith('convert_vector.'):
                put('prompt_indicator.prompt_adapter.0.' + rest.split('.', 1)[1],
                    value, name)
            elif rest.startswith('vector_ln.'):
                put('prompt_indicator.prompt_adapter.1.' + rest.split('.', 1)[1],
                    value, name)
            elif rest.startswith('prompt_blocks.'):
                _, i, sub = rest.split('.', 2)
                put(f'prompt_indicator.blocks.{i}.' + _apply(INDICATOR_BLOCK, sub),
                    value, name)
            elif rest.startswith('classifier_label.'):
                _, _, sub = rest.split('.', 2)
                key = 'prompt_indicator.classifier.' + _classifier(sub)
                put(key, value.reshape(()) if sub == 'b' else value, name)
            else:
                notes.append(f'skipped {name}')
            continue
        m = re.match(r'transformer\.object_decoder\.(.*)', name)
        if m:
            rest = m.group(1)
            if rest.startswith('position_patterns.'):
                put('query_patterns.weight', value, name)
            elif rest.startswith('position.'):
                put('query_position.weight', value, name)
            elif rest.startswith('reference_points.'):
                put('reference_points_fc.' + rest.split('.', 1)[1], value, name)
            elif rest.startswith('object_decoder_layers.'):
                _, i, sub = rest.split('.', 2)
                put(f'decoder.layers.{i}.' + _apply(DECODER_LAYER, sub), value, name)
            elif rest.startswith('detect_head.'):
                _, i, sub = rest.split('.', 2)
                shared.setdefault(int(i), []).append((sub, value, name))
            else:
                notes.append(f'skipped {name}')
            continue
        notes.append(f'skipped {name}')

    heads = [shared[i] for i in sorted(shared)]
    is_shared = all(
        len(h) == len(heads[0]) and all(
            a[0] == b[0] and torch.equal(a[1], b[1])
            for a, b in zip(heads[0], h)) for h in heads[1:])
    for i, entries in enumerate(heads[:1] if is_shared else heads):
        for sub, value, name in entries:
            m = re.match(r'output_embeds\.(\d+)\.layers\.0\.(weight|bias)', sub)
            if m:
                key = f'signal_fcs.{m.group(1)}.{m.group(2)}'
            elif sub == 'pos_emb.weight':
                key = 'step_embed'
            elif sub.startswith('classifier.'):
                csub = sub.split('.', 1)[1]
                key = 'classifier.' + ('weight' if csub == 'W' else
                                       _classifier(csub))
                if csub == 'b':
                    value = value.reshape(())
            else:
                key = sub
            put(f'bbox_head.predictors.{i}.{key}', value, name)
    return out, notes


def write_prompts(prompts, dst):
    """Save (C, d_p) class prompts as ``<dst stem>_prompts.npy``; returns the path."""
    path = osp.splitext(dst)[0] + '_prompts.npy'
    np.save(path, prompts.detach().float().cpu().numpy())
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='official checkpoint (.pth)')
    parser.add_argument('dst', help='output checkpoint for MMVRL')
    parser.add_argument(
        "--num-backbone-outs", type=int, default=3,
        help="backbone levels fed to the neck (the rest are extra convs)")
    args = parser.parse_args()
    ckpt = safe_load(args.src, map_location='cpu', extra_globals=[argparse.Namespace])
    state = ckpt.get('model', ckpt)
    converted, notes = convert(state, args.num_backbone_outs)
    for note in notes:
        print(note)
    torch.save(dict(state_dict=converted, meta=dict(source=args.src)), args.dst)
    print(f'{len(converted)} tensors written to {args.dst}')
    prompts = converted.get('prompt_indicator.class_prompts')
    if prompts is not None:
        path = write_prompts(prompts, args.dst)
        print(f'class prompts {tuple(prompts.shape)} written to {path}; to '
              'train from them, set --cfg-options '
              f'model.indicator.prompt_file={path}')


if __name__ == '__main__':
    main()
