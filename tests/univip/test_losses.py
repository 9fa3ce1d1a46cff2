import pytest
import torch

from projects.univip.losses import (instance_instance_loss, instance_weights,
                                    negative_cosine, scene_instance_loss,
                                    scene_scene_loss)
from projects.univip.sinkhorn import SinkhornOT


def test_scene_scene_by_hand():
    p1 = torch.tensor([[1., 0.]])
    p2 = torch.tensor([[0., 2.]])
    t1 = torch.tensor([[3., 3.]])
    t2 = torch.tensor([[1., 0.]])
    # L(s1, s2) = -cos(p1, t2) = -1 ; L(s2, s1) = -cos(p2, t1) = -1/sqrt(2)
    loss = scene_scene_loss(p1, p2, t1, t2)
    torch.testing.assert_close(loss, torch.tensor(-1 - 2 ** -0.5))


def test_scene_instance_by_hand():
    fused = torch.tensor([[1., 0.], [0., 1.]], requires_grad=True)
    t1 = torch.tensor([[1., 0.], [1., 0.]], requires_grad=True)
    t2 = torch.tensor([[0., 1.], [-1., 0.]])
    # batch 0: -(1 + 0); batch 1: -(0 + 0) -> mean -0.5
    loss = scene_instance_loss(fused, t1, t2)
    torch.testing.assert_close(loss, torch.tensor(-0.5))
    loss.backward()
    assert t1.grad is None and fused.grad is not None


def test_instance_weights_by_hand():
    inst = torch.tensor([[[1., 0.], [0., 1.], [-1., 0.]]])
    w = instance_weights(inst, torch.tensor([[2., 0.]]), torch.tensor([[0., 4.]]))
    torch.testing.assert_close(w, torch.tensor([[1., 2., 0.]]))


def test_instance_loss_by_hand():
    # two orthogonal instances, target identical to online, scenes (1, 1): all weights
    # are 1 -> uniform marginals; costs 0 on the diagonal, 1 off it -> diagonal plan
    online = torch.tensor([[[1., 0.], [0., 1.]]])
    target = online.clone()
    scenes = (torch.tensor([[1., 1.]]), torch.tensor([[1., 1.]]))
    solver = SinkhornOT(eps=0.05, num_iters=500)
    loss = instance_instance_loss(online, target, scenes, scenes, solver)
    assert loss.item() == pytest.approx(-1.0, abs=1e-6)
    cosine = torch.eye(2)
    plan = solver(1 - cosine[None], torch.ones(1, 2), torch.ones(1, 2))
    assert loss.item() == pytest.approx(-(cosine * plan[0]).sum().item())


def test_uniform_weights_differ_from_scene_weights():
    gen = torch.Generator().manual_seed(0)
    online, target = torch.randn(2, 3, 4, 8, generator=gen)
    scenes_o = tuple(torch.randn(2, 3, 8, generator=gen))
    scenes_t = tuple(torch.randn(2, 3, 8, generator=gen))
    scene = instance_instance_loss(online, target, scenes_o, scenes_t)
    uniform = instance_instance_loss(online, target, scenes_o, scenes_t, weights='uniform')
    assert not torch.isclose(scene, uniform)
    with pytest.raises(ValueError, match='ot_weights'):
        instance_instance_loss(online, target, scenes_o, scenes_t, weights='gt')


def test_instance_loss_permutation_invariant_and_gradients():
    gen = torch.Generator().manual_seed(1)
    online = torch.randn(2, 4, 8, generator=gen, requires_grad=True)
    target = torch.randn(2, 4, 8, generator=gen, requires_grad=True)
    scenes_o = tuple(torch.randn(2, 8, generator=gen, requires_grad=True) for _ in range(2))
    scenes_t = tuple(torch.randn(2, 8, generator=gen, requires_grad=True) for _ in range(2))
    loss = instance_instance_loss(online, target, scenes_o, scenes_t)
    perm = torch.tensor([2, 0, 3, 1])
    permuted = instance_instance_loss(online[:, perm], target[:, perm], scenes_o, scenes_t)
    torch.testing.assert_close(loss, permuted)
    assert -1 <= loss.item() <= 1
    loss.backward()
    assert online.grad is not None and online.grad.abs().sum() > 0
    assert target.grad is None
    assert all(s.grad is None for s in scenes_o + scenes_t)


def test_negative_cosine_matches_mmpretrain():
    from mmpretrain.models.losses import CosineSimilarityLoss
    gen = torch.Generator().manual_seed(2)
    a, b = torch.randn(2, 5, 8, generator=gen)
    torch.testing.assert_close(negative_cosine(a, b), CosineSimilarityLoss()(a, b))
