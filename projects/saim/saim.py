"""SAIM: Stochastic Autoregressive Image Modeling (Qi et al., AAAI 2023, arXiv 2212.01610)."""
from typing import Dict, List, Optional

import torch
from mmpretrain.models.selfsup.base import BaseSelfSupervisor
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from projects.common.masking import unpatchify
from .generation_order import generation_rank


@MODELS.register_module()
class SAIM(BaseSelfSupervisor):
    """Two-stream autoregressive pre-training of a ViT under random generation orders.

    Only orchestrates, like mmpretrain's ``MAE``: the order, the masks and the content
    stream live in the backbone (:class:`SAIMViT`), the query stream in the neck
    (:class:`SAIMQueryDecoder`), the predictor, blurred target and loss in the head
    (:class:`SAIMPretrainHead`). The query stream output goes through the backbone's
    final norm ``ln1`` before the predictor (the official model has one ``norm``, reused
    as the fine-tuning ViT's final norm; spec 1.4).

    ``mode='predict'`` (``tools/test.py`` with ``ReconstructionMetric(keys=('mse',))``)
    scores held-out images by their next-patch prediction error, with generation orders
    drawn from a generator seeded by ``eval_seed``.

    Args:
        eval_seed (int): seed of the evaluation orders. Defaults to 0.
        *args, **kwargs: the arguments of ``BaseSelfSupervisor`` (backbone, neck, head,
            data_preprocessor, init_cfg, ...).
    """

    def __init__(self, *args, eval_seed: int = 0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.eval_seed = eval_seed
        depth, query_depth = self.backbone.num_layers, self.neck.num_layers
        if depth % query_depth:
            raise ValueError(
                f'backbone depth {depth} is not a multiple of neck.num_layers='
                f'{query_depth} (the query depth); set neck.num_layers to a '
                f'divisor of {depth}')
        if self.neck.share_weights and query_depth > depth:
            raise ValueError(f'share_weights=True with neck.num_layers='
                             f'{query_depth} > backbone depth {depth}')
        dims = self.backbone.embed_dims
        if self.neck.embed_dims != dims:
            raise ValueError(f'neck.embed_dims={self.neck.embed_dims} but the '
                             f'backbone is {dims}-d; set neck.embed_dims={dims}')
        if self.head.predictor[0].in_features != dims:
            raise ValueError(f'head.embed_dims={self.head.predictor[0].in_features}'
                             f' but the backbone is {dims}-d; set '
                             f'head.embed_dims={dims}')
        if self.head.patch_size != self.backbone.patch_size:
            raise ValueError(
                f'head.patch_size={self.head.patch_size} but the backbone uses '
                f'{self.backbone.patch_size}; set head.patch_size='
                f'{self.backbone.patch_size}')

    def extract_feat(self, inputs: torch.Tensor):
        """Bidirectional ViT features (no order, no mask)."""
        return self.backbone(inputs, mask=None)

    def predict_patches(self,
                        inputs: torch.Tensor,
                        noise: Optional[torch.Tensor] = None):
        """Predict every patch from its predecessors in a generation order.

        Args:
            inputs (Tensor): (B, 3, H, W) normalised images.
            noise (Tensor, optional): (B, N) order noise; drawn by the backbone if None.

        Returns:
            tuple: predictions (B, N, p*p*3) and the noise used.
        """
        states, query_mask, noise = self.backbone(inputs, noise=noise)
        shared = self.backbone.layers if self.neck.share_weights else None
        query = self.neck(self.backbone.pos_embed, states, query_mask, shared)
        return self.head(self.backbone.ln1(query)), noise

    def loss(self, inputs: torch.Tensor, data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        """Next-patch L2 loss over all patches (spec 1.5).

        Args:
            inputs (Tensor): (B, 3, H, W) augmented, normalised images.
            data_samples (list[DataSample]): unused.

        Returns:
            dict: ``loss``.
        """
        pred, _ = self.predict_patches(inputs)
        return dict(loss=self.head.loss(pred, inputs))

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        """Dispatch like ``BaseSelfSupervisor.forward``, adding ``mode='predict'``."""
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        return super().forward(inputs, data_samples, mode=mode)

    def eval_noise(self, inputs: torch.Tensor) -> torch.Tensor:
        """Reproducible order noise for evaluation (seeded by ``eval_seed``)."""
        gen = torch.Generator(device=inputs.device).manual_seed(self.eval_seed)
        return self.backbone.order_noise(inputs.shape[0], inputs.device, gen)

    @torch.no_grad()
    def predict(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None
                ) -> List[DataSample]:
        """Per-image next-patch prediction MSE to the (blurred, normalised) target.

        Returns:
            list[DataSample]: one per image, with field ``mse``.
        """
        pred, _ = self.predict_patches(inputs, self.eval_noise(inputs))
        target = self.head.construct_target(inputs)
        mse = ((pred - target)**2).flatten(1).mean(1)
        if data_samples is None:
            data_samples = [DataSample() for _ in range(inputs.shape[0])]
        for i, sample in enumerate(data_samples):
            sample.set_field(mse[i].reshape(1), 'mse', field_type='metainfo')
        return data_samples

    @torch.no_grad()
    def reconstruct(self,
                    inputs: torch.Tensor,
                    noise: Optional[torch.Tensor] = None
                    ) -> Dict[str, torch.Tensor]:
        """Target, next-patch predictions and generation order, for visualisation.

        ``norm_pix`` predictions are mapped back to pixels with the mean and std of each
        blurred target patch, as in MAE's demo.

        Args:
            inputs (Tensor): (B, 3, H, W) normalised images.
            noise (Tensor, optional): (B, N) order noise.

        Returns:
            dict of tensors: ``target`` (blurred image) and ``recon`` (predictions), both
            (B, 3, H, W) in normalised space, and ``rank`` (B, N), the position of every
            patch in the generation order.
        """
        pred, noise = self.predict_patches(inputs, noise)
        head = self.head
        blurred = head.blur(inputs) if head.blur is not None else inputs
        patches = head.patchify(blurred)
        if head.norm_pix:
            mean = patches.mean(dim=-1, keepdim=True)
            std = (patches.var(dim=-1, keepdim=True) + 1.e-6)**.5
            pred = pred * std + mean
        height, width = inputs.shape[-2:]
        return dict(
            target=blurred,
            recon=unpatchify(pred, head.patch_size, height, width),
            rank=generation_rank(noise))
