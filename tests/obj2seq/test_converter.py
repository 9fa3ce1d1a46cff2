"""Official checkpoints -> our models: strict loading into the full configs' models
(built small, official key layout) and the official math on the converted weights.

The official state dicts come from ``official_reference.official_state_dict``, which
is written from the spec's key names and shapes, never from our model.
"""
import copy
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

import projects.obj2seq  # noqa: F401
from mmdet.registry import MODELS
from projects.obj2seq.prompt_indicator import PromptIndicator
from tests.obj2seq import official_reference as ref
from tests.utils import REPO_ROOT

DET = 'configs/obj2seq/obj2seq_r50_8xb1-50e_coco.py'
REFINE = 'configs/obj2seq/obj2seq-refine_r50_8xb1-50e_coco.py'
POSE = 'configs/obj2seq/obj2seq-pose_r50_8xb1-50e_coco-keypoint.py'
S = ref.SMALL
SHAPES = ((6, 6), (3, 3), (2, 2), (1, 1))


def build_small(path, **options):
    """The full config's model with the small sizes of ``ref.SMALL`` (only sizes
    change: layer counts, prompt width, neck bias and heads are the config's)."""
    init_default_scope('mmdet')
    cfg = Config.fromfile(path)
    d, base = S['d'], S['base']
    opts = {
        'model.num_queries': S['queries'],
        'model.backbone.base_channels': base,
        'model.backbone.init_cfg': None,
        'model.neck.in_channels': [base * 8, base * 16, base * 32],
        'model.neck.out_channels': d,
        'model.encoder.layer_cfg.self_attn_cfg.embed_dims': d,
        'model.encoder.layer_cfg.ffn_cfg.embed_dims': d,
        'model.encoder.layer_cfg.ffn_cfg.feedforward_channels': S['ffn'],
        'model.decoder.layer_cfg.self_attn_cfg.embed_dims': d,
        'model.decoder.layer_cfg.cross_attn_cfg.embed_dims': d,
        'model.decoder.layer_cfg.ffn_cfg.embed_dims': d,
        'model.decoder.layer_cfg.ffn_cfg.feedforward_channels': S['ffn'],
        'model.positional_encoding.num_feats': d // 2,
        'model.bbox_head.embed_dims': d,
    }
    if cfg.model.get('indicator') is not None:
        opts.update({'model.indicator.ffn_dims': S['ffn'],
                     'model.indicator.prompt_file': None})
    opts.update(options)
    cfg.merge_from_dict(opts)
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(cfg.model))
    model.init_weights()
    return model.eval()


