"""UniVIP algorithm: BYOL with scene-instance and OT instance-instance terms.

UniVIP (CVPR 2022; spec sections 1.4-1.5 and 5). The online network is
mmpretrain's BYOL stack (backbone + ``NonLinearNeck`` projector + ``LatentPredictHead``
predictor); the target is an EMA copy of backbone + projector (``EMATeacher``, momentum
1 - tau). Instances are the K proposal crops the sampler cut from the original image;
they pass through the same networks in their own backbone call (other resolution,
own BN statistics), like BYOL's two views.
"""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmpretrain.models.selfsup import BaseSelfSupervisor
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ..common.ssl import EMATeacher
from .losses import (OT_WEIGHT_MODES, instance_instance_loss, scene_instance_loss,
                     scene_scene_loss)

LOSS_TERMS = ('scene', 'scene_instance', 'instance')


@MODELS.register_module()
class UniVIP(BaseSelfSupervisor):
    """UniVIP self-supervisor.

    Inputs (after ``UniVIPViewAugment`` and ``SelfSupDataPreprocessor``): a list of
    ``2 + K`` tensors [scene1, scene2, inst_1..inst_K] or ``2 + 2K`` with a separate
    target view of every instance. Losses: ``loss_scene`` (L(s1, s2) + L(s2, s1)),
    ``loss_scene_instance`` and ``loss_instance``, each times its ``loss_weights`` entry
    (all 1 in the paper), plus ``instance_fallback`` (share of random-fill boxes, logged
    only) when the data samples carry ``num_fallback_instances``.

    Args:
        backbone, neck, head (dict): As mmpretrain ``BYOL``; ``head`` must be a
            ``LatentPredictHead`` (its ``predictor`` and ``loss_module`` are used).
        num_instances (int): K. Defaults to 4.
        embed_dim (int): Projection width d (neck output). Defaults to 256.
        base_momentum (float): ``1 - tau`` at the start. Defaults to 0.01
            (tau 0.99, the COCO recipe [INF]).
        end_momentum (float): ``1 - tau`` at the end. Defaults to 0.
        ot (dict): ``SinkhornOT`` config. Defaults to eps 0.1, 50 iterations, unit mass.
        ot_weights (str): 'scene' (paper) or 'uniform' (ablation arm).
        loss_weights (dict): Weight per term; a term with weight 0 is not computed,
            and with both instance terms at 0 the instances are not forwarded (BYOL).
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 num_instances: int = 4,
                 embed_dim: int = 256,
                 base_momentum: float = 0.01,
                 end_momentum: float = 0.0,
                 ot: Optional[dict] = None,
                 ot_weights: str = 'scene',
                 loss_weights: Optional[Dict[str, float]] = None,
                 pretrained: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[List[dict], dict]] = None) -> None:
        super().__init__(backbone=backbone, neck=neck, head=head,
                         pretrained=pretrained, data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if ot_weights not in OT_WEIGHT_MODES:
            raise ValueError(f'UniVIP ot_weights={ot_weights!r} is not one of '
                             f'{OT_WEIGHT_MODES}.')
        weights = dict.fromkeys(LOSS_TERMS, 1.0)
        unknown = set(loss_weights or {}) - set(LOSS_TERMS)
        if unknown:
            raise ValueError(f'UniVIP loss_weights has unknown keys {sorted(unknown)}; '
                             f'use {LOSS_TERMS}.')
        weights.update(loss_weights or {})
        self.loss_weights = weights
        self.num_instances = num_instances
        self.ot_weights = ot_weights
        self.instance_fuse = nn.Linear(num_instances * embed_dim, embed_dim)
        self.ot = MODELS.build(ot or dict(type='SinkhornOT'))
        self.target_net = EMATeacher(nn.Sequential(self.backbone, self.neck),
                                     momentum=base_momentum,
                                     end_momentum=end_momentum)

    def _project(self, img: torch.Tensor) -> torch.Tensor:
        return self.neck(self.backbone(img))[0]

    def _predict(self, proj: torch.Tensor) -> torch.Tensor:
        return self.head.predictor([proj])[0]

    def _split_inputs(self, inputs: List[torch.Tensor]):
        k = self.num_instances
        if len(inputs) not in (2 + k, 2 + 2 * k):
            raise ValueError(
                f'UniVIP got {len(inputs)} views; expected 2 scenes + {k} instances '
                f'({2 + k}) or + {k} target instances ({2 + 2 * k}). Check that '
                'UniVIPSceneInstanceSampler.num_instances equals model.num_instances.')
        online = torch.stack(inputs[2:2 + k], dim=1).flatten(0, 1)
        target = (torch.stack(inputs[2 + k:], dim=1).flatten(0, 1)
                  if len(inputs) == 2 + 2 * k else online)
        return inputs[0], inputs[1], online, target

    def loss(self, inputs: List[torch.Tensor], data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        """Three UniVIP losses for one batch (the three loss equations)."""
        scene1, scene2, inst_online, inst_target = self._split_inputs(inputs)
        batch, k = scene1.shape[0], self.num_instances
        use_instances = (self.loss_weights['scene_instance'] > 0
                         or self.loss_weights['instance'] > 0)
        p1 = self._predict(self._project(scene1))
        p2 = self._predict(self._project(scene2))
        if use_instances:
            online = self._predict(self._project(inst_online)).view(batch, k, -1)
        with torch.no_grad():
            self.target_net.update_parameters(nn.Sequential(self.backbone, self.neck))
            t1 = self.target_net(scene1)[0]
            t2 = self.target_net(scene2)[0]
            if use_instances:
                target = self.target_net(inst_target)[0].view(batch, k, -1)

        loss_fn = self.head.loss_module
        losses = dict(loss_scene=self.loss_weights['scene']
                      * scene_scene_loss(p1, p2, t1, t2, loss_fn))
        if self.loss_weights['scene_instance'] > 0:
            fused = self.instance_fuse(online.flatten(1))
            losses['loss_scene_instance'] = self.loss_weights['scene_instance'] * \
                scene_instance_loss(fused, t1, t2, loss_fn)
        if self.loss_weights['instance'] > 0:
            losses['loss_instance'] = self.loss_weights['instance'] * \
                instance_instance_loss(online, target, (p1, p2), (t1, t2), self.ot,
                                       self.ot_weights)
        if data_samples and 'num_fallback_instances' in data_samples[0]:
            fallback = sum(int(s.num_fallback_instances) for s in data_samples)
            losses['instance_fallback'] = scene1.new_tensor(
                fallback / (len(data_samples) * k))
        return losses
