"""ACSL: Adaptive Class Suppression Loss for long-tailed detection (CVPR 2021).

Registers :class:`ACSLLoss` in mmdet's MODELS, and the hooks of the decoupled recipe
(:class:`FreezeAllButHook`, :class:`ACSLFrequencyHook`) in mmdet's HOOKS.
"""
from ..common import standalone  # noqa: F401  (fixes when imported by itself)
from .acsl_loss import ACSLLoss
from .frequency import (count_images_per_label, label_groups_from_image_counts,
                        label_groups_from_lvis, load_label_groups_file,
                        load_lvis_frequencies, read_lvis_categories)
from .hooks import ACSLFrequencyHook, FreezeAllButHook, acsl_losses, freeze_all_but

__all__ = [
    'ACSLLoss', 'ACSLFrequencyHook', 'FreezeAllButHook', 'acsl_losses',
    'freeze_all_but', 'count_images_per_label', 'label_groups_from_image_counts',
    'label_groups_from_lvis', 'load_lvis_frequencies', 'load_label_groups_file',
    'read_lvis_categories'
]
