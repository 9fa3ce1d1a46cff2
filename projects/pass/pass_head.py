"""PASS self-distillation loss over [CLS] and [PART] tokens (official ``DINOLoss`` of
``PASS/main_pass.py``; spec a.4).

For token type ``tau`` the teacher targets come from the 2 global views only and the
student views are

- [CLS]: ``[g1, g2, every local view]`` (locals of every area contribute their [CLS]);
- [PART]_k: ``[g1, g2, the local views of area k]``.

Every (teacher view v, student view u != v) pair is one term; all terms carry the same
weight, ``L = sum_terms / N_terms``. With 2 globals, 3 areas and 3 locals per area:
``N = (2*11 - 2) + 3 * (2*5 - 2) = 44``. Each token type has its own center, updated from
the raw teacher logits of its type (:class:`CenteredCrossEntropyLoss` with 4 centers).
"""
from typing import List, Sequence

import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS


@MODELS.register_module()
class PASSHead(BaseModule):
    """Average of the per-pair DINO losses of all token types.

    Args:
        loss (dict): A ``CenteredCrossEntropyLoss`` config with ``num_centers = 1 + P``
            (T_s 0.1, T_t 0.04, center momentum 0.9 officially).
        num_parts (int): P. Defaults to 3.
        num_global (int): Global views seen by the teacher. Defaults to 2.
        part_terms (bool): Include the [PART] terms (PASS). ``False`` keeps only the
            [CLS] terms, i.e. DINO's loss over all views (the paper's baseline).
            Defaults to True.
    """

    def __init__(self, loss: dict, num_parts: int = 3, num_global: int = 2,
                 part_terms: bool = True, init_cfg=None):
        super().__init__(init_cfg)
        self.loss_module = MODELS.build(loss)
        centers = self.loss_module.center.shape[0]
        if centers != 1 + num_parts:
            raise ValueError(
                f'PASSHead: the loss has {centers} centers; PASS needs one per '
                f'token type, num_centers = 1 + num_parts = {1 + num_parts}.')
        self.num_parts = num_parts
        self.num_global = num_global
        self.part_terms = part_terms

    @staticmethod
    def num_pairs(num_teacher: int, num_student: int) -> int:
        """Terms of one token type: every pair except teacher view v / student view v."""
        return num_teacher * num_student - min(num_teacher, num_student)

    def token_views(self, student_global: Sequence[torch.Tensor],
                    student_local: Sequence[Sequence[torch.Tensor]],
                    teacher_global: Sequence[torch.Tensor]):
        """Per token type, the (student views, teacher views) lists of (B, K) logits.

        Args:
            student_global: ``1 + P`` tensors (num_global * B, K), views stacked.
            student_local: per area ``k``, ``(cls, part_k)`` tensors (n_k * B, K).
            teacher_global: ``1 + P`` tensors (num_global * B, K).
        """
        if len(student_local) != self.num_parts:
            raise ValueError(f'PASSHead: got locals of {len(student_local)} areas, '
                             f'expected num_parts={self.num_parts}.')
        batch = student_global[0].shape[0] // self.num_global
        split = lambda x: list(x.split(batch))  # noqa: E731
        out = []
        for tau in range(1 + self.num_parts):
            student = split(student_global[tau])
            if tau == 0:
                for cls, _ in student_local:
                    student += split(cls)
            else:
                student += split(student_local[tau - 1][1])
            out.append((student, split(teacher_global[tau])))
        return out

    def loss(self, student_global, student_local, teacher_global) -> torch.Tensor:
        """The 44-term PASS loss (updates the centers in training mode)."""
        total, terms = 0., 0
        views = self.token_views(student_global, student_local, teacher_global)
        for tau, (student, teacher) in enumerate(
                views if self.part_terms else views[:1]):
            n = self.num_pairs(len(teacher), len(student))
            total = total + n * self.loss_module(student, teacher, token_type=tau)
            terms += n
        return total / terms
