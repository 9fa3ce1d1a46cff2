"""MST: Masked Self-Supervised Transformer (Li et al., NeurIPS 2021, arXiv 2106.05656).

DINO self-distillation (teacher = EMA of the student, centred/sharpened cross entropy over
multi-crop views) plus two additions:

1. attention-guided masking: each global crop fed to the student has its low-attention patch
   tokens replaced by [MASK], the attention being the TEACHER's [CLS]-to-patch map of the
   same crop (:class:`AttentionGuidedMasker`, :class:`MSTViT`);
2. a global image decoder restoring the whole crop from the student's patch tokens, trained
   with an L1 restoring loss (:class:`MSTGlobalDecoder`, :class:`ImageRestoreLoss`).

``L = L_DINO + lambda_rec * L_restore``; local crops are never masked (the teacher does not see
them). After pre-training only ``backbone`` is kept.
"""
from typing import Dict, List, Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.models.selfsup.base import BaseSelfSupervisor
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from projects.common.ssl import EMATeacher


@MODELS.register_module()
class MSTHead(BaseModule):
    """Owns MST's two losses: DINO cross entropy on [CLS] logits and the restoring loss.

    Args:
        dino_loss (dict): Config of ``CenteredCrossEntropyLoss``.
        restore_loss (dict): Config of ``ImageRestoreLoss`` (its ``loss_weight`` is
            lambda_rec).
    """

    def __init__(self, dino_loss: dict, restore_loss: dict, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.dino_loss = MODELS.build(dino_loss)
        self.restore_loss = MODELS.build(restore_loss)

    def loss(self, student_logits: List[torch.Tensor], teacher_logits: List[torch.Tensor],
             restored: torch.Tensor, target: torch.Tensor,
             mask: torch.Tensor) -> Dict[str, torch.Tensor]:
        return dict(loss_dino=self.dino_loss(student_logits, teacher_logits),
                    loss_rec=self.restore_loss(restored, target, mask))


@MODELS.register_module()
class MST(BaseSelfSupervisor):
    """MST pre-training algorithm.

    Args:
        backbone (dict): :class:`MSTViT` (``out_type='raw'``: [CLS] + patch tokens).
        neck (dict): DINO projection head on the [CLS] token (``DINOProjectionHead``).
        head (dict): :class:`MSTHead`.
        decoder (dict): :class:`MSTGlobalDecoder`.
        masker (dict): :class:`AttentionGuidedMasker`. Defaults to q = p = 0.5.
        num_global_crops (int): Leading views that the teacher sees and that are masked.
            Defaults to 2.
        teacher_momentum (float): mmpretrain momentum ``1 - tau`` (DINO tau 0.996 ->
            0.004); ``teacher_end_momentum`` its final value (tau -> 1: 0).
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 decoder: dict,
                 masker: dict = dict(type='AttentionGuidedMasker'),
                 num_global_crops: int = 2,
                 teacher_momentum: float = 0.004,
                 teacher_end_momentum: float = 0.0,
                 pretrained: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(backbone=backbone, neck=neck, head=head, pretrained=pretrained,
                         data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if getattr(self.backbone, 'out_type', 'raw') != 'raw':
            raise ValueError(f"MST needs backbone out_type='raw' ([CLS] and patch tokens), "
                             f"got '{self.backbone.out_type}'.")
        self.decoder = MODELS.build(decoder)
        self.masker = MODELS.build(masker)
        self.num_global_crops = num_global_crops
        self.teacher = EMATeacher(nn.Sequential(self.backbone, self.neck),
                                  momentum=teacher_momentum,
                                  end_momentum=teacher_end_momentum)

    def train(self, mode: bool = True):
        """The teacher stays in eval mode (DINO's teacher has no stochastic depth)."""
        super().train(mode)
        self.teacher.train(False)
        return self

    def student(self) -> nn.Sequential:
        return nn.Sequential(self.backbone, self.neck)

    def extract_feat(self, inputs: torch.Tensor):
        """Backbone outputs (B, 1 + N, C) of the student (frozen-feature evaluation)."""
        return self.backbone(inputs)

    def teacher_forward(self, crops: torch.Tensor, return_attn: bool = True):
        """Teacher [CLS] logits (B, K) and [CLS]-to-patch attention (B, N) (None when
        ``return_attn`` is False), no gradients."""
        with torch.no_grad():
            outs, attn = self.teacher.module[0](crops, return_attn=True) if return_attn \
                else (self.teacher.module[0](crops), None)
            return self.teacher.module[1](outs[-1][:, 0]), attn

    @property
    def masking(self) -> bool:
        """False when the masker can mask nothing (q = 0 or p = 0): no attention needed."""
        return self.masker.low_attn_ratio > 0 and self.masker.mask_prob > 0

    @property
    def restoring(self) -> bool:
        """False when lambda_rec = 0: the decoder is skipped (DINO's exact computation;
        set ``find_unused_parameters=True`` for such a run under DDP)."""
        return self.head.restore_loss.loss_weight != 0

    @torch.no_grad()
    def visualize(self, crops: torch.Tensor,
                  generator: Optional[torch.Generator] = None) -> Dict[str, torch.Tensor]:
        """Teacher attention (B, N), the mask it yields (B, N) and the restored crop.

        Args:
            crops (Tensor): Normalised global crops (B, 3, H, W).
            generator (torch.Generator, optional): Seeds the masking draw.
        """
        _, attn = self.teacher_forward(crops)
        mask = self.masker(attn, generator)
        tokens = self.backbone(crops, mask=mask)[-1]
        stride = self.backbone.patch_resolution_stride
        hw = (crops.size(-2) // stride, crops.size(-1) // stride)
        restored = self.decoder(tokens[:, self.backbone.num_extra_tokens:], hw)
        return dict(attn=attn, mask=mask, restored=restored, hw=hw)

    def loss(self, inputs: List[torch.Tensor], data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        """Losses ``loss_dino`` and ``loss_rec`` of one step.

        Args:
            inputs (list[Tensor]): Views (B, 3, H_v, W_v), the ``num_global_crops`` global
                crops first (same size), then the local crops.
        """
        n_global = self.num_global_crops
        if not isinstance(inputs, (list, tuple)) or len(inputs) <= n_global:
            raise ValueError(
                f'MST needs a list of more than {n_global} views (global crops first); '
                'use the MSTMultiCrop transform in the training pipeline.')
        self.teacher.update_parameters(self.student())
        batch = inputs[0].size(0)
        global_crops = torch.cat(list(inputs[:n_global]))
        teacher_logits, attn = self.teacher_forward(global_crops, self.masking)
        mask = self.masker(attn) if self.masking else None

        tokens = self.backbone(global_crops, mask=mask)[-1]
        student_logits = list(self.neck(tokens[:, 0]).split(batch))
        local = list(inputs[n_global:])
        sizes = {tuple(v.shape[-2:]) for v in local}
        for size in sorted(sizes):
            crops = torch.cat([v for v in local if tuple(v.shape[-2:]) == size])
            cls = self.backbone(crops)[-1][:, 0]
            student_logits += list(self.neck(cls).split(batch))

        teacher_logits = list(teacher_logits.split(batch))
        if not self.restoring:
            return dict(loss_dino=self.head.dino_loss(student_logits, teacher_logits),
                        loss_rec=global_crops.new_zeros(()))
        patch = tokens[:, self.backbone.num_extra_tokens:]
        stride = self.backbone.patch_resolution_stride
        hw = (global_crops.size(-2) // stride, global_crops.size(-1) // stride)
        restored = self.decoder(patch, hw)
        return self.head.loss(student_logits, teacher_logits, restored, global_crops, mask)
