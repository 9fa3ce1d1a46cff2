"""EMA teacher, DINO projection head and centred cross entropy: formulas checked by hand."""
import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import MessageHub
from mmpretrain.registry import MODELS

import projects.common.ssl  # noqa: F401
from projects.common.ssl import (CenteredCrossEntropyLoss, DINOProjectionHead,
                                 EMATeacher, momentum_from_tau)

pytestmark = pytest.mark.usefixtures('mmpretrain_scope')


def _fresh_hub(max_iters=None):
    hub = MessageHub.get_instance(f'ssl-test-{torch.randint(0, 10**9, ()).item()}')
    if max_iters is not None:
        hub.update_info('max_iters', max_iters)
    return hub


def test_ema_momentum_is_one_minus_tau():
    _fresh_hub(max_iters=100)
    student = nn.Linear(3, 2)
    teacher = MODELS.build(dict(type='EMATeacher', model=student))
    assert teacher.momentum == pytest.approx(momentum_from_tau(0.996)) == 0.004
    assert teacher.end_momentum == 0.0
    teacher.update_parameters(student)  # first call copies
    assert torch.equal(teacher.module.weight, student.weight)
    old = teacher.module.weight.clone()
    with torch.no_grad():
        student.weight.add_(1.0)
    teacher.update_parameters(student)
    m = 0.004 * (math.cos(math.pi * 1 / 100) + 1) / 2  # step 1 of 100
    expected = (1 - m) * old + m * student.weight
    assert torch.allclose(teacher.module.weight, expected, atol=1e-7)
    # the teacher stays ~99.6 % teacher, not ~99 % student (projects/dino's default)
    assert (teacher.module.weight - old).abs().max() < 0.005


def test_ema_refuses_a_paper_tau_and_missing_max_iters():
    with pytest.raises(ValueError, match='momentum=0.004'):
        EMATeacher(nn.Linear(2, 2), momentum=0.996)
    _fresh_hub()
    student = nn.Linear(2, 2)
    teacher = EMATeacher(student)
    teacher.update_parameters(student)
    with pytest.raises(RuntimeError, match='max_iters'):
        teacher.update_parameters(student)


def test_ema_teacher_never_gets_gradients():
    _fresh_hub(max_iters=10)
    student = nn.Linear(3, 2)
    teacher = EMATeacher(student)
    assert not any(p.requires_grad for p in teacher.parameters())
    out = teacher(torch.randn(4, 3, requires_grad=True))
    assert not out.requires_grad and out.grad_fn is None
    (student(torch.randn(4, 3)).sum() + out.sum()).backward()
    assert all(p.grad is None for p in teacher.parameters())


def test_projection_head_matches_official_weight_norm_layout():
    torch.manual_seed(0)
    head = MODELS.build(dict(type='DINOProjectionHead', in_channels=6, out_channels=10,
                             hidden_channels=8, bottleneck_channels=4))
    keys = set(head.state_dict())
    assert keys == {'mlp.0.weight', 'mlp.0.bias', 'mlp.2.weight', 'mlp.2.bias',
                    'mlp.4.weight', 'mlp.4.bias', 'last_layer.direction',
                    'last_layer.magnitude'}
    assert not head.last_layer.magnitude.requires_grad
    # official: weight_norm(nn.Linear(bottleneck, K, bias=False)), weight_g filled with 1
    official = nn.utils.weight_norm(nn.Linear(4, 10, bias=False))
    with torch.no_grad():
        official.weight_g.uniform_(0.5, 2.0)
        head.last_layer.direction.copy_(official.weight_v)
        head.last_layer.magnitude.copy_(official.weight_g)
    x = torch.randn(5, 6)
    z = F.normalize(head.mlp(x), dim=-1)
    assert torch.allclose(head(x), official(z), atol=1e-6)
    learnt = DINOProjectionHead(6, 10, hidden_channels=8, bottleneck_channels=4,
                                norm_last_layer=False)
    assert learnt.last_layer.magnitude.requires_grad
    assert torch.allclose(learnt.last_layer.weight.norm(dim=1), torch.ones(10))


def test_centered_loss_value_by_hand():
    loss = CenteredCrossEntropyLoss(3, student_temp=0.5, teacher_temp=0.25)
    loss.center[0] = torch.tensor([0.1, -0.2, 0.3])
    teacher = torch.tensor([[[1.0, 0.0, -1.0]], [[0.0, 2.0, 0.0]]])   # 2 views, B=1
    student = torch.tensor([[[0.5, 0.5, 0.0]], [[1.0, 0.0, 0.0]], [[0.0, 0.0, 1.0]]])
    c = loss.center[0].clone()
    q = [torch.softmax((t[0] - c) / 0.25, -1) for t in teacher]
    lp = [torch.log_softmax(s[0] / 0.5, -1) for s in student]
    pairs = [(0, 1), (0, 2), (1, 0), (1, 2)]  # same-view pairs skipped
    expected = sum(-(q[i] * lp[j]).sum() for i, j in pairs) / 4
    loss.eval()
    assert torch.allclose(loss(student, teacher), expected)
    assert torch.equal(loss.center[0], c)  # eval: center untouched


def test_centers_update_rule_per_token_type():
    loss = CenteredCrossEntropyLoss(2, num_centers=2)
    t1 = torch.tensor([[[1.0, 3.0], [3.0, 5.0]]])  # 1 view, B=2 -> mean (2, 4)
    s = torch.zeros(2, 2, 2)
    loss(s, t1, token_type=1)
    assert torch.allclose(loss.center[1], torch.tensor([0.2, 0.4]))
    assert torch.equal(loss.center[0], torch.zeros(2))
    t2 = torch.tensor([[[0.0, 1.0]], [[2.0, 1.0]]])  # 2 views, mean (1, 1)
    loss(torch.zeros(3, 1, 2), t2, token_type=1)
    expected = 0.9 * torch.tensor([0.2, 0.4]) + 0.1 * torch.tensor([1.0, 1.0])
    assert torch.allclose(loss.center[1], expected)


def test_teacher_temperature_never_zero():
    with pytest.raises(ValueError, match='teacher_temp=0'):
        CenteredCrossEntropyLoss(4, teacher_temp=0)
    with pytest.raises(ValueError, match='warmup_teacher_temp=0'):
        CenteredCrossEntropyLoss(4, warmup_teacher_temp=0.0)
    loss = CenteredCrossEntropyLoss(4, warmup_teacher_temp=0.04, teacher_temp=0.07,
                                    warmup_teacher_temp_epochs=30)
    official = torch.linspace(0.04, 0.07, 30).tolist() + [0.07] * 70
    ours = [loss.teacher_temp_at(e) for e in range(100)]
    assert ours == pytest.approx(official) and min(ours) > 0
    with pytest.raises(RuntimeError, match='TeacherTempScheduleHook'):
        loss(torch.zeros(2, 1, 4), torch.zeros(1, 1, 4))
    loss.set_epoch(15)
    assert loss.current_teacher_temp == pytest.approx(official[15])
