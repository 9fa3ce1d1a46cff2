"""DePatch: initial sampling layout, bounds, gradients, shapes."""
import math

import pytest
import torch
import torch.nn.functional as F

from projects.dpt import DePatchEmbed


def _depatch(in_channels=3, embed_dims=8, num_points=3, seed=0):
    torch.manual_seed(seed)
    module = DePatchEmbed(in_channels, embed_dims, num_points=num_points)
    module.init_weights()
    return module.eval()


def _points(module, x):
    codes, hw_shape = module.predict_codes(x)
    boxes = module.decode_boxes(codes, hw_shape)
    return boxes, module.sampling_points(boxes), hw_shape


def test_init_samples_pvt_patch_pixels_and_midpoints():
    """Spec invariant 1: zero predictor -> x at 2c, 2c+.5, 2c+1 (pixels), same for y."""
    module = _depatch()
    h, w = 8, 16
    x = torch.randn(2, 3, h, w)
    boxes, points, (hp, wp) = _points(module, x)
    assert (hp, wp) == (4, 8)
    assert torch.count_nonzero(module.offset_predictor.weight) == 0
    pix = points.clone()
    pix[..., 0] = points[..., 0] * w - 0.5
    pix[..., 1] = points[..., 1] * h - 0.5
    pix = pix.reshape(2, hp, wp, 3, 3, 2)
    cols = torch.arange(wp, dtype=torch.float32)
    rows = torch.arange(hp, dtype=torch.float32)
    offsets = torch.tensor([0., 0.5, 1.])
    expect_x = (2 * cols[:, None] + offsets).view(1, 1, wp, 3, 1)
    expect_y = (2 * rows[:, None] + offsets).view(1, hp, 1, 1, 3)
    # point index i*k + j is (x_i, y_j): x varies along dim 3, y along dim 4
    assert torch.equal(pix[..., 0], expect_x.expand(2, hp, wp, 3, 3))
    assert torch.equal(pix[..., 1], expect_y.expand(2, hp, wp, 3, 3))

    values = module.sample(x, points).reshape(2, hp, wp, 3, 3, 3)
    patches = x.reshape(2, 3, hp, 2, wp, 2).permute(0, 2, 4, 5, 3, 1)
    # patches[b, r, c, dx, dy, ch]: corners are sampled bit-exactly
    for i, dx in ((0, 0), (2, 1)):
        for j, dy in ((0, 0), (2, 1)):
            assert torch.equal(values[:, :, :, i, j], patches[:, :, :, dx, dy])


def _fixed_patch_map(patch):
    """M of spec invariant 1: the 3x3 samples of a 2x2 patch [dx, dy, ch] (x-major)."""
    rows = []
    for fx in (0., 0.5, 1.):
        for fy in (0., 0.5, 1.):
            rows.append((1 - fx) * (1 - fy) * patch[..., 0, 0, :] +
                        fx * (1 - fy) * patch[..., 1, 0, :] +
                        (1 - fx) * fy * patch[..., 0, 1, :] +
                        fx * fy * patch[..., 1, 1, :])
    return torch.stack(rows, dim=-2).flatten(-2)


@pytest.mark.parametrize('size', [(8, 16), (6, 10)])
def test_init_output_is_fixed_linear_map_of_patch(size):
    """At init the token is LN(W_o M(2x2 patch) + b_o) (corners, edge means, centre)."""
    module = _depatch(in_channels=4, embed_dims=6)
    h, w = size
    x = torch.randn(1, 4, h, w)
    tokens, (hp, wp) = module(x)
    patches = x.reshape(1, 4, hp, 2, wp, 2).permute(0, 2, 4, 5, 3, 1)
    flat = _fixed_patch_map(patches).reshape(1, hp * wp, -1)
    expect = F.layer_norm(
        F.linear(flat, module.output_proj.weight, module.output_proj.bias),
        (6, ), module.norm.weight, module.norm.bias, eps=1e-5)
    torch.testing.assert_close(tokens, expect, atol=1e-5, rtol=1e-5)


def test_wh_bias_init_and_tanh_quarter():
    module = _depatch()
    assert torch.allclose(module.wh_bias, torch.full((2, ), 0.2554128))
    assert torch.tanh(module.wh_bias).eq(0.25).all()


@pytest.mark.parametrize('scale', [0.5, 100.])
def test_grid_stays_inside_image_for_extreme_offsets(scale):
    """Spec invariant 3: coords in [0, 1], |dx| < 1/Wp, 0 <= half size < 1/Wp, x1 <= x2."""
    module = _depatch(in_channels=3, embed_dims=8)
    torch.manual_seed(1)
    with torch.no_grad():
        module.offset_predictor.weight.normal_(0, scale)
        module.wh_bias.normal_(0, scale)
    x = torch.randn(2, 3, 10, 14) * 5
    codes, (hp, wp) = module.predict_codes(x)
    boxes = module.decode_boxes(codes, (hp, wp))
    points = module.sampling_points(boxes)
    assert boxes.min() >= 0 and boxes.max() <= 1
    assert points.min() >= 0 and points.max() <= 1
    assert (boxes[..., 0] <= boxes[..., 2]).all()
    assert (boxes[..., 1] <= boxes[..., 3]).all()
    width = boxes[..., 2] - boxes[..., 0]
    height = boxes[..., 3] - boxes[..., 1]
    # tanh saturates to exactly 1 in float32 at the extreme scale
    assert width.max() <= 2 / wp + 1e-6 and height.max() <= 2 / hp + 1e-6
    cx = ((torch.arange(wp) + 0.5) / wp).repeat(hp)
    centre = (boxes[..., 0] + boxes[..., 2]) / 2
    unclamped = (boxes[..., 0] > 0) & (boxes[..., 2] < 1)
    assert ((centre - cx).abs()[unclamped] <= 1 / wp + 1e-6).all()
    if scale > 1:
        # the clamp is really exercised
        assert (boxes == 0).any() and (boxes == 1).any()
    tokens, _ = module(x)
    assert torch.isfinite(tokens).all()


