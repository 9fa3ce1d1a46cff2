"""The reference configs (full scale) run a forward pass and predict."""
from mmengine.config import Config

from tests.utils import build_model, cls_forward, det_forward


def test_faster_rcnn_full_config_predicts():
    cfg = Config.fromfile('configs/baselines/faster-rcnn_r50_fpn_1x_coco.py')
    model = build_model(cfg)
    out = det_forward(model, size=(160, 192))
    assert len(out) == 1
    pred = out[0].pred_instances
    assert pred.bboxes.shape[1] == 4
    assert (pred.labels < 80).all()


def test_resnet18_full_config_predicts():
    cfg = Config.fromfile('configs/baselines/resnet18_8xb32_in1k.py')
    model = build_model(cfg)
    out = cls_forward(model, size=(224, 224))
    assert out[0].pred_score.shape == (1000, )
    assert abs(float(out[0].pred_score.sum()) - 1.0) < 1e-4
