"""PASS pre-training pieces: spec (f) invariants 1-9 and the official trainer rules."""
import importlib
import math
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.logging import MessageHub

_helpers = importlib.import_module('tests.pass.helpers')  # `pass` is a keyword
pass_module = _helpers.pass_module
from tests.utils import REPO_ROOT, build_model

_pkg = pass_module()
PASSHead, PASSMultiCrop, PASSViT = _pkg.PASSHead, _pkg.PASSMultiCrop, _pkg.PASSViT
area_rows, pretrain_pos_embed = _pkg.area_rows, _pkg.pretrain_pos_embed

TINY_PT = osp.join(REPO_ROOT, 'configs', 'pass', 'tiny',
                   'pass_vit-small-p16_8xb128-amp-coslr-100e_luperson.py')
NO_COLOUR = dict(color_jitter_prob=0., grayscale_prob=0.,
                 global_blur_probs=(0., 0.), global_solarize_probs=(0., 0.),
                 local_blur_prob=0.)


def _row_image(h=256, w=128):
    """Channel 0 holds the row index, so a crop tells which rows it came from."""
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = (np.arange(h) * 255 // max(h - 1, 1))[:, None]
    img[..., 1] = 128
    return img


def test_multicrop_views_and_areas():
    """Invariant 1: 11 views in the official order; each local comes from its area."""
    crop = PASSMultiCrop(**NO_COLOUR)
    for seed in range(3):
        np.random.seed(seed)
        views = crop(dict(img=_row_image()))['img']
        assert len(views) == 11
        assert [v.shape[:2] for v in views] == [(256, 128)] * 2 + [(128, 64)] * 9
        for i, view in enumerate(views[2:]):
            rows = view[..., 0].astype(int)
            lo, hi = [(0, 127), (64, 191), (128, 255)][i // 3]
            assert rows.min() >= lo - 2 and rows.max() <= hi + 2, (i, rows.min(),
                                                                  rows.max())


def test_area_rows_truncate():
    """Invariant 2: int() truncation; for odd H the last row is in no area."""
    assert area_rows(256, (0, .25, .5), .5) == [(0, 128), (64, 192), (128, 256)]
    assert area_rows(257, (0, .25, .5), .5) == [(0, 128), (64, 192), (128, 256)]
    assert area_rows(7, (0, .25, .5), .5) == [(0, 3), (1, 4), (3, 6)]


def test_multicrop_bad_input():
    with pytest.raises(ValueError, match='multiple of num_parts'):
        PASSMultiCrop(num_local_crops=8)
    crop = PASSMultiCrop(**NO_COLOUR)
    small = crop(dict(img=_row_image(20, 10)))['img']  # smaller than a local crop
    assert small[2].shape[:2] == (128, 64)
    with pytest.raises(ValueError, match='x.jpg has 1 rows'):
        crop(dict(img=_row_image(1, 10), img_path='x.jpg'))


def _tiny_vit(**kw):
    torch.manual_seed(0)
    vit = PASSViT(arch=dict(embed_dims=24, num_layers=2, num_heads=2,
                            feedforward_channels=48),
                  img_size=(64, 32), patch_size=8, **kw)
    vit.init_weights()
    return vit


def test_vit_tokens_and_part_gradients():
    """Invariant 3."""
    vit = _tiny_vit()
    assert len(vit(torch.randn(2, 3, 64, 32))) == 4
    out = vit(torch.randn(2, 3, 32, 16), part_index=0)
    assert len(out) == 2 and out[0].shape == (2, 24)
    (out[0].sum() + out[1].sum()).backward()
    for name in ('part_token2', 'part_token3', 'part2_pos', 'part3_pos'):
        grad = getattr(vit, name).grad
        assert grad is None or not grad.any(), name
    for name in ('cls_token', 'cls_pos', 'pos_embed', 'part_token1',
                 'part1_pos'):
        assert getattr(vit, name).grad.abs().sum() > 0, name


def test_pos_embed_scale_factor_quirk():
    """Invariant 4: locals get a 4x2 (here; 8x4 at 128x64/16) grid; the native-size
    global grid is resampled in pre-training, raw in fine-tuning."""
    vit = _tiny_vit()
    pe = vit.pos_embed
    assert vit.patch_pos_embed((4, 2)).shape == (1, 8, 24)
    assert pretrain_pos_embed(torch.zeros(1, 128, 5), (16, 8), (8, 4)).shape == \
        (1, 32, 5)
    native = vit.patch_pos_embed((8, 4))
    assert native.shape == pe.shape and not torch.allclose(native, pe)
    manual = F.interpolate(
        pe.reshape(1, 8, 4, 24).permute(0, 3, 1, 2),
        scale_factor=(8.1 / 8, 4.1 / 4), mode='bicubic', align_corners=False)
    assert torch.allclose(native, manual.permute(0, 2, 3, 1).reshape(1, 32, 24))
    vit.pos_embed_mode = 'finetune'
    assert torch.equal(vit.patch_pos_embed((8, 4)), pe)


def _head(k=17):
    head = PASSHead(loss=dict(type='CenteredCrossEntropyLoss', out_channels=k,
                              num_centers=4)).double()
    return head


def _logits(b=3, k=17, seed=0):
    g = torch.Generator().manual_seed(seed)
    r = lambda n: torch.randn(n * b, k, generator=g, dtype=torch.float64)  # noqa
    student_global = [r(2) for _ in range(4)]
    student_local = [(r(3), r(3)) for _ in range(3)]
    teacher = [r(2) for _ in range(4)]
    return student_global, student_local, teacher


def _brute_force(student_global, student_local, teacher, b=3, ts=0.1, tt=0.04):
    terms = []
    for tau in range(4):
        t_views = [teacher[tau][v * b:(v + 1) * b] for v in range(2)]
        s_views = [student_global[tau][u * b:(u + 1) * b] for u in range(2)]
        if tau == 0:
            s_views += [cls[j * b:(j + 1) * b] for cls, _ in student_local
                        for j in range(3)]
        else:
            part = student_local[tau - 1][1]
            s_views += [part[j * b:(j + 1) * b] for j in range(3)]
        for v, t in enumerate(t_views):
            q = F.softmax(t / tt, dim=-1)
            for u, s in enumerate(s_views):
                if u == v:
                    continue
                terms.append((-q * F.log_softmax(s / ts, -1)).sum(-1).mean())
    assert len(terms) == 44
    return torch.stack(terms).mean()


def test_loss_equals_44_term_brute_force():
    """Invariant 5 (float64, B=3, K=17, zero centers)."""
    head = _head().eval()
    sg, sl, t = _logits()
    loss = head.loss(sg, sl, t)
    assert torch.allclose(loss, _brute_force(sg, sl, t), rtol=1e-12)
    perm = [0, 2, 1, 3]  # swap areas 1 and 2 everywhere
    swapped = head.loss([sg[i] for i in perm], [sl[1], sl[0], sl[2]],
                        [t[i] for i in perm])
    assert torch.allclose(loss, swapped, rtol=1e-12)


def test_cls_only_terms_are_dino():
    head = _head().eval()
    head.part_terms = False
    sg, sl, t = _logits()
    b = 3
    q = [F.softmax(t[0][v * b:(v + 1) * b] / 0.04, -1) for v in range(2)]
    views = list(sg[0].split(b)) + [x for c, _ in sl for x in c.split(b)]
    terms = [(-q[v] * F.log_softmax(s / 0.1, -1)).sum(-1).mean()
             for v in range(2) for u, s in enumerate(views) if u != v]
    assert len(terms) == 20
    assert torch.allclose(head.loss(sg, sl, t), torch.stack(terms).mean())


def test_same_view_exclusion_gradients():
    """Invariant 6: the student's g1 logits learn only from teacher view 2."""
    head = _head().eval()
    b = 3
    sg, sl, t = _logits()

    def grads(teacher):
        s = [x.clone().requires_grad_() for x in sg]
        loc = [(c.clone().requires_grad_(), p.clone().requires_grad_())
               for c, p in sl]
        head.loss(s, loc, teacher).backward()
        return s, loc

    s1, l1 = grads(t)
    t_changed = [x.clone() for x in t]
    for x in t_changed:
        x[:b] += torch.randn_like(x[:b])  # teacher view 1 only
    s2, l2 = grads(t_changed)
    for tau in range(4):
        assert torch.allclose(s1[tau].grad[:b], s2[tau].grad[:b])  # g1: no
        assert not torch.allclose(s1[tau].grad[b:], s2[tau].grad[b:])  # g2
    assert not torch.allclose(l1[0][0].grad, l2[0][0].grad)  # locals: both
    assert not torch.allclose(l1[2][1].grad, l2[2][1].grad)


def test_centers_after_one_step():
    """Invariant 7 (world size 1): c = 0.9 * 0 + 0.1 * mean(teacher logits)."""
    head = _head().train()
    sg, sl, t = _logits()
    head.loss(sg, sl, t)
    center = head.loss_module.center
    for tau in range(4):
        assert torch.allclose(center[tau].double(), 0.1 * t[tau].mean(0),
                              atol=1e-6)


def _tiny_pass():
    cfg = Config.fromfile(TINY_PT)
    torch.manual_seed(0)
    model = build_model(cfg)
    model.init_weights()
    return model


def _views(b=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(b, 3, 64, 32, generator=g) for _ in range(2)] + \
        [torch.randn(b, 3, 32, 16, generator=g) for _ in range(9)]


def test_ema_teacher_sees_globals_and_gets_no_grads():
    """Invariant 8 and 9: EMA m_s = 0.004 (cos(pi s / T) + 1) / 2; no grads reach the
    teacher; prototypes stay unit-norm and their magnitudes fixed."""
    MessageHub.get_current_instance().update_info('max_iters', 10)
    model = _tiny_pass().train()
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad],
                          lr=0.5)
    student = lambda: torch.cat([p.detach().flatten() for p in (  # noqa
        list(model.backbone.parameters()) + list(model.neck.parameters()))])
    teacher = lambda: torch.cat([p.detach().flatten() for p in  # noqa
                                 model.teacher.module.parameters()])
    for step in range(3):
        before_t, before_s = teacher(), student()
        steps = int(model.teacher.steps)
        loss = model.loss(_views(seed=step))['loss']
        if steps == 0:
            assert torch.equal(teacher(), before_s)
        else:
            m = 0.004 * (math.cos(math.pi * steps / 10) + 1) / 2
            assert torch.allclose(teacher(), (1 - m) * before_t + m * before_s,
                                  atol=1e-6)
        opt.zero_grad()
        loss.backward()
        assert all(p.grad is None for p in model.teacher.parameters())
        opt.step()
        for head in model.neck.heads:
            norms = head.last_layer.weight.norm(dim=1)
            assert torch.allclose(norms, torch.ones_like(norms), atol=1e-5)
            assert torch.equal(head.last_layer.magnitude,
                               torch.ones_like(head.last_layer.magnitude))
    assert not student().equal(teacher())