def load_converter():
    path = osp.join(REPO_ROOT, 'tools', 'model_converters', 'obj2seq2mmvrl.py')
    spec = importlib.util.spec_from_file_location('obj2seq2mmvrl', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def convert(official):
    return load_converter().convert(official)[0]


def memory_ctx(num_images, seed=1):
    g = torch.Generator().manual_seed(seed)
    hw = sum(h * w for h, w in SHAPES)
    shapes = torch.tensor(SHAPES)
    starts = torch.cat([shapes.new_zeros(1), shapes.prod(1).cumsum(0)[:-1]])
    memory = torch.randn(num_images, hw, S['d'], generator=g)
    ratios = 0.7 + 0.3 * torch.rand(num_images, len(SHAPES), 2, generator=g)
    return memory, shapes, starts, ratios


def head_matches_official(model, official, layer, query, reference, value,
                          ratios, class_vectors, presence, num_steps=4):
    """Our sequence head on the converted weights == the official math."""
    shapes = torch.tensor(SHAPES)
    starts = torch.cat([shapes.new_zeros(1), shapes.prod(1).cumsum(0)[:-1]])
    with torch.no_grad():
        out = model.bbox_head.forward_layer(
            layer, query, reference, class_vectors, presence, value=value,
            key_padding_mask=None, spatial_shapes=shapes,
            level_start_index=starts, valid_ratios=ratios)
        logits, boxes, keypoints = ref.sequence_head(
            official, layer, query, reference, value, SHAPES, ratios,
            class_vectors, presence, S['heads'], S['points'], num_steps)
    assert torch.allclose(out['logits'], logits, atol=1e-5)
    assert torch.allclose(out['boxes'], boxes, atol=1e-5)
    if keypoints is not None:
        assert torch.allclose(out['keypoints'], keypoints, atol=1e-5)


@pytest.fixture(scope='module')
def det_official():
    return ref.official_state_dict('detection')


@pytest.fixture(scope='module')
def det_model(det_official):
    model = build_small(DET)
    model.load_state_dict(convert(det_official), strict=True)
    return model


def test_detection_converts_and_loads_strictly(det_official, det_model,
                                                tmp_path):
    converted = convert(det_official)
    # the neck biases are kept, shared modules become one module
    assert torch.equal(converted['neck.convs.0.conv.bias'],
                       det_official['input_proj.0.0.bias'])
    assert torch.equal(converted['neck.extra_convs.0.conv.bias'],
                       det_official['input_proj.3.0.bias'])
    assert len(det_model.bbox_head.predictors) == 1
    assert det_model.prompt_indicator.class_prompts.shape == (80, 512)
    # mmengine's (non-strict) checkpoint loading goes through the same check
    path = str(tmp_path / 'converted.pth')
    torch.save(dict(state_dict=converted), path)
    fresh = build_small(DET)
    load_checkpoint(fresh, path, map_location='cpu')
    for key, value in fresh.state_dict().items():
        if not key.endswith('num_batches_tracked'):
            assert torch.equal(value, det_model.state_dict()[key]), key


def test_detection_matches_official_math(det_official, det_model):
    model = det_model
    images = torch.randn(1, 3, 96, 128,
                         generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        ours = model.extract_feat(images)
    theirs = ref.backbone_and_projection(det_official, images)
    assert [o.shape for o in ours] == [t.shape for t in theirs]
    for o, t in zip(ours, theirs):
        assert torch.allclose(o, t, atol=1e-4), (o - t).abs().max()

    memory, shapes, starts, ratios = memory_ctx(2)
    g = torch.Generator().manual_seed(8)
    pos = torch.randn(memory.shape, generator=g)
    enc_ref = torch.rand(2, memory.size(1), 1, 2, generator=g) * ratios[:, None]
    with torch.no_grad():
        ours = model.encoder.layers[0](
            query=memory, query_pos=pos, key_padding_mask=None,
            spatial_shapes=shapes, level_start_index=starts,
            valid_ratios=ratios, reference_points=enc_ref)
    theirs = ref.encoder_layer(det_official, 0, memory, pos, enc_ref, SHAPES,
                               S['heads'], S['points'])
    assert torch.allclose(ours, theirs, atol=1e-4)

    with torch.no_grad():
        logits, feats = model.prompt_indicator(memory, None)
        ref_logits, ref_feats = ref.indicator(det_official, memory, S['heads'])
    for ours, theirs in zip(logits, ref_logits):
        assert torch.allclose(ours, theirs, atol=1e-5)
    assert torch.allclose(feats, ref_feats, atol=1e-5)

    bs_idx = torch.tensor([0, 0, 1])
    cls_idx = torch.tensor([3, 17, 5])
    class_vectors = feats[bs_idx, cls_idx]
    presence = logits[-1][bs_idx, cls_idx]
    value, ratio = memory[bs_idx], ratios[bs_idx]
    g = torch.Generator().manual_seed(2)
    query = torch.randn(3, S['queries'], S['d'], generator=g)
    points = torch.rand(3, S['queries'], 2, generator=g) * 0.8 + 0.1
    with torch.no_grad():
        ours = model.decoder.layers[0](
            query, query_pos=None, value=value, key_padding_mask=None,
            spatial_shapes=shapes, level_start_index=starts,
            valid_ratios=ratio, reference_points=points[:, :, None] *
            ratio[:, None])
    theirs = ref.decoder_layer(det_official, 0, query, points, value, SHAPES,
                               ratio, S['heads'], S['points'])
    assert torch.allclose(ours, theirs, atol=1e-4)

    reference = points.clone().requires_grad_()
    out = model.bbox_head.forward_layer(
        0, query, reference, class_vectors, presence, value=value,
        key_padding_mask=None, spatial_shapes=shapes,
        level_start_index=starts, valid_ratios=ratio)
    reference_o = points.clone().requires_grad_()
    r_logits, r_boxes, _ = ref.sequence_head(
        det_official, 0, query, reference_o, value, SHAPES, ratio,
        class_vectors, presence, S['heads'], S['points'])
    assert torch.allclose(out['logits'], r_logits, atol=1e-5)
    assert torch.allclose(out['boxes'], r_boxes, atol=1e-5)
    # box gradients reach the (non-detached) reference as in the official head
    (out['boxes'].sum() + out['logits'].sum()).backward()
    (r_boxes.sum() + r_logits.sum()).backward()
    assert reference.grad.abs().sum() > 0
    assert torch.allclose(reference.grad, reference_o.grad, atol=1e-5)


def test_refine_checkpoint_per_layer_heads():
    official = ref.official_state_dict('detection', refine=True, seed=3)
    model = build_small(REFINE)
    model.load_state_dict(convert(official), strict=True)
    assert len(model.bbox_head.predictors) == 4
    memory, _, _, ratios = memory_ctx(1)
    g = torch.Generator().manual_seed(4)
    query = torch.randn(2, S['queries'], S['d'], generator=g)
    boxes = torch.rand(2, S['queries'], 4, generator=g) * 0.5 + 0.2
    cls_vec = torch.randn(2, S['d'], generator=g)
    presence = torch.randn(2, generator=g)
    head_matches_official(model, official, 2, query, boxes, memory[[0, 0]],
                          ratios[[0, 0]], cls_vec, presence)


def test_pose_checkpoint_linear_classifier():
    official = ref.official_state_dict('pose', seed=5)
    model = build_small(POSE)
    model.load_state_dict(convert(official), strict=True)
    classifier = model.bbox_head.predictors[0].classifier
    assert classifier.weight.shape == (S['d'], )
    memory, _, _, ratios = memory_ctx(2)
    g = torch.Generator().manual_seed(6)
    query = torch.randn(2, S['queries'], S['d'], generator=g)
    points = torch.rand(2, S['queries'], 2, generator=g) * 0.8 + 0.1
    head_matches_official(model, official, 0, query, points, memory, ratios,
                          None, None, num_steps=38)


def test_mismatched_checkpoint_fails_loudly(det_official, tmp_path):
    converted = convert(det_official)
    model = build_small(DET)
    broken = dict(converted)
    del broken['neck.convs.1.conv.bias']
    with pytest.raises(RuntimeError, match='neck.convs.1.conv.bias'):
        model.load_state_dict(broken, strict=False)
    path = str(tmp_path / 'broken.pth')
    torch.save(dict(state_dict=broken), path)
    with pytest.raises(RuntimeError, match='1 missing keys'):
        load_checkpoint(model, path, map_location='cpu')
    # 256-d learned prompts without adapter cannot take the 512-d CLIP prompts
    narrow = build_small(DET, **{'model.indicator.prompt_dims': None})
    with pytest.raises(RuntimeError, match='class_prompts: checkpoint'):
        narrow.load_state_dict(converted)


def test_converter_writes_prompts_for_prompt_file(det_official, tmp_path):
    conv = load_converter()
    converted = convert(det_official)
    path = conv.write_prompts(converted['prompt_indicator.class_prompts'],
                              str(tmp_path / 'o2s.pth'))
    assert path.endswith('o2s_prompts.npy')
    ind = PromptIndicator(num_classes=80, embed_dims=S['d'], num_heads=8,
                          ffn_dims=S['ffn'], prompt_file=path, prompt_dims=512)
    assert torch.equal(ind.class_prompts.data,
                       det_official['transformer.prompt_indicator.class_prompts'])
    assert isinstance(ind.prompt_adapter[1], torch.nn.LayerNorm)
    with pytest.raises(ValueError, match=r'expected \(80, 256\)'):
        PromptIndicator(num_classes=80, prompt_file=path)
    np.save(str(tmp_path / 'bad.npy'), np.zeros((7, 512), np.float16))
    with pytest.raises(ValueError, match='classes in dataset order'):
        PromptIndicator(num_classes=80, prompt_file=str(tmp_path / 'bad.npy'),
                        prompt_dims=512)
    # a missing file is needed only to initialise (training from scratch)
    missing = PromptIndicator(num_classes=80, embed_dims=S['d'], num_heads=8,
                              ffn_dims=S['ffn'], prompt_dims=512,
                              prompt_file=str(tmp_path / 'no.npy'))
    missing.load_state_dict(ind.state_dict())
    with pytest.raises(FileNotFoundError, match='obj2seq_clip_prompts.py'):
        missing.init_weights()
    np.save(str(tmp_path / 'no.npy'), np.ones((80, 512), np.float16))
    missing.init_weights()
    assert (missing.class_prompts.data == 1).all()
