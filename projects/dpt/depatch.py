"""DePatch: the deformable patch embedding of DPT (Chen et al., ACM MM 2021,
arXiv 2107.14467; the official `Simple_DePatch` + `pointwhCoder`).

A regular patch embedding cuts the feature map into fixed ``s x s`` squares. DePatch
instead predicts, for every patch, an offset of its centre and the half width and
half height of its box, samples ``k x k`` points evenly inside that box with bilinear
interpolation and embeds the sampled vectors with a linear layer.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmcv.cnn.bricks.transformer import PatchEmbed
from mmengine.model import BaseModule

#: ``0.5 * ln(5/3)``: ``tanh`` of it is exactly 0.25, so a zero prediction gives boxes
#: of half a patch stride, whose 3 x 3 samples sit on PVT's 2 x 2 patch pixels.
DEFAULT_WH_BIAS = 0.5 * math.log(5 / 3)


def _at_least_fp32(tensor):
    """Half-precision tensors are upcast to float32; float32/64 are kept."""
    if tensor.dtype in (torch.float16, torch.bfloat16):
        return tensor.float()
    return tensor


class DePatchEmbed(BaseModule):
    """Deformable patch embedding ("DePatch", the method section of the DPT paper).

    For an input map ``x`` of shape (B, C, H, W) and patch stride ``s`` the output grid
    is ``(Hp, Wp) = (H // s, W // s)``. For the patch in row ``r`` and column ``c``:

    1. feature branch: ``f = LN(Conv_{s x s, stride s}(x))`` (the patch feature);
    2. predictor: ``t = GELU(f) @ W_p^T`` with ``W_p`` of shape (4, D), no bias and
       zero-initialised, so every patch starts as a regular patch;
    3. decoding, in coordinates normalised to [0, 1] (x along the width), with anchor
       ``(cx, cy) = ((c + 0.5) / Wp, (r + 0.5) / Hp)`` and the learnable 2-vector
       ``b = wh_bias``::

           dx = tanh(t0) / Wp                 dy = tanh(t1) / Hp
           hw = relu(tanh(t2 + b0)) / Wp      hh = relu(tanh(t3 + b1)) / Hp
           box = clamp((cx + dx - hw, cy + dy - hh, cx + dx + hw, cy + dy + hh), 0, 1)

    4. ``k x k`` points evenly spaced between the box edges (both included), ordered
       x-index major, y-index minor (point ``i * k + j`` is ``(x_i, y_j)``);
    5. bilinear sampling of ``x`` at those points, zero outside the map
       (``grid_sample`` with ``align_corners=False``), at least in float32 (under
       autocast the whole module runs in float32, see :meth:`forward`);
    6. the ``k * k`` sampled C-vectors are concatenated channel-fastest and embedded:
       ``token = LN(W_o v + b_o)``.

    The parameter names match the official code once its ``patch_embed`` is renamed
    to ``offset_embed`` and ``box_coder.wh_bias`` to ``wh_bias`` (see
    :func:`projects.dpt.convert.convert_official_dpt`).

    Args:
        in_channels (int): Channels C of the input map.
        embed_dims (int): Output token width D.
        stride (int): Patch stride s (and kernel of the feature branch). Default 2.
        num_points (int): Samples per box side k (>= 2). Default 3.
        norm_cfg (dict): Norm of the feature branch and of the output tokens.
            Default LN with eps 1e-5, as in the official code.
        act_cfg (dict): Activation before the predictor. Default GELU.
        wh_bias_init (float): Initial value of both entries of ``wh_bias``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels,
                 embed_dims,
                 stride=2,
                 num_points=3,
                 norm_cfg=dict(type='LN', eps=1e-5),
                 act_cfg=dict(type='GELU'),
                 wh_bias_init=DEFAULT_WH_BIAS,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if int(num_points) < 2:
            raise ValueError(
                f'num_points={num_points} is too small: DePatch samples '
                'num_points x num_points points between the box edges, so it '
                'needs at least 2 (the official models use 3).')
        if int(stride) < 1:
            raise ValueError(f'stride={stride} must be a positive integer.')
        self.in_channels = in_channels
        self.embed_dims = embed_dims
        self.stride = int(stride)
        self.num_points = int(num_points)
        self.wh_bias_init = float(wh_bias_init)

        self.offset_embed = PatchEmbed(
            in_channels=in_channels,
            embed_dims=embed_dims,
            kernel_size=self.stride,
            stride=self.stride,
            padding=0,
            norm_cfg=norm_cfg)
        self.act = build_activation_layer(act_cfg)
        self.offset_predictor = nn.Linear(embed_dims, 4, bias=False)
        self.wh_bias = nn.Parameter(torch.full((2, ), self.wh_bias_init))
        self.output_proj = nn.Linear(self.num_points**2 * in_channels,
                                     embed_dims)
        self.norm = build_norm_layer(norm_cfg, embed_dims)[1]
        self.reset_offset()

    def reset_offset(self):
        """Zero the predictor and reset ``wh_bias``: boxes become regular patches.

        Must run after any generic weight initialisation (the official
        ``reset_offset``), otherwise the start is no longer PVT's patch grid.
        """
        nn.init.zeros_(self.offset_predictor.weight)
        with torch.no_grad():
            self.wh_bias.fill_(self.wh_bias_init)

    def predict_codes(self, x):
        """Per-patch codes ``t`` (B, Hp*Wp, 4) and the grid size (Hp, Wp)."""
        feat, hw_shape = self.offset_embed(x)
        return self.offset_predictor(self.act(feat)), hw_shape

    def decode_boxes(self, codes, hw_shape):
        """Decode codes into boxes (steps 3 of the class docstring).

        Args:
            codes (Tensor): (B, N, 4) predictor output, N = Hp * Wp row-major.
            hw_shape (tuple[int]): (Hp, Wp).

        Returns:
            Tensor: (B, N, 4) boxes ``(x1, y1, x2, y2)`` normalised to [0, 1].
        """
        hp, wp = hw_shape
        codes = _at_least_fp32(codes)
        kwargs = dict(device=codes.device, dtype=codes.dtype)
        cx = ((torch.arange(wp, **kwargs) + 0.5) / wp).repeat(hp)
        cy = ((torch.arange(hp, **kwargs) + 0.5) / hp).repeat_interleave(wp)
        bias = self.wh_bias.to(codes.dtype)
        ctr_x = cx + torch.tanh(codes[..., 0]) / wp
        ctr_y = cy + torch.tanh(codes[..., 1]) / hp
        half_w = F.relu(torch.tanh(codes[..., 2] + bias[0])) / wp
        half_h = F.relu(torch.tanh(codes[..., 3] + bias[1])) / hp
        boxes = torch.stack([
            ctr_x - half_w, ctr_y - half_h, ctr_x + half_w, ctr_y + half_h
        ], dim=-1)
        return boxes.clamp(min=0., max=1.)

    def sampling_points(self, boxes):
        """``k x k`` points per box (step 4), shape (B, N, k*k, 2) as (x, y) in [0, 1]."""
        k = self.num_points
        steps = torch.linspace(0, 1, k, device=boxes.device, dtype=boxes.dtype)
        xs = boxes[..., 0:1] + (boxes[..., 2:3] - boxes[..., 0:1]) * steps
        ys = boxes[..., 1:2] + (boxes[..., 3:4] - boxes[..., 1:2]) * steps
        b, n = boxes.shape[:2]
        px = xs[..., :, None].expand(b, n, k, k)
        py = ys[..., None, :].expand(b, n, k, k)
        return torch.stack([px, py], dim=-1).reshape(b, n, k * k, 2)

    def sample(self, x, points):
        """Bilinear samples of ``x`` (B, C, H, W) at ``points`` (B, N, P, 2).

        Returns (B, N, P * C), channel fastest (step 5 and the flattening of step 6).
        """
        sampled = F.grid_sample(
            _at_least_fp32(x),
            (points * 2 - 1).to(_at_least_fp32(x).dtype),
            mode='bilinear',
            padding_mode='zeros',
            align_corners=False)
        b, c, n, p = sampled.shape
        return sampled.permute(0, 2, 3, 1).reshape(b, n, p * c)

    def forward(self, x):
        """Embed ``x`` (B, C, H, W) into tokens (B, Hp*Wp, D) and return (tokens, (Hp, Wp)).

        The whole embedding runs with autocast disabled, in the dtype of the module's
        weights (float32 under ``--amp``), as the official code does: mixed precision
        would round the box codes and the sampling positions, which move by fractions of
        a pixel. A half-precision model still samples in float32.
        """
        dtype = self.output_proj.weight.dtype
        with torch.autocast(device_type=x.device.type, enabled=False):
            x = x.to(dtype)
            codes, hw_shape = self.predict_codes(x)
            boxes = self.decode_boxes(codes, hw_shape)
            values = self.sample(x, self.sampling_points(boxes))
            tokens = self.norm(self.output_proj(values.to(dtype)))
        return tokens, hw_shape
