"""EMAE pre-training head: MAE reconstruction loss over K parts plus self-consistency."""
from typing import Dict, List, Tuple

import torch
import torch.nn.functional as F
from mmpretrain.models.heads import MAEPretrainHead
from mmpretrain.registry import MODELS

CRITERIA = ('L2', 'L1', 'SmoothL1')
PAIR_SCHEMES = ('all', 'adjacent', 'random_one_pair')
TARGETS = ('raw', 'normalized')


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f'{name}={value!r} is not supported; choose one of '
                         f'{list(choices)}')


@MODELS.register_module()
class EMAEPretrainHead(MAEPretrainHead):
    """Losses of EMAE (arXiv 2302.14431): reconstruction per part and self-consistency.

    The predictions arrive stacked part-major, ``pred[k * B + b]`` being part ``k`` of
    image ``b``; K is inferred as ``pred.shape[0] // B``.

    - Reconstruction: ``L_rec = 1/K sum_k sum_{i in M_k} ||P_k,i - y_i||^2 / (|M_k| P)``,
      i.e. the configured ``loss`` (``PixelReconstructionLoss``) on the stacked tensors,
      since every part masks the same number of patches. The target ``y`` (patchified,
      optionally ``norm_pix``-normalised image) is built once and repeated K times.
    - Self-consistency on the overlap ``O_kl = M_k ∩ M_l`` of two parts' masked sets:
      ``L_sc(k,l) = sum_{i in O_kl} c(P_k,i, sg(P_l,i)) / (|O_kl| P)`` averaged over the
      chosen ordered pairs, with ``c`` the criterion and ``sg`` an optional stop-gradient.

    Returned as ``loss_rec`` and ``loss_sc`` (= ``consistency_weight * L_sc``), plus the
    unweighted ``consistency`` for logging. With K = 1 there are no pairs and only
    ``loss_rec`` is returned (identical to ``MAEPretrainHead.loss``).

    Args:
        loss (dict): reconstruction loss config, as in ``MAEPretrainHead``.
        norm_pix (bool): normalise each target patch by its mean and std.
        patch_size (int): patch size p.
        consistency_weight (float): lambda_sc. Defaults to 1.0.
        consistency_criterion (str): 'L2' (default), 'L1' or 'SmoothL1'.
        consistency_stop_grad (bool): detach the second member of each pair.
            Defaults to True.
        consistency_pairs (str): 'all' ordered pairs (default), 'adjacent' (k, k+1 mod K)
            or 'random_one_pair' (one random unordered pair, both directions).
        consistency_target (str): compare 'raw' predictions (default) or per-patch
            'normalized' predictions.
    """

    def __init__(self,
                 loss: dict,
                 norm_pix: bool = False,
                 patch_size: int = 16,
                 consistency_weight: float = 1.0,
                 consistency_criterion: str = 'L2',
                 consistency_stop_grad: bool = True,
                 consistency_pairs: str = 'all',
                 consistency_target: str = 'raw') -> None:
        _check_choice('consistency_criterion', consistency_criterion, CRITERIA)
        _check_choice('consistency_pairs', consistency_pairs, PAIR_SCHEMES)
        _check_choice('consistency_target', consistency_target, TARGETS)
        if consistency_weight < 0:
            raise ValueError(f'consistency_weight={consistency_weight} must be '
                             '>= 0 (0 disables the self-consistency loss)')
        super().__init__(loss=loss, norm_pix=norm_pix, patch_size=patch_size)
        self.consistency_weight = consistency_weight
        self.consistency_criterion = consistency_criterion
        self.consistency_stop_grad = consistency_stop_grad
        self.consistency_pairs = consistency_pairs
        self.consistency_target = consistency_target

    def pairs(self, num_parts: int) -> List[Tuple[int, int]]:
        """Ordered part pairs (k, l), k != l, used by the consistency loss."""
        if num_parts < 2:
            return []
        if self.consistency_pairs == 'all':
            return [(k, l) for k in range(num_parts) for l in range(num_parts)
                    if k != l]
        if self.consistency_pairs == 'adjacent':
            if num_parts == 2:
                return [(0, 1), (1, 0)]
            return [(k, (k + 1) % num_parts) for k in range(num_parts)]
        k, l = torch.randperm(num_parts)[:2].tolist()
        return [(k, l), (l, k)]

    def _criterion(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        if self.consistency_criterion == 'L2':
            err = (a - b)**2
        elif self.consistency_criterion == 'L1':
            err = (a - b).abs()
        else:
            err = F.smooth_l1_loss(a, b, reduction='none')
        return err.mean(dim=-1)

    @staticmethod
    def _normalize(pred: torch.Tensor) -> torch.Tensor:
        mean = pred.mean(dim=-1, keepdim=True)
        var = pred.var(dim=-1, keepdim=True)
        return (pred - mean) / (var + 1.e-6)**.5

    def consistency_loss(self, pred: torch.Tensor,
                         mask: torch.Tensor) -> torch.Tensor:
        """Self-consistency loss ``L_sc`` on overlapping masked patches.

        Args:
            pred (Tensor): (K, B, N, P) predictions per part.
            mask (Tensor): (K, B, N) masks, 1 = masked.

        Returns:
            Tensor: scalar, the mean over pairs of the masked mean error.
        """
        if self.consistency_target == 'normalized':
            pred = self._normalize(pred)
        other = pred.detach() if self.consistency_stop_grad else pred
        terms = []
        for k, l in self.pairs(pred.shape[0]):
            overlap = mask[k] * mask[l]
            err = self._criterion(pred[k], other[l])
            terms.append((err * overlap).sum() / overlap.sum().clamp(min=1))
        return torch.stack(terms).mean()

    def loss(self, pred: torch.Tensor, target: torch.Tensor,
             mask: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Compute the EMAE losses.

        Args:
            pred (Tensor): (K*B, N, P) decoder predictions, part-major.
            target (Tensor): (B, 3, H, W) input images (one view for all parts).
            mask (Tensor): (K*B, N) masks, 1 = masked.

        Returns:
            dict: ``loss_rec`` and, when K > 1, ``loss_sc`` and ``consistency``.
        """
        batch = target.shape[0]
        if pred.shape[0] % batch or mask.shape[0] != pred.shape[0]:
            raise ValueError(
                f'pred has {pred.shape[0]} rows and mask {mask.shape[0]} for '
                f'{batch} images; expected num_parts * batch rows in both')
        num_parts = pred.shape[0] // batch
        target = self.construct_target(target)
        if num_parts > 1:
            target = target.repeat(num_parts, 1, 1)
        losses = dict(loss_rec=self.loss_module(pred, target, mask))
        if num_parts == 1:
            return losses
        pred = pred.view(num_parts, batch, *pred.shape[1:])
        mask = mask.view(num_parts, batch, -1)
        if self.consistency_weight > 0:
            l_sc = self.consistency_loss(pred, mask)
            losses['loss_sc'] = self.consistency_weight * l_sc
            losses['consistency'] = l_sc.detach()
        else:
            with torch.no_grad():
                l_sc = self.consistency_loss(pred, mask)
            losses['loss_sc'] = l_sc * 0.
            losses['consistency'] = l_sc
        return losses

    @torch.no_grad()
    def errors_per_image(self, pred: torch.Tensor, target: torch.Tensor,
                         mask: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Per-image masked MSE and prediction inconsistency, for evaluation.

        ``mse``: the mean over parts of the masked-patch MSE to the target.
        ``inconsistency``: the mean over all part pairs of the MSE between the two
        parts' predictions on the patches both had to predict (0 when K = 1).

        Args:
            pred (Tensor): (K*B, N, P) predictions, part-major.
            target (Tensor): (B, 3, H, W) images.
            mask (Tensor): (K*B, N), 1 = masked.

        Returns:
            dict of (B,) tensors ``mse`` and ``inconsistency``.
        """
        batch = target.shape[0]
        num_parts = pred.shape[0] // batch
        target = self.construct_target(target)
        pred = pred.view(num_parts, batch, *pred.shape[1:])
        mask = mask.view(num_parts, batch, -1)
        err = ((pred - target.unsqueeze(0))**2).mean(-1)
        mse = ((err * mask).sum(-1) / mask.sum(-1).clamp(min=1)).mean(0)
        terms = [torch.zeros_like(mse)]
        for k in range(num_parts):
            for l in range(k + 1, num_parts):
                overlap = mask[k] * mask[l]
                diff = ((pred[k] - pred[l])**2).mean(-1)
                terms.append((diff * overlap).sum(-1) /
                             overlap.sum(-1).clamp(min=1))
        inconsistency = torch.stack(terms).sum(0) / max(len(terms) - 1, 1)
        return dict(mse=mse, inconsistency=inconsistency)
