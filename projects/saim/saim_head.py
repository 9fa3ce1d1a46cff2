"""SAIM pre-training head: pixel predictor, blurred target and the L2 loss (spec 1.5)."""
from collections import OrderedDict
from typing import Optional

import torch
import torch.nn.functional as F
from mmpretrain.models.heads import MAEPretrainHead
from mmpretrain.registry import MODELS
from torch import nn

from projects.common.masking import patchify

PREDICTORS = ('mlp', 'linear')


def gaussian_kernel(kernel_size: int, sigma: float) -> torch.Tensor:
    """Normalised 2-D Gaussian, (k, k), centred on ``(k - 1) // 2``, summing to 1."""
    pos = torch.arange(kernel_size, dtype=torch.float64) - (kernel_size - 1) // 2
    one_d = torch.exp(-pos**2 / (2 * sigma**2))
    kernel = one_d[:, None] * one_d[None, :]
    return (kernel / kernel.sum()).float()


class GaussianBlur(nn.Module):
    """Fixed depthwise Gaussian blur with zero padding ``k // 2`` (official ``GaussianConv2d``).

    Applied to the *normalised* image, zero padding means padding with the dataset mean
    colour. The kernel is a non-persistent buffer (it is a function of ``kernel_size`` and
    ``sigma``, so it is not stored in checkpoints).

    Args:
        channels (int): image channels, each blurred on its own.
        kernel_size (int): side of the kernel (official 9).
        sigma (float): standard deviation in pixels (official 1).
    """

    def __init__(self, channels: int, kernel_size: int, sigma: float) -> None:
        super().__init__()
        if kernel_size < 1 or sigma <= 0:
            raise ValueError(
                f'blur kernel_size={kernel_size}, sigma={sigma}: need '
                'kernel_size >= 1 and sigma > 0 (set blur_kernel_size=None to '
                'turn the blur off)')
        self.channels = channels
        self.padding = kernel_size // 2
        kernel = gaussian_kernel(kernel_size, sigma)
        self.register_buffer(
            'weight',
            kernel.expand(channels, 1, kernel_size, kernel_size).clone(),
            persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight.to(x.dtype), padding=self.padding,
                        groups=self.channels)


@MODELS.register_module()
class SAIMPretrainHead(MAEPretrainHead):
    """Prediction head and reconstruction loss of SAIM.

    - Predictor on the normalised query stream: ``'mlp'`` = Linear(D, hidden) -> GELU ->
      Linear(hidden, p*p*C) (official default), or ``'linear'`` = one Linear.
    - Target: Gaussian blur of the normalised image (9x9, sigma 1, zero padding), patchified
      row-major with values ordered ``(y * p + x) * C + c`` and, with ``norm_pix``, every
      patch normalised by its mean and *unbiased* variance: ``(t - mean) / sqrt(var + 1e-6)``.
    - Loss: the configured ``PixelReconstructionLoss`` with ``mask=None``, i.e. the mean
      over all N patches and all p*p*C values (every patch is predicted).

    Args:
        loss (dict): ``PixelReconstructionLoss`` config (criterion 'L2' or 'L1').
        norm_pix (bool): per-patch target normalisation. Defaults to True.
        patch_size (int): p. Defaults to 16.
        in_channels (int): image channels C. Defaults to 3.
        embed_dims (int): width D of the query stream. Defaults to 768.
        predictor (str): ``'mlp'`` or ``'linear'``. Defaults to ``'mlp'``.
        hidden_channels (int, optional): MLP hidden width; ``4 * embed_dims`` if None.
        blur_kernel_size (int, optional): Gaussian kernel side; None turns the blur off
            (the no-smoothing ablation). Defaults to 9.
        blur_sigma (float): Gaussian sigma. Defaults to 1.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self,
                 loss: dict,
                 norm_pix: bool = True,
                 patch_size: int = 16,
                 in_channels: int = 3,
                 embed_dims: int = 768,
                 predictor: str = 'mlp',
                 hidden_channels: Optional[int] = None,
                 blur_kernel_size: Optional[int] = 9,
                 blur_sigma: float = 1.,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            loss=loss,
            norm_pix=norm_pix,
            patch_size=patch_size,
            in_channels=in_channels)
        self.init_cfg = init_cfg
        if predictor not in PREDICTORS:
            raise ValueError(f'predictor={predictor!r} is not supported; choose '
                             f'one of {list(PREDICTORS)}')
        out_channels = patch_size**2 * in_channels
        if predictor == 'mlp':
            hidden = hidden_channels or 4 * embed_dims
            layers = OrderedDict(
                fc1=nn.Linear(embed_dims, hidden),
                act=nn.GELU(),
                fc2=nn.Linear(hidden, out_channels))
        else:
            layers = OrderedDict(fc=nn.Linear(embed_dims, out_channels))
        self.predictor = nn.Sequential(layers)
        self.blur = None if blur_kernel_size is None else GaussianBlur(
            in_channels, blur_kernel_size, blur_sigma)

    def init_weights(self) -> None:
        super().init_weights()
        if isinstance(self.init_cfg, dict) and \
                self.init_cfg.get('type') == 'Pretrained':
            return
        for module in self.predictor.modules():
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)

    def forward(self, query: torch.Tensor) -> torch.Tensor:
        """Pixel predictions for all patches.

        Args:
            query (Tensor): (B, 1 + N, D) normalised query stream (cls slot first).

        Returns:
            Tensor (B, N, p*p*C): the cls slot is dropped.
        """
        return self.predictor(query[:, 1:])

    def patchify(self, imgs: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) -> (B, N, p*p*C), row-major patches, channel-last values."""
        return patchify(imgs, self.patch_size)

    def construct_target(self, target: torch.Tensor) -> torch.Tensor:
        """Blurred, patchified and (``norm_pix``) per-patch normalised target (B, N, P)."""
        if self.blur is not None:
            target = self.blur(target)
        target = self.patchify(target)
        if self.norm_pix:
            mean = target.mean(dim=-1, keepdim=True)
            var = target.var(dim=-1, keepdim=True)
            target = (target - mean) / (var + 1.e-6)**.5
        return target

    def loss(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean reconstruction error over every patch and value.

        Args:
            pred (Tensor): (B, N, P) predictions from :meth:`forward`.
            target (Tensor): (B, C, H, W) normalised input images.
        """
        target = self.construct_target(target)
        if pred.shape != target.shape:
            raise ValueError(
                f'predictions {tuple(pred.shape)} and targets '
                f'{tuple(target.shape)} differ; head.patch_size and '
                'head.embed_dims must match the backbone')
        return self.loss_module(pred, target, None)
