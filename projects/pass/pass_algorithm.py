"""PASS pre-training algorithm (official ``train_one_epoch`` of ``PASS/main_pass.py``).

Student = PASSViT + PASSProjector; teacher = its EMA (:class:`EMATeacher`, tau
0.996 -> 1 per iteration, mmpretrain momentum 0.004 -> 0), updated at the start of
every ``loss`` call, i.e. after each optimiser step, as BYOL/MoCo v3 do in mmpretrain.
The teacher sees only the global views (all tokens); the student sees the globals
(all tokens) and each area's locals (its [CLS] and [PART]_k).
"""
from typing import List, Optional

import torch
import torch.nn as nn
from mmpretrain.models.selfsup import BaseSelfSupervisor
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from projects.common.ssl.ema_teacher import EMATeacher


@MODELS.register_module()
class PASS(BaseSelfSupervisor):
    """Part-aware self-distillation.

    Args:
        backbone (dict): ``PASSViT`` config.
        neck (dict): ``PASSProjector`` config.
        head (dict): ``PASSHead`` config.
        num_global (int): Global views at the front of the view list. Defaults to 2.
        base_momentum (float): mmpretrain EMA momentum ``1 - tau`` at step 0.
            Defaults to 0.004 (official tau 0.996).
        end_momentum (float): ``1 - tau`` at the end. Defaults to 0 (tau 1).
        test_feature (str): ``predict`` feature, ``'cls_parts'`` (cat of [CLS] and the
            mean [PART], as PASS fine-tuning uses), ``'cls'`` (DINO's) or ``'part<k>'``
            (one [PART] token alone, k = 1..num_parts, for per-part retrieval).
            Defaults to ``'cls_parts'``.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 num_global: int = 2,
                 base_momentum: float = 0.004,
                 end_momentum: float = 0.0,
                 test_feature: str = 'cls_parts',
                 pretrained: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg=None):
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            pretrained=pretrained,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.num_global = num_global
        self.num_parts = self.backbone.num_parts
        if test_feature not in self.feature_names:
            raise ValueError(f'PASS: test_feature={test_feature!r}; choose one of '
                             f'{self.feature_names}.')
        self.test_feature = test_feature
        self.teacher = EMATeacher(
            nn.Sequential(self.backbone, self.neck),
            momentum=base_momentum,
            end_momentum=end_momentum)

    def train(self, mode: bool = True):
        """The teacher always runs in eval mode: the official teacher has no drop
        path (``drop_path_rate`` 0), the copied student's would be active otherwise."""
        super().train(mode)
        self.teacher.module.eval()
        return self

    def extract_feat(self, inputs: torch.Tensor):
        """Token features ``(z_cls, z_part1, ..)`` of the student on a global view."""
        return self.backbone(inputs)

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        return super().forward(inputs, data_samples, mode)

    @property
    def feature_names(self) -> tuple:
        """Names of the frozen features :meth:`token_features` returns."""
        return ('cls_parts', 'cls') + tuple(
            f'part{k}' for k in range(1, self.num_parts + 1))

    @torch.no_grad()
    def token_features(self, inputs: torch.Tensor) -> dict:
        """Frozen features of the teacher backbone (the released model; the student
        before the first update) on global views, by name: ``cls`` = z_cls,
        ``part<k>`` = z_part_k alone, ``cls_parts`` = cat(z_cls, mean_k z_part_k), the
        ReID feature used downstream (spec a.5)."""
        backbone = self.teacher.module[0] if int(self.teacher.steps) > 0 \
            else self.backbone
        tokens = backbone(inputs)
        feats = dict(
            cls_parts=torch.cat([tokens[0], torch.stack(tokens[1:]).mean(0)],
                                dim=1),
            cls=tokens[0])
        feats.update({f'part{k}': t for k, t in enumerate(tokens[1:], 1)})
        return feats

    @torch.no_grad()
    def predict(self, inputs: torch.Tensor, data_samples=None):
        """``pred_feature`` = the ``test_feature`` of :meth:`token_features`."""
        feats = self.token_features(inputs)[self.test_feature]
        if data_samples is None:
            data_samples = [DataSample() for _ in range(feats.shape[0])]
        for sample, feat in zip(data_samples, feats):
            sample.set_field(feat, 'pred_feature')
        return data_samples

    def split_views(self, inputs: List[torch.Tensor]):
        """``(globals, [locals of area k])`` from the ordered view list."""
        num_local = len(inputs) - self.num_global
        if num_local <= 0 or num_local % self.num_parts:
            raise ValueError(
                f'PASS: got {len(inputs)} views; expected {self.num_global} '
                f'globals followed by a multiple of num_parts={self.num_parts} '
                'locals (PASSMultiCrop output).')
        per = num_local // self.num_parts
        local = inputs[self.num_global:]
        return (inputs[:self.num_global],
                [local[k * per:(k + 1) * per] for k in range(self.num_parts)])

    def loss(self, inputs: List[torch.Tensor], data_samples=None,
             **kwargs) -> dict:
        globals_, locals_ = self.split_views(inputs)
        self.teacher.update_parameters(nn.Sequential(self.backbone, self.neck))
        g = torch.cat(globals_)
        with torch.no_grad():
            teacher_out = self.teacher(g)
        student_global = self.neck(self.backbone(g))
        student_local = []
        for k, views in enumerate(locals_):
            x = torch.cat(views)
            student_local.append(self.neck(self.backbone(x, k), k))
        loss = self.head.loss(student_global, student_local, teacher_out)
        return dict(loss=loss)
