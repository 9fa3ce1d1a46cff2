"""tools/analysis_tools/obj2seq_benchmark.py: arms and the report of the twins' metrics."""
import argparse

from tests.utils import load_tool


def test_arms_toggle_only_the_predictor():
    tool = load_tool('analysis_tools/obj2seq_benchmark')
    by_name = {a.name: a for a in tool.ARMS}
    assert by_name['det-sequence'].options == by_name['pose-sequence'].options == {}
    assert by_name['det-parallel'].options == {'model.bbox_head.predictor': 'parallel'}
    assert {a.config for a in tool.ARMS} == {tool.DET, tool.POSE}


def test_report_scales_ap_and_keeps_missing_cells(tmp_path):
    tool = load_tool('analysis_tools/obj2seq_benchmark')
    det = [dict(metrics={'coco/bbox_mAP': v, 'subset/inside_pct': 100.0}, curve=[(1, 1.0)])
           for v in (0.1, 0.2, 0.3)]
    pose = [dict(metrics={'coco/bbox_mAP': 0.1, 'coco/keypoints_mAP': 0.05}, curve=[])] * 3
    args = argparse.Namespace(seeds=[0, 1, 2], epochs=1)
    text = tool.report({'det-sequence': det, 'pose-parallel': pose}, args).markdown()
    assert '| arm | coco/bbox_mAP | coco/keypoints_mAP | subset/inside_pct |' in text
    assert '| detection, sequence head | 20.0 ± 10.0 | - | 100.0 ± 0.0 |' in text
    assert '| keypoints, parallel MLP head | 10.0 ± 0.0 | 5.0 ± 0.0 | - |' in text
