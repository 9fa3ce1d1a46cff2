"""UniVIP: a unified framework for self-supervised visual pre-training (CVPR 2022).

Registers ``SinkhornOT`` in mmpretrain's MODELS. The loss functions of sec. 3.1-3.3
live in :mod:`.losses`.
"""
from ..common import standalone  # noqa: F401  (fixes when imported by itself)
from .losses import (instance_instance_loss, instance_weights, negative_cosine,
                     scene_instance_loss, scene_scene_loss)
from .sinkhorn import SinkhornOT, log_sinkhorn, normalise_marginals

__all__ = [
    'SinkhornOT', 'instance_instance_loss', 'instance_weights', 'log_sinkhorn',
    'negative_cosine', 'normalise_marginals', 'scene_instance_loss', 'scene_scene_loss'
]
