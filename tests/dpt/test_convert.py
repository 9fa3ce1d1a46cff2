"""Official checkpoint layout -> ours: key/shape coverage, round trip, forward parity."""
import importlib.util
import os.path as osp

import pytest
import torch

from projects.dpt import (DeformablePatchTransformer, convert_dpt_to_official,
                          convert_official_dpt)

from .official_reference import MINI, TINY, official_forward, official_state_dict

BUFFERS = ('box_coder.anchor', 'value_spatial_shapes', 'value_level_start_index')
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _params(sd):
    return sum(v.numel() for k, v in sd.items() if not k.endswith(BUFFERS))


def test_official_tiny_param_count_and_strict_load():
    """Spec invariant 5 (15.2M with the 1000-class head) and a strict load."""
    sd = official_state_dict(TINY)
    assert abs(_params(sd) - 15.2e6) < 0.1e6
    out = convert_official_dpt(sd, with_cls_token=True)
    model = DeformablePatchTransformer(
        arch='tiny', out_type='cls_token', out_indices=(3, ), final_norm=True)
    model.load_state_dict(out['backbone'], strict=True)
    assert sum(p.numel() for p in model.parameters()) + sum(
        v.numel() for v in out['head'].values()) == _params(sd)
    dense = convert_official_dpt(sd, with_cls_token=False)['backbone']
    DeformablePatchTransformer(arch='tiny').load_state_dict(dense, strict=True)


def test_round_trip_restores_official_keys():
    sd = official_state_dict(MINI, img_size=64, num_classes=5)
    out = convert_official_dpt(sd, with_cls_token=True)
    back = convert_dpt_to_official(out['backbone'], out['head'])
    expect = {k: v for k, v in sd.items() if not k.endswith(BUFFERS)}
    assert set(back) == set(expect)
    for key, value in expect.items():
        assert torch.equal(back[key], value), key


def _mini_backbone(**kwargs):
    return DeformablePatchTransformer(
        arch=MINI, pretrain_img_size=64, drop_path_rate=0.1, **kwargs).eval()


def _double(sd):
    return {k: v.double() if v.is_floating_point() else v for k, v in sd.items()}


def test_dense_forward_matches_official_reference():
    """Spec invariant 7: moved/clamped boxes, non-square input, resized pos-embeds."""
    torch.manual_seed(0)
    sd = _double(official_state_dict(MINI, img_size=64, offset_std=0.5))
    model = _mini_backbone().double()
    model.load_state_dict(
        convert_official_dpt(sd)['backbone'], strict=True)
    x = torch.randn(2, 3, 64, 96, dtype=torch.float64)
    with torch.no_grad():
        ours = model(x)
        ref = official_forward(sd, x, MINI, dense=True)
    assert [o.shape[2:] for o in ours] == [(16, 24), (8, 12), (4, 6), (2, 3)]
    for a, b in zip(ours, ref):
        torch.testing.assert_close(a, b, atol=1e-9, rtol=1e-9)
    # the boxes really moved and hit the border
    boxes = model.patch_embeds[1].decode_boxes(
        *model.patch_embeds[1].predict_codes(model(x)[0]))
    assert (boxes == 0).any() and (boxes == 1).any()


def test_classification_forward_matches_official_reference():
    torch.manual_seed(0)
    sd = _double(
        official_state_dict(MINI, img_size=64, num_classes=5, offset_std=0.5))
    out = convert_official_dpt(sd, with_cls_token=True)
    model = _mini_backbone(
        out_type='cls_token', out_indices=(3, ), final_norm=True).double()
    model.load_state_dict(out['backbone'], strict=True)
    x = torch.randn(2, 3, 64, 64, dtype=torch.float64)
    with torch.no_grad():
        feat = model(x)[0]
        logits = feat @ out['head']['weight'].t() + out['head']['bias']
        ref = official_forward(sd, x, MINI, dense=False)
    torch.testing.assert_close(logits, ref, atol=1e-9, rtol=1e-9)


def test_init_cfg_loads_official_checkpoint(tmp_path):
    sd = official_state_dict(MINI, img_size=64, offset_std=0.5)
    path = str(tmp_path / 'official.pth')
    torch.save({'model': sd}, path)
    model = _mini_backbone(init_cfg=dict(type='Pretrained', checkpoint=path))
    model.init_weights()
    assert torch.equal(model.patch_embeds[2].offset_predictor.weight,
                       sd['patch_embed3.offset_predictor.weight'])
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        for a, b in zip(model(x), official_forward(sd, x, MINI)):
            torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)


def _load_tool():
    path = osp.join(REPO, 'tools', 'model_converters', 'dpt2mmvrl.py')
    spec = importlib.util.spec_from_file_location('dpt2mmvrl', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_converter_tool_classification_and_detection(tmp_path):
    tool = _load_tool()
    sd = official_state_dict(MINI, img_size=64, num_classes=5)
    src = tmp_path / 'cls.pth'
    torch.save({'model': sd}, src)
    dst = tmp_path / 'cls_mmvrl.pth'
    tool.main([str(src), str(dst), '--task', 'cls'])
    converted = torch.load(dst, map_location='cpu')['state_dict']
    assert torch.equal(converted['head.fc.weight'], sd['head.weight'])
    assert 'backbone.cls_pos_embed' in converted

    det = {'backbone.' + k: v for k, v in sd.items()
           if not k.startswith(('head.', 'norm.', 'cls_token'))}
    det['neck.fpn_convs.0.conv.weight'] = torch.zeros(2, 2, 3, 3)
    src = tmp_path / 'det.pth'
    torch.save({'state_dict': det, 'meta': {}}, src)
    dst = tmp_path / 'det_mmvrl.pth'
    tool.main([str(src), str(dst), '--task', 'det'])
    converted = torch.load(dst, map_location='cpu')['state_dict']
    assert 'neck.fpn_convs.0.conv.weight' in converted
    assert converted['backbone.pos_embeds.3.pos_embed'].shape[1] == 4
    with pytest.raises(SystemExit):
        tool.main([str(tmp_path / 'missing.pth'), str(dst)])
