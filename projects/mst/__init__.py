"""MST: Masked Self-Supervised Transformer for Visual Representation (NeurIPS 2021).

Registers in mmpretrain's registries: ``MST`` and ``MSTHead`` (:mod:`.mst`), ``MSTViT``
(:mod:`.mst_vit`), ``AttentionGuidedMasker`` (:mod:`.masking`), ``MSTGlobalDecoder`` and
``ImageRestoreLoss`` (:mod:`.decoder`), the transform ``MSTMultiCrop`` (:mod:`.transforms`),
and the dense per-patch probe ``FrozenPatchTestLoop`` + ``PatchProbeMIoU`` (:mod:`.dense_probe`).
The DINO pieces (EMA teacher, projection head, centred loss, schedule hooks, frozen-feature
evaluation) come from :mod:`projects.common.ssl`.
"""
import projects.common.ssl  # noqa: F401  (registers the DINO toolkit)
from .decoder import ImageRestoreLoss, MSTGlobalDecoder
from .dense_probe import FrozenPatchTestLoop, PatchProbeMIoU, dense_patch_probe
from .masking import AttentionGuidedMasker
from .mst import MST, MSTHead
from .mst_vit import MSTViT, attention_weights
from .transforms import MSTMultiCrop

__all__ = [
    'AttentionGuidedMasker', 'FrozenPatchTestLoop', 'ImageRestoreLoss', 'MST',
    'MSTGlobalDecoder', 'MSTHead', 'MSTMultiCrop', 'MSTViT', 'PatchProbeMIoU',
    'attention_weights', 'dense_patch_probe'
]
