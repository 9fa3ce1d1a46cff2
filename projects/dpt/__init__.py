"""DPT: Deformable Patch-based Transformer (Chen et al., ACM MM 2021, arXiv 2107.14467).

Importing this package registers :class:`DeformablePatchTransformer` in the mmpretrain,
mmdet and mmseg model registries and :class:`DropPathWarmupHook` in mmengine's hooks.
"""
from ..common import standalone  # noqa: F401  (fixes when imported by itself)
from .convert import (convert_dpt_to_official, convert_official_dpt,
                      is_official_dpt_state_dict)
from .depatch import DePatchEmbed
from .dpt import DeformablePatchTransformer
from .hooks import DropPathWarmupHook
from .registry import register_in_hosts

register_in_hosts()

__all__ = [
    'DePatchEmbed', 'DeformablePatchTransformer', 'DropPathWarmupHook',
    'convert_official_dpt', 'convert_dpt_to_official',
    'is_official_dpt_state_dict'
]
