"""tools/analysis_tools/obj2seq_benchmark.py: arms and the report of the twins' metrics."""
import argparse

from tests.utils import load_tool


def test_arms_toggle_only_the_predictor():
    tool = load_tool('analysis_tools/obj2seq_benchmark')
    by_name = {a.name: a for a in tool.ARMS}
    assert by_name['det-sequence'].options == by_name['pose-sequence'].options == {}
    assert by_name['mlc'].options == {}
    assert by_name['det-parallel'].options == {'model.bbox_head.predictor': 'parallel'}
    assert {a.config for a in tool.ARMS} == {tool.DET, tool.POSE, tool.MLC}


def test_report_scales_ap_and_skips_missing_rows(tmp_path):
    tool = load_tool('analysis_tools/obj2seq_benchmark')
    det = [dict(metrics={'coco/bbox_mAP': v, 'subset/inside_pct': 100.0}, curve=[(1, 1.0)])
           for v in (0.1, 0.2, 0.3)]
    pose = [dict(metrics={'coco/bbox_mAP': 0.1, 'coco/keypoints_mAP': 0.05}, curve=[])] * 3
    mlc = [dict(metrics={'multi-label/mAP': v, 'multi-label/mAP_chance': 30.0},
                curve=[(1, 2.0)]) for v in (60.0, 70.0, 80.0)]
    args = argparse.Namespace(seeds=[0, 1, 2], epochs=1, train_images=512, val_images=128)
    text = tool.report({'det-sequence': det, 'pose-parallel': pose, 'mlc': mlc},
                       args).markdown()
    assert '| (b) box AP, sequence head | 20.0 ± 10.0 | 10.0 / 20.0 / 30.0 |' in text
    assert '| (d) keypoint AP (OKS), parallel MLP head | 5.0 ± 0.0 |' in text
    assert '| (a) indicator multi-label mAP | 70.0 ± 10.0 | 60.0 / 70.0 / 80.0 |' in text
    assert '| (a) chance (random scores, same val labels) | 30.0 ± 0.0 |' in text
    assert '(c) % detections inside' in text and 'K = 1' not in text  # no k1 metric given
    assert '(b) box AP, parallel' not in text  # arm absent
    assert '1 epochs on 512 training images, 128 val images' in text
