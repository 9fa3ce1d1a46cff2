"""ACSLLoss against the formulas of the spec (Sec. 1 and 1.1), on hand-built logits."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from projects.acsl import ACSLLoss

# 4 rare, 4 common, 4 frequent classes; channel 12 is background (mmdet 3 layout).
GROUPS = ['r'] * 4 + ['c'] * 4 + ['f'] * 4
C = len(GROUPS)
BG = C


def _logit(p):
    return math.log(p / (1 - p))


def _grad(loss_fn, logits, labels):
    z = logits.clone().requires_grad_(True)
    loss = loss_fn(z, labels)
    loss.backward()
    return loss.detach(), z.grad


def test_channels_and_activation():
    loss = ACSLLoss(label_groups=GROUPS)
    assert loss.get_cls_channels(C) == C + 1
    z = torch.randn(5, C + 1)
    act = loss.get_activation(z)
    assert act.shape == (5, C + 1)
    assert torch.equal(act, z.sigmoid())
    assert loss.custom_cls_channels and loss.custom_activation
    assert loss.custom_accuracy
    out = loss(z, torch.tensor([0, 3, BG, 7, 11]))
    assert out.dim() == 0 and out.dtype == torch.float32
    with pytest.raises(ValueError, match='num_classes=5'):
        loss.get_cls_channels(5)


def test_hand_built_foreground_weights_and_gradient():
    """Two fg RoIs, values chosen by hand: only the gt and p >= 0.7 channels count."""
    logits = torch.full((2, C + 1), _logit(0.1))
    logits[0, 2] = _logit(0.3)   # gt of row 0 (rare class 2)
    logits[0, 9] = _logit(0.8)   # hard negative -> suppressed
    logits[0, 5] = _logit(0.69)  # just below the threshold -> ignored
    logits[0, BG] = _logit(0.75)  # fg RoI confused with background -> suppressed
    logits[1, 10] = _logit(0.9)  # gt of row 1, high score
    logits[1, 0] = _logit(0.7)   # exactly at the threshold -> suppressed
    labels = torch.tensor([2, 10])
    acsl = ACSLLoss(score_thr=0.7, label_groups=GROUPS)
    loss, grad = _grad(acsl, logits, labels)

    expected = (-math.log(0.3) - math.log(1 - 0.8) - math.log(1 - 0.75)
                - math.log(0.9) - math.log(1 - 0.7)) / 2
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    p = logits.sigmoid()
    want = torch.zeros_like(logits)
    want[0, 2] = (p[0, 2] - 1) / 2
    want[0, 9] = p[0, 9] / 2
    want[0, BG] = p[0, BG] / 2
    want[1, 10] = (p[1, 10] - 1) / 2
    want[1, 0] = p[1, 0] / 2
    torch.testing.assert_close(grad, want, atol=1e-7, rtol=1e-6)
    # easy negatives: exactly zero, not merely small
    mask = want == 0
    assert torch.all(grad[mask] == 0)
    assert grad[0, 5].item() == 0.0


def test_random_fg_batch_matches_closed_form():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(64, C + 1, generator=gen) * 2
    labels = torch.randint(0, C, (64,), generator=gen)
    acsl = ACSLLoss(score_thr=0.7, label_groups=GROUPS)
    loss, grad = _grad(acsl, logits, labels)
    p = logits.sigmoid()
    y = F.one_hot(labels, C + 1).float()
    w = ((p >= 0.7) | y.bool()).float()
    bce = -(y * p.log() + (1 - y) * (1 - p).log())
    assert loss.item() == pytest.approx((w * bce).sum().item() / 64, rel=1e-5)
    torch.testing.assert_close(grad, w * (p - y) / 64, atol=1e-6, rtol=1e-5)
    assert 0 < (w * (1 - y)).sum() < (1 - y).sum()  # some, not all, negatives


@pytest.mark.parametrize('bg_mode', ['official', 'adaptive', 'full'])
def test_gt_channel_always_weighted(bg_mode):
    """Background and foreground rows with a tiny gt score still get (p - 1) / N."""
    logits = torch.full((3, C + 1), -6.0)
    labels = torch.tensor([1, BG, 6])
    acsl = ACSLLoss(bg_mode=bg_mode, label_groups=GROUPS)
    _, grad = _grad(acsl, logits, labels)
    p = torch.sigmoid(torch.tensor(-6.0))
    for i, k in enumerate(labels.tolist()):
        assert grad[i, k].item() == pytest.approx(((p - 1) / 3).item(),
                                                  rel=1e-6)


def test_bg_modes_on_one_background_row():
    """One bg RoI confused with a rare class (0.95) and a frequent class (0.9)."""
    logits = torch.full((1, C + 1), _logit(0.2))
    logits[0, 0] = _logit(0.95)   # rare
    logits[0, 9] = _logit(0.9)    # frequent
    logits[0, BG] = _logit(0.4)
    labels = torch.tensor([BG])
    p = logits.sigmoid()

    w_full = ACSLLoss(bg_mode='full').class_weights(logits, labels)
    assert torch.all(w_full == 1)

    w_adapt = ACSLLoss(bg_mode='adaptive').class_weights(logits, labels)
    assert w_adapt[0].nonzero()[:, 0].tolist() == [0, 9, BG]

    # official: with 1 bg row, floor(0.01) = floor(0.1) = 0 rows for rare/common,
    # every row for frequent; the adaptive hit on the rare class is discarded.
    w_off = ACSLLoss(bg_mode='official',
                     label_groups=GROUPS).class_weights(logits, labels)
    assert w_off[0].nonzero()[:, 0].tolist() == [8, 9, 10, 11, BG]
    _, grad = _grad(ACSLLoss(label_groups=GROUPS), logits, labels)
    assert grad[0, 0].item() == 0.0
    assert grad[0, 9].item() == pytest.approx(p[0, 9].item(), rel=1e-6)


def test_official_background_sampling_counts():
    torch.manual_seed(3)
    n_bg, n_fg = 1000, 24
    logits = torch.randn(n_bg + n_fg, C + 1)
    logits[:, 0] = _logit(0.95)  # every row scores 0.95 on rare class 0
    labels = torch.cat([torch.full((n_bg,), BG),
                        torch.randint(0, C, (n_fg,))])
    acsl = ACSLLoss(label_groups=GROUPS)
    w = acsl.class_weights(logits, labels)
    bg = w[:n_bg]
    assert torch.all(bg[:, BG] == 1)
    assert torch.all(bg[:, 8:12] == 1)  # frequent: every bg row
    common_rows = bg[:, 4:8].all(1)
    rare_rows = bg[:, 0:4].all(1)
    assert common_rows.sum().item() == 100  # floor(0.1 * 1000)
    assert rare_rows.sum().item() == 10     # floor(0.01 * 1000)
    # a sampled row weights the whole group, an unsampled row none of it
    assert torch.equal(bg[:, 4:8].any(1), common_rows)
    assert torch.equal(bg[:, 0:4].any(1), rare_rows)
    # fg rows keep the adaptive rule: class 0 (p = 0.95) is suppressed for all
    fg_labels = labels[n_bg:]
    assert torch.all(w[n_bg:][fg_labels != 0, 0] == 1)

    few = ACSLLoss(label_groups=GROUPS).class_weights(
        logits[:99], torch.full((99,), BG))
    assert few[:, 0:4].sum().item() == 0  # < 100 bg rows: never rare
    assert few[:, 4:8].all(1).sum().item() == 9


def test_official_mode_ratios_are_parameters():
    logits = torch.zeros(200, C + 1)
    labels = torch.full((200,), BG)
    w = ACSLLoss(bg_sample_ratios=(0.5, 0.0, 0.25),
                 label_groups=GROUPS).class_weights(logits, labels)
    assert w[:, 0:4].all(1).sum().item() == 100
    assert w[:, 4:8].sum().item() == 0
    assert w[:, 8:12].all(1).sum().item() == 50


def test_official_mode_needs_groups():
    acsl = ACSLLoss()
    logits = torch.zeros(3, C + 1)
    fg = torch.tensor([0, 1, 2])
    acsl(logits, fg)  # fg-only batches need no groups
    with pytest.raises(RuntimeError, match='ACSLFrequencyHook'):
        acsl(logits, torch.tensor([0, BG, 2]))
    with pytest.raises(ValueError, match='12 class channels'):
        ACSLLoss(label_groups=GROUPS[:5])(logits, torch.tensor([0, BG, 2]))


def test_limits_reduce_to_bce_and_gt_only():
    gen = torch.Generator().manual_seed(1)
    logits = torch.randn(40, C + 1, generator=gen) * 2
    labels = torch.randint(0, C + 1, (40,), generator=gen)
    from mmdet.models.losses import CrossEntropyLoss
    bce = CrossEntropyLoss(use_sigmoid=True)
    ones = torch.ones(40)
    ref = bce(logits, labels, ones, avg_factor=40)
    full = ACSLLoss(score_thr=1e-12, bg_mode='full')(logits, labels, ones, 40)
    assert full.item() == pytest.approx(ref.item(), rel=1e-5)

    fg = labels.clamp(max=C - 1)
    ref_fg = bce(logits, fg, ones, avg_factor=40)
    small = ACSLLoss(score_thr=1e-12, label_groups=GROUPS)(logits, fg)
    assert small.item() == pytest.approx(ref_fg.item(), rel=1e-5)

    logits = logits.clamp(-5, 5)
    near_one = ACSLLoss(score_thr=1 - 1e-6)(logits, fg)
    gt_only = -logits.sigmoid()[torch.arange(40), fg].log().mean()
    assert near_one.item() == pytest.approx(gt_only.item(), rel=1e-5)


def test_normalisation_and_loss_weight():
    gen = torch.Generator().manual_seed(2)
    logits = torch.randn(30, C + 1, generator=gen) * 2
    labels = torch.randint(0, C + 1, (30,), generator=gen)
    for mode in ('adaptive', 'full'):
        acsl = ACSLLoss(bg_mode=mode)
        base = acsl(logits, labels)
        doubled = acsl(torch.cat([logits, logits]), torch.cat([labels, labels]))
        assert doubled.item() == pytest.approx(base.item(), rel=1e-6)
        # extra columns scoring below xi for every sample add nothing
        extra = torch.full((30, 5), -3.0)
        wide = torch.cat([logits[:, :C], extra, logits[:, C:]], dim=1)
        wide_labels = torch.where(labels == C, C + 5, labels)
        if mode == 'adaptive':
            assert acsl(wide, wide_labels).item() == pytest.approx(
                base.item(), rel=1e-6)
        heavy = ACSLLoss(bg_mode=mode, loss_weight=2.5)(logits, labels)
        assert heavy.item() == pytest.approx(2.5 * base.item(), rel=1e-6)
    # label_weights and avg_factor are honoured
    acsl = ACSLLoss(bg_mode='adaptive')
    lw = torch.zeros(30)
    lw[:10] = 1
    part = acsl(logits, labels, lw, avg_factor=10)
    assert part.item() == pytest.approx(
        acsl(logits[:10], labels[:10]).item(), rel=1e-6)
    per_roi = acsl(logits, labels, reduction_override='none')
    assert per_roi.shape == (30, )
    assert per_roi[:10].sum().item() == pytest.approx(
        10 * acsl(logits[:10], labels[:10]).item(), rel=1e-6)
    assert per_roi.sum().item() == pytest.approx(
        acsl(logits, labels, reduction_override='sum').item(), rel=1e-6)


def test_weights_are_detached():
    logits = torch.full((1, C + 1), -3.0)
    logits[0, 4] = _logit(0.71)
    labels = torch.tensor([1])
    acsl = ACSLLoss(bg_mode='adaptive')
    _, grad = _grad(acsl, logits, labels)
    p = logits.sigmoid()
    assert grad[0, 4].item() == pytest.approx(p[0, 4].item(), rel=1e-6)
    logits[0, 4] = _logit(0.69)
    _, grad = _grad(acsl, logits, labels)
    assert grad[0, 4].item() == 0.0


def _official_layout_reference(logits_bgfirst, labels_bgfirst, groups, thr):
    """Loop re-statement of the released loss in its own layout (channel 0 = bg).

    Written from the spec: fg rows use the xi rule; bg rows weight channel 0 and
    numpy-sampled rare / common / frequent subsets of the bg rows (ascending order).
    """
    n, k = logits_bgfirst.shape
    p = logits_bgfirst.sigmoid()
    w = torch.zeros(n, k, dtype=torch.float64)
    y = torch.zeros(n, k, dtype=torch.float64)
    for i in range(n):
        y[i, labels_bgfirst[i]] = 1
        if labels_bgfirst[i] == 0:
            w[i, 0] = 1
        else:
            for j in range(k):
                if j == labels_bgfirst[i] or p[i, j] >= thr:
                    w[i, j] = 1
    bg_rows = np.nonzero(labels_bgfirst.numpy() == 0)[0]
    n_bg = len(bg_rows)
    for code, ratio in (('r', 0.01), ('c', 0.1), ('f', 1.0)):
        chosen = np.random.choice(bg_rows, size=int(n_bg * ratio),
                                  replace=False)
        cols = [c + 1 for c, g in enumerate(groups) if g == code]
        for r in chosen:
            w[r, cols] = 1
    bce = F.binary_cross_entropy_with_logits(
        logits_bgfirst, y.to(logits_bgfirst.dtype), reduction='none')
    return (w * bce).sum() / n


def test_matches_official_layout_with_numpy_rng():
    """Permuting bg-first (official) to bg-last (ours) gives the same loss and grads."""
    gen = torch.Generator().manual_seed(5)
    n = 300
    official = (torch.randn(n, C + 1, generator=gen) * 2).double()
    labels_off = torch.randint(0, C + 1, (n,), generator=gen)
    labels_off[:220] = 0  # 220 bg rows -> 2 rare rows, 22 common rows

    z_off = official.clone().requires_grad_(True)
    np.random.seed(11)
    ref = _official_layout_reference(z_off, labels_off, GROUPS, 0.7)
    ref.backward()

    ours_logits = torch.cat([official[:, 1:], official[:, :1]], dim=1)
    ours_labels = torch.where(labels_off == 0, C, labels_off - 1)
    z = ours_logits.clone().requires_grad_(True)
    np.random.seed(11)
    loss = ACSLLoss(rng='numpy', label_groups=GROUPS)(z, ours_labels)
    loss.backward()
    assert loss.item() == pytest.approx(ref.item(), rel=1e-10)
    grad_back = torch.cat([z.grad[:, -1:], z.grad[:, :-1]], dim=1)
    torch.testing.assert_close(grad_back, z_off.grad, atol=1e-12, rtol=1e-10)


def test_accuracy_keys():
    acsl = ACSLLoss()
    logits = torch.full((3, C + 1), -4.0)
    logits[0, 2] = 3
    logits[1, 5] = 3
    logits[2, BG] = 3
    acc = acsl.get_accuracy(logits, torch.tensor([2, 4, BG]))
    assert acc['acc_classes'].item() == pytest.approx(50.0)
    assert acc['acc'].item() == pytest.approx(200 / 3, rel=1e-5)


@pytest.mark.parametrize('kwargs, match', [
    (dict(score_thr=0.0), 'score_thr=0.0'),
    (dict(score_thr=1.0), 'score_thr=1.0'),
    (dict(bg_mode='sometimes'), "bg_mode='sometimes'"),
    (dict(bg_sample_ratios=(0.1, 0.2)), 'bg_sample_ratios'),
    (dict(label_groups=['r', 'x']), "'x'"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ACSLLoss(**kwargs)
