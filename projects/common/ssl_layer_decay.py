"""Layer-wise learning-rate decay for detectors and segmentors with a ViT backbone.

mmpretrain's ``LearningRateDecayOptimWrapperConstructor`` (used by the MAE/BEiT
fine-tuning recipes) asks the *model* for ``get_layer_depth``, which mmpretrain
classifiers have but mmdet detectors and mmseg segmentors do not. This subclass falls
back to the backbone's ``get_layer_depth`` (mmpretrain ``VisionTransformer``) with the
``backbone.`` prefix, so every non-backbone parameter (neck, heads) gets the full rate.
Used by the detection / segmentation transfer configs of the self-supervised methods.
"""
from functools import partial

from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS
from mmpretrain.engine.optimizers import \
    LearningRateDecayOptimWrapperConstructor


@OPTIM_WRAPPER_CONSTRUCTORS.register_module(force=True)
class BackboneLayerDecayOptimWrapperConstructor(
        LearningRateDecayOptimWrapperConstructor):
    """``LearningRateDecayOptimWrapperConstructor`` for models whose backbone owns
    ``get_layer_depth`` (lr of a parameter at depth d: ``lr * rate ** (D - d - 1)``).

    Registered in mmengine's root registry, so mmdet, mmseg and mmpretrain configs find
    it by ``constructor='BackboneLayerDecayOptimWrapperConstructor'``.
    """

    def add_params(self, params, module, prefix='', get_layer_depth=None,
                   **kwargs):
        if get_layer_depth is None and not hasattr(module, 'get_layer_depth'):
            backbone = getattr(module, 'backbone', None)
            if backbone is None or not hasattr(backbone, 'get_layer_depth'):
                raise TypeError(
                    f'{type(module).__name__} and its backbone '
                    f'{type(backbone).__name__} have no get_layer_depth; use a '
                    'ViT backbone from mmpretrain (e.g. '
                    "type='mmpretrain.VisionTransformer') or drop the "
                    'layer-decay constructor')
            get_layer_depth = partial(
                backbone.get_layer_depth, prefix=prefix + 'backbone.')
        super().add_params(
            params, module, prefix=prefix, get_layer_depth=get_layer_depth,
            **kwargs)
