"""Centred, sharpened cross entropy between teacher and student views (DINO sec. 3.1, eq. 1-4).

``P_t = softmax((g_t(x) - c) / T_t)``, ``P_s = softmax(g_s(x') / T_s)`` and
``L = mean over (teacher view, student view != same view) of -sum_k P_t log P_s``.
After each training forward the center moves to the teacher batch mean,
``c <- m c + (1 - m) mean_batch g_t(x)`` with ``m = 0.9`` (eq. 4), the mean taken over every
teacher view and, in distributed runs, every process (all-reduce).

One center per token type (``num_centers``): DINO uses one ([CLS]); iBOT/MST add one for
patch tokens; PASS one per [CLS]/[PART] token. The teacher temperature warms up linearly
from ``warmup_teacher_temp`` to ``teacher_temp`` over ``warmup_teacher_temp_epochs`` epochs
(official ``np.linspace`` schedule, one value per epoch); :class:`TeacherTempScheduleHook`
tells the loss the epoch.
"""
from typing import Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import all_reduce
from mmpretrain.registry import MODELS

Views = Union[torch.Tensor, Sequence[torch.Tensor]]


@MODELS.register_module()
class CenteredCrossEntropyLoss(nn.Module):
    """DINO's self-distillation loss with centering and temperature sharpening.

    Args:
        out_channels (int): Number of prototypes K.
        num_centers (int): Token types with their own center. Defaults to 1.
        student_temp (float): T_s. Defaults to 0.1.
        teacher_temp (float): T_t after the warm-up. Defaults to 0.04.
        warmup_teacher_temp (float): T_t at epoch 0. Defaults to 0.04.
        warmup_teacher_temp_epochs (int): Epochs of the linear warm-up (0: none).
        center_momentum (float): m in eq. 4. Defaults to 0.9.
        skip_same_view (bool): Skip the pair teacher view i / student view i (the
            student's first views are the teacher's global crops). Defaults to True.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 out_channels: int,
                 num_centers: int = 1,
                 student_temp: float = 0.1,
                 teacher_temp: float = 0.04,
                 warmup_teacher_temp: float = 0.04,
                 warmup_teacher_temp_epochs: int = 0,
                 center_momentum: float = 0.9,
                 skip_same_view: bool = True,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        for name, value in (('student_temp', student_temp),
                            ('teacher_temp', teacher_temp),
                            ('warmup_teacher_temp', warmup_teacher_temp)):
            if not value > 0:
                raise ValueError(
                    f'CenteredCrossEntropyLoss {name}={value}: temperatures divide the '
                    'logits and must be > 0 (DINO: student 0.1, teacher 0.04 -> 0.07).')
        if not 0 <= center_momentum < 1:
            raise ValueError(f'center_momentum={center_momentum}; use a value in [0, 1)')
        self.student_temp = student_temp
        self.teacher_temp = teacher_temp
        self.warmup_teacher_temp = warmup_teacher_temp
        self.warmup_teacher_temp_epochs = int(warmup_teacher_temp_epochs)
        self.center_momentum = center_momentum
        self.skip_same_view = skip_same_view
        self.loss_weight = loss_weight
        self.epoch = None
        self.register_buffer('center', torch.zeros(num_centers, out_channels))

    def teacher_temp_at(self, epoch: int) -> float:
        """T_t of ``epoch`` (official: linspace(warmup, final, warmup_epochs), then final)."""
        n = self.warmup_teacher_temp_epochs
        if epoch >= n:
            return self.teacher_temp
        if n == 1:
            return self.warmup_teacher_temp
        step = (self.teacher_temp - self.warmup_teacher_temp) / (n - 1)
        return self.warmup_teacher_temp + step * epoch

    def set_epoch(self, epoch: int) -> None:
        """Select the teacher temperature of ``epoch``."""
        self.epoch = int(epoch)

    @property
    def current_teacher_temp(self) -> float:
        if self.epoch is None:
            if self.training and self.warmup_teacher_temp_epochs > 0:
                raise RuntimeError(
                    'CenteredCrossEntropyLoss has a teacher-temperature warm-up but was '
                    "never told the epoch; add dict(type='TeacherTempScheduleHook') to "
                    'custom_hooks (or call set_epoch).')
            return self.teacher_temp_at(0)
        return self.teacher_temp_at(self.epoch)

    @staticmethod
    def _views(x: Views):
        return list(x.unbind(0)) if isinstance(x, torch.Tensor) else list(x)

    def forward(self, student: Views, teacher: Views,
                token_type: int = 0) -> torch.Tensor:
        """Loss of student views against (detached) teacher views.

        Args:
            student: (Vs, B, ..., K) tensor or Vs tensors of shape (B, ..., K).
            teacher: (Vt, B, ..., K) tensor or Vt tensors of the same shape.
            token_type (int): Which center to use and update.

        Returns:
            Scalar loss; the center is updated (training mode only) afterwards.
        """
        student, teacher = self._views(student), [t.detach() for t in self._views(teacher)]
        center = self.center[token_type]
        temp = self.current_teacher_temp
        targets = [F.softmax((t - center) / temp, dim=-1) for t in teacher]
        log_probs = [F.log_softmax(s / self.student_temp, dim=-1) for s in student]
        total, pairs = 0., 0
        for i, target in enumerate(targets):
            for j, log_prob in enumerate(log_probs):
                if self.skip_same_view and i == j:
                    continue
                total = total + (-target * log_prob).sum(-1).mean()
                pairs += 1
        if pairs == 0:
            raise ValueError('CenteredCrossEntropyLoss got no (teacher, student) pair; '
                             'with skip_same_view=True the student needs more views '
                             'than the teacher.')
        if self.training:
            self.update_center(teacher, token_type)
        return self.loss_weight * total / pairs

    @torch.no_grad()
    def update_center(self, teacher: Views, token_type: int = 0) -> None:
        """``c <- m c + (1 - m) * batch mean`` over all views (and all processes)."""
        rows = torch.cat([t.reshape(-1, t.size(-1)) for t in self._views(teacher)])
        batch_center = rows.mean(0)
        all_reduce(batch_center, op='mean')  # in place; no-op on one process
        m = self.center_momentum
        self.center[token_type].mul_(m).add_(batch_center, alpha=1 - m)
