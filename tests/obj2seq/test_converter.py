"""The official-checkpoint converter on a synthetic state dict with official names."""
import importlib.util
import math
import os.path as osp

import pytest
import torch

from tests.obj2seq.helpers import TINY_POSE, build_tiny
from tests.utils import REPO_ROOT


def load_converter():
    path = osp.join(REPO_ROOT, 'tools', 'model_converters', 'obj2seq2mmvrl.py')
    spec = importlib.util.spec_from_file_location('obj2seq2mmvrl', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def official_pairs(model, num_enc, num_dec, num_blocks, num_heads_stored):
    """(official name, our name) for every tensor of a tiny Obj2Seq."""
    pairs = []
    for k in model.backbone.state_dict():
        if not k.endswith('num_batches_tracked'):
            pairs.append((f'backbone.0.body.{k}', f'backbone.{k}'))
    for lvl in range(len(model.neck.convs)):
        pairs += [(f'input_proj.{lvl}.0.weight', f'neck.convs.{lvl}.conv.weight'),
                  (f'input_proj.{lvl}.1.weight', f'neck.convs.{lvl}.gn.weight'),
                  (f'input_proj.{lvl}.1.bias', f'neck.convs.{lvl}.gn.bias')]
    pairs.append(('transformer.level_embed', 'level_embed'))
    msda = ['sampling_offsets', 'attention_weights', 'value_proj', 'output_proj']
    for i in range(num_enc):
        o, u = f'transformer.encoder.encoder_layers.{i}.', f'encoder.layers.{i}.'
        for p in ('weight', 'bias'):
            pairs += [(o + f'self_attn.{m}.{p}', u + f'self_attn.{m}.{p}')
                      for m in msda]
            pairs += [(o + f'norm1.{p}', u + f'norms.0.{p}'),
                      (o + f'ffn.linear1.{p}', u + f'ffn.layers.0.0.{p}'),
                      (o + f'ffn.linear2.{p}', u + f'ffn.layers.1.{p}'),
                      (o + f'ffn.norm2.{p}', u + f'norms.1.{p}')]
    od = 'transformer.object_decoder.'
    pairs += [(od + 'position_patterns.weight', 'query_patterns.weight'),
              (od + 'position.weight', 'query_position.weight'),
              (od + 'reference_points.weight', 'reference_points_fc.weight'),
              (od + 'reference_points.bias', 'reference_points_fc.bias')]
    for i in range(num_dec):
        o, u = od + f'object_decoder_layers.{i}.', f'decoder.layers.{i}.'
        pairs += [(o + 'self_attn.in_proj_weight', u + 'self_attn.attn.in_proj_weight'),
                  (o + 'self_attn.in_proj_bias', u + 'self_attn.attn.in_proj_bias')]
        for p in ('weight', 'bias'):
            pairs += [(o + f'cross_attn.{m}.{p}', u + f'cross_attn.{m}.{p}')
                      for m in msda]
            pairs += [(o + f'self_attn.out_proj.{p}', u + f'self_attn.attn.out_proj.{p}'),
                      (o + f'norm2.{p}', u + f'norms.0.{p}'),
                      (o + f'norm1.{p}', u + f'norms.1.{p}'),
                      (o + f'ffn.linear1.{p}', u + f'ffn.layers.0.0.{p}'),
                      (o + f'ffn.linear2.{p}', u + f'ffn.layers.1.{p}'),
                      (o + f'ffn.norm2.{p}', u + f'norms.2.{p}')]
    return pairs


def head_pairs(predictor, num_steps, classifier_layers):
    pairs = []
    for p in ('weight', 'bias'):
        pairs += [(f'self_attn.qkv.{p}', f'self_attn.qkv.{p}'),
                  (f'self_attn.proj.{p}', f'self_attn.proj.{p}'),
                  (f'norm1.{p}', f'norm1.{p}'), (f'norm2.{p}', f'norm2.{p}')]
        pairs += [(f'cross_attn.{m}.{p}', f'cross_attn.{m}.{p}')
                  for m in ('sampling_offsets', 'attention_weights',
                            'output_proj')]
        pairs += [(f'output_embeds.{t}.layers.0.{p}', f'signal_fcs.{t}.{p}')
                  for t in range(num_steps)]
        pairs += [(f'classifier.feature_linear.{j}.{p}',
                   f'classifier.feature_linear.{2 * j}.{p}')
                  for j in range(classifier_layers)]
    pairs.append(('pos_emb.weight', 'step_embed'))
    return pairs


def synthesize(model, pairs):
    ours = model.state_dict()
    g = torch.Generator().manual_seed(0)
    official, expected = {}, {}
    for off, our in pairs:
        value = torch.randn(ours[our].shape, generator=g)
        official[off] = value
        expected[our] = value
    return official, expected


def test_detection_checkpoint_converts_and_loads_strictly():
    conv = load_converter()
    model = build_tiny()
    pairs = official_pairs(model, 1, 2, 1, 4)
    ind = 'transformer.prompt_indicator.'
    pairs += [(ind + 'class_prompts', 'prompt_indicator.class_prompts')]
    blk = ind + 'prompt_blocks.0.'
    for p in ('weight', 'bias'):
        pairs += [(blk + f'cross_attn.out_proj.{p}',
                   f'prompt_indicator.blocks.0.cross_attn.out_proj.{p}'),
                  (blk + f'norm1.{p}', f'prompt_indicator.blocks.0.norm1.{p}'),
                  (blk + f'ffn.linear1.{p}', f'prompt_indicator.blocks.0.ffn.0.{p}'),
                  (blk + f'ffn.linear2.{p}', f'prompt_indicator.blocks.0.ffn.2.{p}'),
                  (blk + f'ffn.norm2.{p}', f'prompt_indicator.blocks.0.norm2.{p}')]
        for j in range(2):
            pairs.append((ind + f'classifier_label.0.feature_linear.{j}.{p}',
                          f'prompt_indicator.classifier.feature_linear.{2 * j}.{p}'))
    pairs += [(blk + f'cross_attn.in_proj_{p}',
               f'prompt_indicator.blocks.0.cross_attn.in_proj_{p}')
              for p in ('weight', 'bias')]
    pairs += [(f'transformer.object_decoder.detect_head.0.{o}',
               f'bbox_head.predictors.0.{u}')
              for o, u in head_pairs(model.bbox_head.predictors[0], 4, 2)]
    official, expected = synthesize(model, pairs)
    official[ind + 'classifier_label.0.b'] = torch.tensor([0.3])
    official['transformer.object_decoder.detect_head.0.classifier.b'] = \
        torch.tensor([-1.5])
    official['input_proj.0.0.bias'] = torch.zeros(32)
    # shared modules appear under two names (classifier_label.1, detect_head.1)
    for k in list(official):
        for a, b in (('classifier_label.0.', 'classifier_label.1.'),
                     ('detect_head.0.', 'detect_head.1.')):
            if a in k:
                official[k.replace(a, b)] = official[k]
    converted, notes = conv.convert(official, num_backbone_outs=2)
    assert any('input_proj.0.0.bias' in n for n in notes)
    model.load_state_dict(converted, strict=True)
    for key, value in expected.items():
        assert torch.equal(converted[key], value), key
    assert model.prompt_indicator.classifier.bias.item() == pytest.approx(0.3)
    assert model.bbox_head.predictors[0].classifier.bias.item() == -1.5


def test_pose_linear_classifier_vector():
    conv = load_converter()
    model = build_tiny(TINY_POSE)
    pairs = official_pairs(model, 1, 2, 0, 4)
    pairs += [(f'transformer.object_decoder.detect_head.0.{o}',
               f'bbox_head.predictors.0.{u}')
              for o, u in head_pairs(model.bbox_head.predictors[0], 38, 1)]
    official, _ = synthesize(model, pairs)
    w = torch.randn(32)
    official['transformer.object_decoder.detect_head.0.classifier.W'] = w
    official['transformer.object_decoder.detect_head.0.classifier.b'] = \
        torch.tensor([0.1])
    converted, _ = conv.convert(official, num_backbone_outs=2)
    model.load_state_dict(converted, strict=True)
    # <f(h), W> == <f(h), class_vector / sqrt(d)>
    assert torch.allclose(model.class_embed.weight[0] / math.sqrt(32), w)
