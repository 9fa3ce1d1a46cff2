"""Obj2Seq through mmdet's DetInferencer: multi-label scores and keypoints in the output
dict and in the PNG visualisation."""
import glob
import os.path as osp

import numpy as np

from tests.utils import REPO_ROOT

MLC = osp.join(REPO_ROOT, 'configs/obj2seq/tiny/obj2seq-mlc_r50_8xb1-50e_coco.py')
POSE = osp.join(REPO_ROOT,
                'configs/obj2seq/tiny/obj2seq-pose_r50_8xb1-50e_coco-keypoint.py')


def _image(tiny_data):
    return sorted(glob.glob(osp.join(tiny_data, 'coco', 'val2017', '*.jpg')))[0]


def _inferencer(config):
    import torch

    from projects.obj2seq.inference import Obj2SeqInferencer
    torch.manual_seed(0)
    return Obj2SeqInferencer(config, device='cpu')


def test_mlc_scores_reach_output_and_png(tiny_data, tmp_path):
    import mmcv
    from mmdet.apis import DetInferencer
    inferencer = _inferencer(MLC)
    assert isinstance(inferencer, DetInferencer)
    img = _image(tiny_data)
    out = inferencer(img, out_dir=str(tmp_path), no_save_pred=False)
    pred = out['predictions'][0]
    num_classes = inferencer.model.prompt_indicator.num_classes
    scores = np.array(pred['multilabel_scores'])
    assert scores.shape == (num_classes, ) and ((0 <= scores) & (scores <= 1)).all()
    classes = inferencer.model.dataset_meta['classes']
    assert pred['multilabel_classes'] == [
        classes[i] for i in np.flatnonzero(scores >= 0.5)]
    # the json dump carries them too
    dumped = glob.glob(str(tmp_path / 'preds' / '*.json'))
    assert dumped and 'multilabel_scores' in open(dumped[0]).read()
    vis = glob.glob(str(tmp_path / 'vis' / '*.png'))
    assert len(vis) == 1
    drawn = mmcv.imread(vis[0])
    plain = mmcv.imread(img)
    assert drawn.shape == plain.shape
    # no boxes (indicator-only model): every changed pixel is the score listing, top left
    changed = np.argwhere(np.abs(drawn.astype(int) - plain).sum(-1) > 60)
    assert len(changed) > 50
    assert changed[:, 0].max() < plain.shape[0] // 2


POSE_CHECK = """
import glob, json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import projects  # noqa: F401
import mmcv
import torch
from projects.obj2seq.inference import Obj2SeqInferencer
torch.manual_seed(0)
inferencer = Obj2SeqInferencer(sys.argv[2], device='cpu')
out = inferencer(sys.argv[3], out_dir=sys.argv[4], pred_score_thr=0.0)
pred = out['predictions'][0]
vis = glob.glob(sys.argv[4] + '/vis/*.png')
rgb = mmcv.imread(vis[0], channel_order='rgb').astype(int)
colour = np.array(inferencer.visualizer.keypoint_color)
joint = np.abs(rgb - colour).sum(-1) < 30
print(json.dumps(dict(num_boxes=len(pred['bboxes']), kpts=pred['keypoints'],
                      num_vis=len(vis), joint=np.argwhere(joint).tolist(),
                      shape=list(rgb.shape))))
"""


def test_pose_keypoints_reach_output_and_png(tiny_data, tmp_path):
    """In a fresh interpreter: matplotlib state left by other in-process tests (pyplot
    figures and backends) must not decide what this host API draws."""
    import json
    import subprocess
    import sys
    res = subprocess.run(
        [sys.executable, '-c', POSE_CHECK, REPO_ROOT, POSE, _image(tiny_data),
         str(tmp_path)], capture_output=True, text=True, cwd=REPO_ROOT)
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    kpts = np.array(out['kpts'])
    assert out['num_boxes'] > 0
    assert kpts.shape[:2] == (out['num_boxes'], 17)
    assert out['num_vis'] == 1
    joint = np.zeros(out['shape'][:2], bool)
    if out['joint']:
        joint[tuple(np.array(out['joint']).T)] = True
    # an untrained model's joints may fall anywhere (boxes are not clipped, as the official
    # code) and labels are drawn above them: most visible joints inside the image must be
    # drawn where they were predicted
    h, w = joint.shape
    pts = kpts.reshape(-1, kpts.shape[-1])
    visible = pts[:, 2] > 0 if pts.shape[1] == 3 else np.ones(len(pts), bool)
    inside = visible & (pts[:, 0] >= 3) & (pts[:, 0] < w - 3) & \
        (pts[:, 1] >= 3) & (pts[:, 1] < h - 3)
    assert inside.sum() > 0
    drawn = [joint[y - 3:y + 4, x - 3:x + 4].any()
             for x, y in pts[inside, :2].astype(int)]
    assert np.mean(drawn) > 0.5, f'{sum(drawn)}/{len(drawn)} joints drawn'