def test_teacher_has_no_drop_path_and_predict_uses_it():
    model = _tiny_pass().train()
    MessageHub.get_current_instance().update_info('max_iters', 10)
    x = torch.randn(2, 3, 64, 32)
    with torch.no_grad():
        assert torch.equal(model.teacher(x)[0], model.teacher(x)[0])
    model.loss(_views())
    model.eval()
    out = model(x, None, mode="predict")
    tokens = model.teacher.module[0](x)
    feat = torch.cat([tokens[0], torch.stack(tokens[1:]).mean(0)], 1)
    assert torch.allclose(torch.stack([s.pred_feature for s in out]), feat)
    model.test_feature = 'cls'  # the DINO baseline's feature
    out = model(x, None, mode='predict')
    assert torch.allclose(torch.stack([s.pred_feature for s in out]), tokens[0])


def test_per_parameter_clipping_and_decay_by_ndim():
    from mmengine.optim import build_optim_wrapper
    cfg = Config.fromfile(TINY_PT)
    model = _tiny_pass()
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    names = {id(p): n for n, p in model.named_parameters()}
    for group in wrapper.optimizer.param_groups:
        for p in group['params']:
            name = names[id(p)]
            no_decay = p.ndim == 1 or name.endswith('.bias')
            assert (group['weight_decay'] == 0) == no_decay, name
    for p in model.parameters():
        p.grad = torch.full_like(p, 10.0) if p.requires_grad else None
    wrapper._clip_grad()
    for p in model.parameters():
        if p.grad is not None:
            assert p.grad.norm() == pytest.approx(3.0, rel=1e-4)


def test_every_view_type_reaches_cls_and_patch_positions():
    """Invariant 3, the other half: a global view feeds all four tokens (every [PART]
    gets a gradient), and [CLS] / patch position embeddings get one from a local view
    of each area."""
    vit = _tiny_vit()
    sum(t.sum() for t in vit(torch.randn(2, 3, 64, 32))).backward()
    for k in (1, 2, 3):
        assert vit.get_parameter(f'part_token{k}').grad.abs().sum() > 0, k
        assert vit.get_parameter(f'part{k}_pos').grad.abs().sum() > 0, k
    for k in range(3):
        vit.zero_grad()
        out = vit(torch.randn(2, 3, 32, 16), part_index=k)
        (out[0].sum() + out[1].sum()).backward()
        for name in ('cls_token', 'cls_pos', 'pos_embed'):
            assert vit.get_parameter(name).grad.abs().sum() > 0, (k, name)
        others = [j for j in (1, 2, 3) if j != k + 1]
        for j in others:
            grad = vit.get_parameter(f'part_token{j}').grad
            assert grad is None or not grad.any(), (k, j)
