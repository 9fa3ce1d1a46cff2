"""Teacher-student self-supervision toolkit on mmpretrain (DINO-style, frozen-feature eval).

Import it from a config with ``custom_imports = dict(imports=['projects.common.ssl'])``.
Everything is registered in mmpretrain's registries (use ``default_scope='mmpretrain'``).

Public names (registry, type name: module):

- MODELS ``EMATeacher``: :mod:`.ema_teacher` -- cosine EMA teacher on ``CosineEMA``;
  ``momentum`` is 1 - tau (DINO tau 0.996 -> 0.004, end 0). Helper ``momentum_from_tau``.
- MODELS ``DINOProjectionHead``: :mod:`.projection_head` -- MLP + l2 bottleneck +
  ``WeightNormPrototypes`` (plain-tensor weight norm, ``norm_last_layer``).
- MODELS ``CenteredCrossEntropyLoss``: :mod:`.centering_loss` -- DINO loss with one center
  per token type, T_s / T_t and the teacher-temperature warm-up.
- HOOKS ``TeacherTempScheduleHook``, ``FreezeLastLayerHook``, ``CosineWeightDecayHook``:
  :mod:`.hooks` (single process or wrapped model; helper ``unwrap_model``).
- TRANSFORMS ``MultiCrop``: :mod:`.multi_crop` -- global + local crops on mmpretrain
  transforms, blur radius drawn per call.
- METRICS ``KNNAccuracy``, ``LinearProbeAccuracy`` and LOOPS ``FrozenFeatureTestLoop``:
  :mod:`.frozen_eval`, with the functions ``knn_predict``, ``linear_probe``,
  ``extract_features``, ``iter_features``, ``pool_features``, ``topk_accuracy``.
"""
from .centering_loss import CenteredCrossEntropyLoss
from .ema_teacher import EMATeacher, momentum_from_tau
from .frozen_eval import (FrozenFeatureMetric, FrozenFeatureTestLoop, KNNAccuracy,
                          LinearProbeAccuracy, extract_features, iter_features,
                          knn_predict, linear_probe, pool_features, topk_accuracy)
from .hooks import (CosineWeightDecayHook, FreezeLastLayerHook,
                    TeacherTempScheduleHook, unwrap_model)
from .multi_crop import MultiCrop
from .projection_head import DINOProjectionHead, WeightNormPrototypes

__all__ = [
    'CenteredCrossEntropyLoss', 'CosineWeightDecayHook', 'DINOProjectionHead',
    'EMATeacher', 'FreezeLastLayerHook', 'FrozenFeatureMetric', 'FrozenFeatureTestLoop',
    'KNNAccuracy', 'LinearProbeAccuracy', 'MultiCrop', 'TeacherTempScheduleHook',
    'WeightNormPrototypes', 'extract_features', 'iter_features', 'knn_predict',
    'linear_probe', 'momentum_from_tau', 'pool_features', 'topk_accuracy',
    'unwrap_model'
]
