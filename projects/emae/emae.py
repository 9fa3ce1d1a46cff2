"""EMAE: Efficient Masked Autoencoders with Self-Consistency (arXiv 2302.14431)."""
from typing import Dict, List, Optional

import torch
from mmpretrain.models.selfsup.mae import MAE
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from projects.common.masking import unpatchify


@MODELS.register_module()
class EMAE(MAE):
    """MAE trained on K disjoint masked parts of each image in one iteration.

    Only orchestrates, like mmpretrain's ``MAE``: the parallel masks live in the backbone
    (:class:`EMAEViT`), the decoder is mmpretrain's ``MAEPretrainDecoder`` run on the
    K*B stacked parts, and the losses (reconstruction + self-consistency) in
    :class:`EMAEPretrainHead`. Checks at build time that the three agree.

    ``mode='predict'`` (used by ``tools/test.py`` with :class:`ReconstructionMetric`)
    scores held-out images by masked reconstruction MSE and cross-part inconsistency,
    with masks drawn from a generator seeded by ``eval_seed`` so runs are comparable.

    Args:
        eval_seed (int): seed of the evaluation masks. Defaults to 0.
        *args, **kwargs: the arguments of mmpretrain's ``MAE`` (backbone, neck, head,
            data_preprocessor, init_cfg, ...).
    """

    def __init__(self, *args, eval_seed: int = 0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.eval_seed = eval_seed
        num_patches = getattr(self.backbone, 'num_patches', None)
        neck_patches = getattr(self.neck, 'num_patches', None)
        if None not in (num_patches, neck_patches) \
                and num_patches != neck_patches:
            raise ValueError(
                f'neck.num_patches={neck_patches} but the backbone makes '
                f'{num_patches} patches; set neck.num_patches={num_patches}')
        patch = self.backbone.patch_embed.projection.kernel_size[0]
        if getattr(self.head, 'patch_size', patch) != patch:
            raise ValueError(f'head.patch_size={self.head.patch_size} but the '
                             f'backbone uses {patch}; set head.patch_size='
                             f'{patch}')

    def loss(self, inputs: torch.Tensor, data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        """Encode all parts, decode them, and return the head's loss dict.

        Args:
            inputs (Tensor): (B, 3, H, W) augmented images (one view per image).
            data_samples (list[DataSample]): unused.

        Returns:
            dict: ``loss_rec`` and (K > 1) ``loss_sc``, ``consistency``.
        """
        latent, mask, ids_restore = self.backbone(inputs)
        pred = self.neck(latent, ids_restore)
        return self.head.loss(pred, inputs, mask)

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        """Dispatch like ``BaseSelfSupervisor.forward``, adding ``mode='predict'``."""
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        return super().forward(inputs, data_samples, mode=mode)

    def _eval_noise(self, inputs: torch.Tensor) -> torch.Tensor:
        gen = torch.Generator(device=inputs.device).manual_seed(self.eval_seed)
        return torch.rand(
            inputs.shape[0],
            self.backbone.num_patches,
            generator=gen,
            device=inputs.device)

    @torch.no_grad()
    def predict(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None
                ) -> List[DataSample]:
        """Per-image masked reconstruction MSE and cross-part inconsistency.

        Returns:
            list[DataSample]: one per image, with fields ``mse`` and ``inconsistency``.
        """
        latent, mask, ids_restore = self.backbone(
            inputs, noise=self._eval_noise(inputs))
        pred = self.neck(latent, ids_restore)
        errors = self.head.errors_per_image(pred, inputs, mask)
        if data_samples is None:
            data_samples = [DataSample() for _ in range(inputs.shape[0])]
        for i, sample in enumerate(data_samples):
            for key, value in errors.items():
                sample.set_field(value[i].reshape(1), key, field_type='metainfo')
        return data_samples

    @torch.no_grad()
    def reconstruct(self,
                    inputs: torch.Tensor,
                    noise: Optional[torch.Tensor] = None
                    ) -> Dict[str, torch.Tensor]:
        """Reconstruct every part and the merged image (for visualisation).

        Predictions of ``norm_pix`` heads are mapped back to pixels with the mean and std
        of each ground-truth patch, as in MAE's demo. The merged reconstruction averages,
        per patch, the predictions of all parts in which the patch was masked.

        Args:
            inputs (Tensor): (B, 3, H, W) normalised images.
            noise (Tensor, optional): (B, N) noise fixing the partition.

        Returns:
            dict of tensors: ``mask`` (K, B, N), ``masked`` and ``recon`` (K, B, 3, H, W),
            ``merged`` (B, 3, H, W).
        """
        batch, _, height, width = inputs.shape
        latent, mask, ids_restore = self.backbone(inputs, noise=noise)
        pred = self.neck(latent, ids_restore)
        num_parts = pred.shape[0] // batch
        patches = self.head.patchify(inputs)
        if self.head.norm_pix:
            mean = patches.mean(dim=-1, keepdim=True)
            std = (patches.var(dim=-1, keepdim=True) + 1.e-6)**.5
            pred = pred.view(num_parts, batch, *pred.shape[1:]) * std + mean
        pred = pred.view(num_parts, batch, *patches.shape[1:])
        mask = mask.view(num_parts, batch, -1)
        m = mask.unsqueeze(-1)
        p = self.head.patch_size
        recon = pred * m + patches * (1 - m)
        masked = patches * (1 - m)
        weight = mask.sum(0).unsqueeze(-1)
        merged = torch.where(weight > 0, (pred * m).sum(0) / weight.clamp(min=1),
                             patches)

        def to_img(x):
            return unpatchify(x.flatten(0, -3), p, height,
                              width).view(*x.shape[:-2], 3, height, width)

        return dict(
            mask=mask,
            masked=to_img(masked),
            recon=to_img(recon),
            merged=to_img(merged))
