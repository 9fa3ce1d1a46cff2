"""Obj2Seq: formatting objects as sequences with class prompts (NeurIPS 2022).

Importing this package registers the detector, its modules, the keypoint data
pipeline and the metrics into mmdet's registries.
"""
from ..common import standalone  # noqa: F401  (fixes when imported by itself)
from .datasets import (CocoKeypointDataset, CocoKeypointMetric,
                       KeypointDetLocalVisualizer, KeypointRandomCrop,
                       KeypointRandomFlip, KeypointResize,
                       LoadKeypointAnnotations, MultiLabelMAPMetric,
                       PackKeypointDetInputs)
from .losses import KeypointL1Loss, KeypointOKSLoss, Obj2SeqAsymmetricLoss
from .match_costs import (KeypointL1Cost, KeypointOKSCost,
                          Obj2SeqHungarianAssigner)
from .obj2seq import Obj2Seq
from .prompt_indicator import PromptIndicator
from .seq_head import Obj2SeqHead, SequencePredictor

__all__ = [
    'Obj2Seq', 'PromptIndicator', 'Obj2SeqHead', 'SequencePredictor',
    'Obj2SeqAsymmetricLoss', 'KeypointL1Loss', 'KeypointOKSLoss',
    'KeypointL1Cost', 'KeypointOKSCost', 'Obj2SeqHungarianAssigner',
    'CocoKeypointDataset', 'LoadKeypointAnnotations', 'KeypointResize',
    'KeypointRandomFlip', 'KeypointRandomCrop', 'PackKeypointDetInputs',
    'CocoKeypointMetric', 'MultiLabelMAPMetric', 'KeypointDetLocalVisualizer'
]
