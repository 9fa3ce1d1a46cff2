"""MAC: masked contrastive video-text pre-training (arXiv 2212.00986), the dual encoder.

The algorithm only orchestrates: the video encoder masks its own patches in training
(:class:`~projects.mac.space_time_vit.MACSpaceTimeViT`), captions get ``[MASK]`` tokens here
(:func:`~projects.mac.masking.mask_text_tokens`), the two CLS embeddings are projected to a
joint space (Frozen in Time's ``vid_proj`` / ``txt_proj``), gathered over all processes with
gradient and aligned by :class:`~projects.mac.contrastive_loss.MACContrastiveLoss`.
There is no decoder and no reconstruction ("masked-then-alignment"). In eval both masks are
off, whatever the configured ratios.
"""
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.structures import InstanceData

from mmaction.registry import MODELS
from .contrastive_loss import gather_with_grad
from .masking import mask_text_tokens


@MODELS.register_module()
class MACRetriever(BaseModel):
    """Video-text dual encoder trained with masked inputs.

    Args:
        video_encoder (dict): e.g. ``MACSpaceTimeViT`` (owns ``mask_ratio`` = rho_v).
        text_encoder (dict): e.g. ``MACTextEncoder``.
        proj_dims (int): joint embedding width (256).
        text_mask_ratio (float): rho_t, fraction of real caption tokens replaced by
            ``[MASK]`` in training (0.3, inferred).
        mask_token_id (int): 103 for the BERT-uncased vocab.
        special_token_ids (Sequence[int]): never masked: ``[PAD]``, ``[CLS]``, ``[SEP]``
            (0, 101, 102 for BERT uncased).
        loss (dict): the contrastive loss.
        data_preprocessor (dict): ``MultiModalDataPreprocessor`` with ``imgs``,
            ``text_ids`` and ``text_mask`` preprocessors.
        init_cfg (dict, optional): initialisation / pretrained weights.

    Inputs are a dict with ``imgs`` (B, T, C, H, W) (T = 1 for images), ``text_ids`` (B, L)
    and ``text_mask`` (B, L).
    """

    def __init__(self,
                 video_encoder: dict,
                 text_encoder: dict,
                 proj_dims: int = 256,
                 text_mask_ratio: float = 0.3,
                 mask_token_id: int = 103,
                 special_token_ids: Sequence[int] = (0, 101, 102),
                 loss: dict = dict(type='MACContrastiveLoss'),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not 0.0 <= text_mask_ratio <= 1.0:
            raise ValueError(f'text_mask_ratio={text_mask_ratio!r} must be in '
                             '[0, 1]; MAC uses 0.3')
        if mask_token_id in special_token_ids:
            raise ValueError(f'mask_token_id={mask_token_id} is also listed in '
                             f'special_token_ids={tuple(special_token_ids)}; '
                             'they must differ')
        self.video_model = MODELS.build(video_encoder)
        self.text_model = MODELS.build(text_encoder)
        self.vid_proj = nn.Sequential(
            nn.Linear(self.video_model.embed_dims, proj_dims))
        self.txt_proj = nn.Sequential(
            nn.ReLU(), nn.Linear(self.text_model.embed_dims, proj_dims))
        self.text_mask_ratio = text_mask_ratio
        self.mask_token_id = mask_token_id
        self.special_token_ids = tuple(special_token_ids)
        self.loss_module = MODELS.build(loss)

    def masked_text(self, text_ids: torch.Tensor,
                    text_mask: torch.Tensor) -> torch.Tensor:
        """Caption ids with ``[MASK]`` replacements in training; unchanged in eval."""
        if not self.training or self.text_mask_ratio == 0:
            return text_ids
        return mask_text_tokens(text_ids, text_mask, self.text_mask_ratio,
                                self.mask_token_id, self.special_token_ids)

    def encode_video(self, video: torch.Tensor) -> torch.Tensor:
        """(B, T, C, H, W) -> unit-norm (B, proj_dims)."""
        return F.normalize(self.vid_proj(self.video_model(video)), dim=-1)

    def encode_text(self, text_ids: torch.Tensor,
                    text_mask: torch.Tensor) -> torch.Tensor:
        """(B, L) ids and mask -> unit-norm (B, proj_dims)."""
        ids = self.masked_text(text_ids, text_mask)
        return F.normalize(
            self.txt_proj(self.text_model(ids, text_mask)), dim=-1)

    def extract_feat(self, inputs: Dict[str, torch.Tensor]
                     ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Unit-norm (video, text) embeddings of a batch."""
        missing = [k for k in ('imgs', 'text_ids', 'text_mask')
                   if k not in inputs]
        if missing:
            raise KeyError(
                f'MACRetriever inputs lack {missing}; the pipeline must end '
                "with PackActionInputs(collect_keys=('imgs', 'text_ids', "
                "'text_mask')) after MACTokenize")
        return (self.encode_video(inputs['imgs']),
                self.encode_text(inputs['text_ids'], inputs['text_mask']))

    def loss(self, inputs: Dict[str, torch.Tensor]) -> dict:
        """Symmetric InfoNCE over the global batch (negatives from every process)."""
        video, text = self.extract_feat(inputs)
        video, text = gather_with_grad(video), gather_with_grad(text)
        losses = self.loss_module(text @ video.t())
        total = sum(losses.values()).detach()
        if not torch.isfinite(total):
            raise FloatingPointError(
                f'MAC contrastive loss is {total.item()}; lower the learning '
                'rate or enable gradient clipping (optim_wrapper.clip_grad)')
        return losses

    def forward(self, inputs: Dict[str, torch.Tensor],
                data_samples: Optional[list] = None, mode: str = 'tensor'):
        """``loss``: loss dict; ``predict``: data samples with ``features``; ``tensor``: embeddings.

        In ``predict`` mode each sample gets ``features = InstanceData(video_feature,
        text_feature)``, the layout mmaction2's ``RetrievalMetric`` reads.
        """
        if mode == 'loss':
            return self.loss(inputs)
        if mode == 'tensor':
            return self.extract_feat(inputs)
        if mode == 'predict':
            video, text = self.extract_feat(inputs)
            for sample, v, t in zip(data_samples, video, text):
                sample.features = InstanceData(video_feature=v, text_feature=t)
            return data_samples
        raise RuntimeError(f'invalid mode {mode!r}; use loss, predict or '
                           'tensor')