def test_gradients_reach_offset_predictor_wh_bias_and_input():
    """Spec invariant 4: zero W_p still gets a gradient (tanh'(0) = 1)."""
    module = _depatch(in_channels=3, embed_dims=8).train()
    x = torch.randn(2, 3, 12, 10, requires_grad=True)
    tokens, _ = module(x)
    (tokens * torch.randn_like(tokens)).sum().backward()
    assert module.offset_predictor.weight.grad.abs().sum() > 0
    assert module.wh_bias.grad.abs().sum() > 0
    assert x.grad.abs().sum() > 0
    # the feature branch only learns once W_p has moved away from zero
    assert torch.count_nonzero(module.offset_embed.projection.weight.grad) == 0
    module.zero_grad()
    with torch.no_grad():
        module.offset_predictor.weight.normal_(0, 0.1)
    tokens, _ = module(x)
    (tokens * torch.randn_like(tokens)).sum().backward()
    assert module.offset_embed.projection.weight.grad.abs().sum() > 0


@pytest.mark.parametrize('size', [(7, 9), (5, 4), (11, 2)])
def test_odd_sizes_and_stretched_grid(size):
    """Spec invariant 2: N = floor(H/2) * floor(W/2); odd maps spread anchors over all."""
    module = _depatch(in_channels=3, embed_dims=8)
    h, w = size
    tokens, hw_shape = module(torch.randn(1, 3, h, w))
    assert hw_shape == (h // 2, w // 2)
    assert tokens.shape == (1, (h // 2) * (w // 2), 8)
    _, points, (hp, wp) = _points(module, torch.randn(1, 3, h, w))
    last_x = points[0, wp - 1, -1, 0] * w - 0.5
    # the last column's right sample is the map's last pixel centre scaled by W/Wp
    assert math.isclose(last_x.item(), (wp - 0.25) / wp * w - 0.5, abs_tol=1e-5)


def test_num_points_changes_only_output_projection():
    """Spec invariant 5: k only changes W_o (k^2 C D)."""
    counts = {}
    for k in (2, 3, 4):
        module = DePatchEmbed(16, 32, num_points=k)
        counts[k] = sum(p.numel() for p in module.parameters())
    assert counts[3] - counts[2] == (9 - 4) * 16 * 32
    assert counts[4] - counts[3] == (16 - 9) * 16 * 32


def test_bad_num_points_error():
    with pytest.raises(ValueError, match='num_points=1'):
        DePatchEmbed(3, 8, num_points=1)


def test_sampling_stays_float32_under_autocast():
    module = _depatch(in_channels=3, embed_dims=8)
    x = torch.randn(1, 3, 8, 8)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        codes, hw_shape = module.predict_codes(x)
        boxes = module.decode_boxes(codes, hw_shape)
        tokens, _ = module(x)
    assert boxes.dtype == torch.float32
    assert tokens.shape == (1, 16, 8)


def test_autocast_runs_the_whole_depatch_in_float32():
    """Under --amp the official code runs the whole DePatch in fp32: every layer
    (feature conv, predictor, output projection, norms) sees float32 inputs and the
    tokens equal the fp32 forward bit for bit."""
    torch.manual_seed(0)
    module = DePatchEmbed(8, 16).eval()
    with torch.no_grad():
        module.offset_predictor.weight.normal_(std=0.5)
    x = torch.randn(2, 8, 12, 14).bfloat16()
    seen = []
    handles = [
        m.register_forward_hook(
            lambda mod, inp, out: seen.append((type(mod).__name__,
                                               inp[0].dtype)))
        for m in module.modules()
        if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear,
                          torch.nn.LayerNorm))
    ]
    with torch.no_grad():
        ref, hw = module(x.float())
        seen.clear()
        with torch.autocast('cpu', dtype=torch.bfloat16):
            # autocast is active outside DePatch: a plain Linear runs in bf16
            assert module.output_proj(torch.randn(1, 72)).dtype == \
                torch.bfloat16
            seen.clear()
            out, hw_amp = module(x)
    for h in handles:
        h.remove()
    assert hw_amp == hw
    assert out.dtype == torch.float32
    assert torch.equal(out, ref)
    assert sorted({name for name, _ in seen}) == ['Conv2d', 'LayerNorm',
                                                  'Linear']
    assert all(dtype == torch.float32 for _, dtype in seen), seen
