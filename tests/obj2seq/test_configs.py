"""Every full Obj2Seq config builds and predicts on a small dummy image."""
import glob

import pytest
import torch
from mmengine.config import Config

from tests.obj2seq.helpers import make_sample
from tests.utils import build_model

FULL = sorted(glob.glob('configs/obj2seq/*.py'))


def test_all_configs_listed():
    assert len(FULL) == 6, FULL


@pytest.mark.parametrize('path', FULL)
def test_full_config_predicts(path):
    torch.manual_seed(0)
    cfg = Config.fromfile(path)
    cfg.model.backbone.init_cfg = None
    model = build_model(cfg)
    model.eval()
    pose = 'pose' in path
    kpts = torch.rand(1, 17, 3) * 40 if pose else None
    sample = make_sample((64, 64), [[4, 4, 40, 40]], [0], keypoints=kpts)
    with torch.no_grad():
        data = model.data_preprocessor(
            dict(inputs=[torch.randint(0, 255, (3, 64, 64), dtype=torch.uint8)],
                 data_samples=[sample]), False)
        out = model(**data, mode='predict')[0]
    pred = out.pred_instances
    if 'mlc' in path:
        assert out.multilabel_scores.shape == (80, )
        return
    assert len(pred) == cfg.model.test_cfg.max_per_img
    assert pred.bboxes.shape[1] == 4
    if pose:
        assert pred.keypoints.shape[1:] == (17, 2)
    elif 'deformable-detr' not in path:
        assert out.multilabel_scores.shape == (80, )


@pytest.mark.slow
def test_full_detection_config_computes_losses():
    torch.manual_seed(0)
    cfg = Config.fromfile('configs/obj2seq/obj2seq_r50_8xb1-50e_coco.py')
    cfg.model.backbone.init_cfg = None
    model = build_model(cfg)
    model.train()
    sample = make_sample((64, 64), [[4, 4, 40, 40], [30, 30, 60, 50]], [3, 17])
    data = model.data_preprocessor(
        dict(inputs=[torch.randint(0, 255, (3, 64, 64), dtype=torch.uint8)],
             data_samples=[sample]), True)
    losses = model(**data, mode='loss')
    assert len([k for k in losses if k.endswith('loss_cls')]) == 4
    assert 'loss_indicator_1' in losses
    assert torch.isfinite(sum(losses.values()))
