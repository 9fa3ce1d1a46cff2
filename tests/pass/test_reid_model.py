"""PASS ReID model pieces: part BN-neck fusion (invariant 11), soft-margin batch-hard
triplet, the official timm-style lr schedule."""
import importlib
import math
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

from tests.utils import REPO_ROOT, build_model

_pkg = importlib.import_module('projects.pass')  # `pass` is a keyword
TINY = osp.join(REPO_ROOT, 'configs', 'pass', 'tiny',
                'pass-reid_vit-small-p16_1xb64-amp-120e_market1501-256x128.py')


def _tokens(b=4, d=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(b, d, generator=g) for _ in range(4)]


def test_part_bn_neck_fusions():
    tokens = _tokens()
    neck = _pkg.PartBNNeck(6, fusion='cat').train()
    before, after = neck(tokens)
    part = (tokens[1] + tokens[2] + tokens[3]) / 3
    assert before.shape == after.shape == (4, 12)
    assert torch.equal(before, torch.cat([tokens[0], part], 1))
    bn = [F.batch_norm(t, None, None, training=True, eps=1e-5) for t in tokens]
    assert torch.allclose(after, torch.cat([bn[0], sum(bn[1:]) / 3], 1),
                          atol=1e-5)
    assert all(not m.bias.requires_grad for m in neck.bnnecks)
    mean = _pkg.PartBNNeck(6, fusion='mean')
    assert torch.allclose(mean(tokens)[0], (tokens[0] + part) / 2)
    single = _pkg.PartBNNeck(6, multi_neck=False)
    assert len(single.bnnecks) == 1 and single.bnnecks[0].num_features == 12
    with pytest.raises(ValueError, match='1 \\+ 3 tokens'):
        neck(tokens[:2])


def test_soft_margin_batch_hard_triplet_hand_case():
    feats = torch.tensor([[0.], [1.], [3.], [5.]])
    labels = torch.tensor([0, 0, 1, 1])
    # (hardest positive, hardest negative): (1, 3), (1, 2), (2, 2), (2, 4)
    expect = F.softplus(torch.tensor([1 - 3., 1 - 2., 2 - 2., 2 - 4.])).mean()
    loss = _pkg.batch_hard_soft_margin_triplet(feats, labels)
    assert torch.allclose(loss, expect, atol=1e-5)
    with pytest.raises(ValueError, match='no negative'):
        _pkg.batch_hard_soft_margin_triplet(feats, torch.zeros(4))


def test_eval_feature_is_f_before():
    """Invariant 11: the test feature is cat(cls, mean of parts) before the BN."""
    model = build_model(Config.fromfile(TINY)).eval()
    x = torch.randn(2, 3, 64, 32)
    with torch.no_grad():
        tokens = model.backbone(x)
        out = model.head.predict(model.neck(tokens))
    expect = torch.cat([tokens[0], torch.stack(tokens[1:]).mean(0)], 1)
    assert torch.allclose(torch.stack([s.pred_feature for s in out]), expect)
    assert expect.shape == (2, 96)


def test_warmup_cosine_matches_official_timm_values():
    w = torch.nn.Parameter(torch.zeros(1))
    b = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([dict(params=[w], lr=4e-4),
                           dict(params=[b], lr=8e-4)], lr=4e-4)
    sched = _pkg.WarmupCosineLR(opt, max_epochs=120, warmup_epochs=20,
                                warmup_value=4e-6, eta_min=8e-7)
    lrs = []
    for _ in range(120):
        lrs.append([g['lr'] for g in opt.param_groups])
        opt.step()
        sched.step()
    # official epoch t = e + 1: warm-up from the absolute 4e-6 towards each base
    assert lrs[0][0] == pytest.approx(4e-6 + (4e-4 - 4e-6) / 20)
    assert lrs[0][1] == pytest.approx(4e-6 + (8e-4 - 4e-6) / 20)
    # at t = 20 the cosine is already at pi / 6 (it spans the warm-up, timm)
    assert lrs[19][0] == pytest.approx(
        8e-7 + 0.5 * (4e-4 - 8e-7) * (1 + math.cos(math.pi / 6)))
    assert lrs[119][0] == pytest.approx(8e-7)
