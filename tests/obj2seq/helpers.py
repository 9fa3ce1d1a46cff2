"""Tiny Obj2Seq models and hand-made batches for the tests."""
import copy

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

import projects.obj2seq  # noqa: F401
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample

TINY_DET = 'configs/obj2seq/tiny/obj2seq_r50_8xb1-50e_coco.py'
TINY_POSE = 'configs/obj2seq/tiny/obj2seq-pose_r50_8xb1-50e_coco-keypoint.py'


def build_tiny(path=TINY_DET, options=None, seed=0):
    """Build the tiny twin's model (initialised); ``options`` are dotted
    overrides such as ``{'model.indicator.num_blocks': 2}``."""
    init_default_scope('mmdet')
    cfg = Config.fromfile(path)
    if options:
        cfg.merge_from_dict(options)
    torch.manual_seed(seed)
    model = MODELS.build(copy.deepcopy(cfg.model))
    model.init_weights()
    return model


def make_sample(img_shape, boxes, labels, batch_shape=(64, 64),
                keypoints=None, crowd_labels=()):
    """A DetDataSample with pixel xyxy ``boxes`` and class ``labels``."""
    sample = DetDataSample(metainfo=dict(
        img_shape=img_shape, batch_input_shape=batch_shape,
        ori_shape=img_shape, scale_factor=(1., 1.), img_id=0))
    gt = InstanceData(bboxes=torch.tensor(boxes, dtype=torch.float32).view(-1, 4),
                      labels=torch.tensor(labels, dtype=torch.long))
    if keypoints is not None:
        gt.keypoints = torch.as_tensor(keypoints, dtype=torch.float32)
    sample.gt_instances = gt
    sample.ignored_instances = InstanceData(
        bboxes=torch.zeros(len(crowd_labels), 4),
        labels=torch.tensor(list(crowd_labels), dtype=torch.long))
    return sample
