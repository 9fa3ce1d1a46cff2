"""The tiny multi-object scene set (make_tiny_datasets.py --only univip_scenes) loads through
UniVIPProposalDataset, and its proposals and labels are what the probes assume."""
import json
import os.path as osp

import numpy as np
from mmpretrain.registry import DATASETS

from projects.univip import box_iou

ROOT = 'data/tiny/univip_scenes'


def test_scenes_load_and_proposals_cover_every_object(tiny_data):
    dataset = DATASETS.build(dict(
        type='UniVIPProposalDataset', data_root=ROOT,
        ann_file='annotations/proposals_train.json', data_prefix=dict(img_path='train/'),
        pipeline=[]))
    with open(osp.join(ROOT, 'annotations', 'scenes_train.json')) as f:
        scenes = json.load(f)['data_list']
    assert len(dataset) == len(scenes) == 1000
    for i in range(0, len(scenes), 50):
        info, scene = dataset[i], scenes[i]
        assert info['img_path'].endswith(scene['img_path'])
        assert 2 <= len(scene['objects']) <= 4
        boxes = info['proposals']
        # proposals = jittered objects + 2-4 distractors, inside the 64x64 image
        assert len(scene['objects']) + 2 <= len(boxes) <= len(scene['objects']) + 4
        assert boxes.min() >= 0 and boxes.max() <= 64
        for obj in scene['objects']:
            assert 0 <= obj['label'] < 10 and obj['area'] >= 20
            assert box_iou(np.array(obj['bbox'], np.float32), boxes).max() > 0.5
