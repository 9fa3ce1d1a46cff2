"""Generation orders and the two-stream attention masks of SAIM (spec sections 1.2, 1.3, 9).

An order over the N patches of an image is given by a noise vector ``u`` of shape (B, N):
patch ``i`` is generated before patch ``j`` iff ``u_i < u_j`` (ascending noise). Masks are
additive (0 = may attend, -inf = blocked), of shape (B, 1, 1 + N, 1 + N) with index 0 the cls
token, and broadcast over heads:

- content mask ``A_h``: patch row i sees patch column j iff ``u_j <= u_i`` (itself and its
  predecessors);
- query mask ``A_g``: patch row i sees patch column j iff ``u_j < u_i`` (strict predecessors);
- every row sees the cls column; the cls row sees only cls. No row is fully blocked, so the
  softmax never produces NaN.
"""
import math
from typing import Optional, Tuple

import torch

ORDERS = ('random', 'raster')


def check_order(order: str) -> str:
    if order not in ORDERS:
        raise ValueError(f'generation_order={order!r} is not supported; choose '
                         f"'random' (SAIM) or 'raster' (the ViT-iGPT baseline)")
    return order


def order_noise(batch_size: int,
                num_patches: int,
                order: str = 'random',
                device: Optional[torch.device] = None,
                generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Noise (B, N) that fixes the generation order of every image.

    ``'random'`` draws ``torch.rand(B, N)`` (one call, as the official
    ``generate_attention_mask``), a fresh uniformly random permutation per image;
    ``'raster'`` returns ``u_i = i / N`` for every image (row-major, the iGPT order).
    """
    check_order(order)
    if order == 'raster':
        ramp = torch.arange(num_patches, device=device, dtype=torch.float32)
        return (ramp / num_patches).expand(batch_size, -1).contiguous()
    return torch.rand(
        batch_size, num_patches, device=device, generator=generator)


def check_noise(noise: torch.Tensor, batch_size: int, num_patches: int) -> None:
    if noise.dim() != 2 or tuple(noise.shape) != (batch_size, num_patches):
        raise ValueError(
            f'noise has shape {tuple(noise.shape)}; expected (batch, '
            f'num_patches) = {(batch_size, num_patches)}: one value per patch '
            'of every image (patch i is generated before j iff noise[i] < '
            'noise[j])')


def generation_rank(noise: torch.Tensor) -> torch.Tensor:
    """Position of every patch in the generation order, (B, N) long, 0 = first."""
    return torch.argsort(torch.argsort(noise, dim=1), dim=1)


def two_stream_masks(noise: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Content and query attention masks for a generation order.

    Args:
        noise (Tensor): (B, N) order noise.

    Returns:
        tuple: ``content_mask`` and ``query_mask``, each (B, 1, 1 + N, 1 + N) float with
        values 0 / -inf.
    """
    batch, num = noise.shape
    blocked = -math.inf
    later = noise.unsqueeze(-1) < noise.unsqueeze(1)  # row i, column j: u_i < u_j
    not_earlier = noise.unsqueeze(-1) <= noise.unsqueeze(1)
    zeros = noise.new_zeros(batch, num, num)
    content = zeros.masked_fill(later, blocked)
    query = zeros.masked_fill(not_earlier, blocked)

    def pad_cls(mask):
        top = mask.new_full((batch, 1, num), blocked)
        mask = torch.cat((top, mask), dim=1)
        left = mask.new_zeros(batch, num + 1, 1)
        return torch.cat((left, mask), dim=2).unsqueeze(1)

    return pad_cls(content), pad_cls(query)
