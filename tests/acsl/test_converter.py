"""The official-checkpoint converter on synthetic mmdet-v1 state dicts."""
import importlib.util
import os.path as osp
from collections import OrderedDict

import pytest
import torch

from tests.acsl.helpers import mmdet_config, skip_random_init
from tests.utils import REPO_ROOT, build_model

CONVERTER = osp.join(REPO_ROOT, 'tools', 'model_converters',
                     'acsl_official_to_mmdet3.py')


def _load_converter():
    spec = importlib.util.spec_from_file_location('acsl_converter', CONVERTER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _faster_rcnn(num_classes, cascade=False):
    from mmengine.config import Config
    name = ('cascade-rcnn_r50_fpn_1x_coco.py' if cascade else
            'faster-rcnn_r50_fpn_1x_coco.py')
    base = 'cascade_rcnn' if cascade else 'faster_rcnn'
    cfg = Config.fromfile(mmdet_config(f'{base}/{name}'))
    heads = cfg.model.roi_head.bbox_head
    for head in heads if cascade else [heads]:
        head.num_classes = num_classes
    cfg.model.backbone.init_cfg = None
    return build_model(cfg)


def _official_from(model_state, num_classes):
    """An mmdet-v1 style state dict: top-level heads, bg-first cls, bg rows in reg."""
    official = OrderedDict()
    gen = torch.Generator().manual_seed(0)
    for key, value in model_state.items():
        old = key[len('roi_head.'):] if key.startswith('roi_head.') else key
        if old.endswith('fc_reg.weight') and value.size(0) == 4 * num_classes:
            value = torch.randn(4 * (num_classes + 1), value.size(1),
                                generator=gen)
        elif old.endswith('fc_reg.bias') and value.size(0) == 4 * num_classes:
            value = torch.randn(4 * (num_classes + 1), generator=gen)
        elif value.is_floating_point() and ('bbox_head' in old or
                                            old == 'backbone.conv1.weight'):
            value = torch.randn(value.shape, generator=gen)
        official[old] = value
    return official


def test_official_faster_rcnn_keys_and_channel_order(monkeypatch):
    skip_random_init(monkeypatch)
    conv = _load_converter()
    num_classes = 7
    model = _faster_rcnn(num_classes)
    official = _official_from(model.state_dict(), num_classes)
    # the real mmdet v1 names of the R-CNN head are top level
    for key in ('bbox_head.fc_cls.weight', 'bbox_head.fc_reg.weight',
                'bbox_head.shared_fcs.0.weight', 'rpn_head.rpn_cls.weight',
                'neck.lateral_convs.0.conv.weight', 'backbone.conv1.weight'):
        assert key in official
    assert official['bbox_head.fc_cls.weight'].shape[0] == num_classes + 1
    assert official['bbox_head.fc_reg.weight'].shape[0] == 4 * (num_classes + 1)

    new = conv.convert_state_dict(official)
    missing, unexpected = model.load_state_dict(new, strict=True)
    assert not missing and not unexpected

    cls_w = official['bbox_head.fc_cls.weight']
    new_w = new['roi_head.bbox_head.fc_cls.weight']
    assert torch.equal(new_w[:num_classes], cls_w[1:])   # classes 1..C -> 0..C-1
    assert torch.equal(new_w[num_classes], cls_w[0])     # bg row -> last
    cls_b = official['bbox_head.fc_cls.bias']
    assert torch.equal(new['roi_head.bbox_head.fc_cls.bias'],
                       torch.cat([cls_b[1:], cls_b[:1]]))
    reg = official['bbox_head.fc_reg.weight']
    assert torch.equal(new['roi_head.bbox_head.fc_reg.weight'], reg[4:])
    assert torch.equal(new['backbone.conv1.weight'],
                       official['backbone.conv1.weight'])


def test_official_cascade_keys(monkeypatch):
    skip_random_init(monkeypatch)
    conv = _load_converter()
    num_classes = 5
    model = _faster_rcnn(num_classes, cascade=True)
    official = _official_from(model.state_dict(), num_classes)
    assert 'bbox_head.2.fc_cls.weight' in official
    assert official['bbox_head.1.fc_reg.weight'].shape[0] == 4  # agnostic
    new = conv.convert_state_dict(official)
    model.load_state_dict(new, strict=True)
    for stage in range(3):
        old = official[f'bbox_head.{stage}.fc_cls.weight']
        got = new[f'roi_head.bbox_head.{stage}.fc_cls.weight']
        assert torch.equal(got[-1], old[0]) and torch.equal(got[0], old[1])
        assert torch.equal(new[f'roi_head.bbox_head.{stage}.fc_reg.weight'],
                           official[f'bbox_head.{stage}.fc_reg.weight'])


def test_converter_cli_and_bad_input(tmp_path):
    conv = _load_converter()
    official = OrderedDict([
        ('backbone.conv1.weight', torch.randn(2, 3, 1, 1)),
        ('bbox_head.fc_cls.weight', torch.arange(12.).view(4, 3)),
        ('bbox_head.fc_cls.bias', torch.arange(4.)),
        ('bbox_head.fc_reg.weight', torch.randn(16, 3)),
        ('bbox_head.fc_reg.bias', torch.randn(16)),
    ])
    src = tmp_path / 'official.pth'
    torch.save(dict(state_dict=official, meta=dict(epoch=12)), src)
    dst = tmp_path / 'out' / 'ours.pth'
    conv.main([str(src), str(dst)])
    saved = torch.load(dst, weights_only=False)['state_dict']
    assert saved['roi_head.bbox_head.fc_cls.bias'].tolist() == [1., 2., 3., 0.]
    assert saved['roi_head.bbox_head.fc_reg.weight'].shape == (12, 3)

    with pytest.raises(ValueError, match='fc_cls'):
        conv.convert_state_dict({'backbone.conv1.weight': torch.zeros(1)})
    bad = dict(official)
    bad['bbox_head.fc_reg.weight'] = torch.randn(10, 3)
    with pytest.raises(ValueError, match='10 output rows'):
        conv.convert_state_dict(bad)
