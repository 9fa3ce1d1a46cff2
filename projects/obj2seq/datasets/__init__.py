"""Keypoints in mmdet's data pipeline, and the metrics of Obj2Seq."""
from .coco_keypoint import CocoKeypointDataset
from .metrics import CocoKeypointMetric, MultiLabelMAPMetric
from .transforms import (KeypointRandomCrop, KeypointRandomFlip, KeypointResize,
                         LoadKeypointAnnotations, PackKeypointDetInputs)
from .visualizer import KeypointDetLocalVisualizer

__all__ = [
    'CocoKeypointDataset', 'LoadKeypointAnnotations', 'KeypointResize',
    'KeypointRandomFlip', 'KeypointRandomCrop', 'PackKeypointDetInputs',
    'CocoKeypointMetric', 'MultiLabelMAPMetric', 'KeypointDetLocalVisualizer'
]
