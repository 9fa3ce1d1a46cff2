"""UniVIP: a unified framework for self-supervised visual pre-training (CVPR 2022).

Registers ``UniVIP`` and ``SinkhornOT`` (MODELS), ``UniVIPProposalDataset`` (DATASETS),
``UniVIPSceneInstanceSampler`` and ``UniVIPViewAugment`` (TRANSFORMS) in mmpretrain's
registries. The scene-scene, scene-instance and instance-instance losses live in :mod:`.losses`.
"""
from ..common import standalone  # noqa: F401  (fixes when imported by itself)
from .losses import (instance_instance_loss, instance_weights, negative_cosine,
                     scene_instance_loss, scene_scene_loss)
from .proposal_dataset import UniVIPProposalDataset
from .sinkhorn import SinkhornOT, log_sinkhorn, normalise_marginals
from .transforms import (UniVIPSceneInstanceSampler, UniVIPViewAugment, box_iou,
                         boxes_inside, filter_proposals, shape_filter)
from .univip import UniVIP

__all__ = [
    'UniVIP', 'UniVIPProposalDataset', 'UniVIPSceneInstanceSampler', 'UniVIPViewAugment',
    'box_iou', 'boxes_inside', 'filter_proposals', 'shape_filter',
    'SinkhornOT', 'instance_instance_loss', 'instance_weights', 'log_sinkhorn',
    'negative_cosine', 'normalise_marginals', 'scene_instance_loss', 'scene_scene_loss'
]
