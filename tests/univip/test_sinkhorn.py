import numpy as np
import ot
import pytest
import torch

from projects.univip.sinkhorn import SinkhornOT, log_sinkhorn, normalise_marginals


def _random_problem(seed, batch=5, k=4):
    gen = torch.Generator().manual_seed(seed)
    cost = torch.rand(batch, k, k, generator=gen, dtype=torch.float64) * 2
    row = normalise_marginals(torch.rand(batch, k, generator=gen, dtype=torch.float64))
    col = normalise_marginals(torch.rand(batch, k, generator=gen, dtype=torch.float64))
    return cost, row, col


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_matches_pot_on_random_problems(seed):
    cost, row, col = _random_problem(seed)
    plan = log_sinkhorn(cost, row, col, eps=0.1, num_iters=1000)
    for i in range(cost.shape[0]):
        ref = ot.sinkhorn(row[i].numpy(), col[i].numpy(), cost[i].numpy(), 0.1,
                          numItermax=1000, stopThr=1e-12)
        np.testing.assert_allclose(plan[i].numpy(), ref, atol=1e-8)


def test_plan_meets_both_marginals():
    cost, row, col = _random_problem(3)
    plan = log_sinkhorn(cost.float(), row.float(), col.float(), num_iters=300)
    assert (plan >= 0).all()
    torch.testing.assert_close(plan.sum(-1), row.float(), atol=1e-4, rtol=0)
    torch.testing.assert_close(plan.sum(-2), col.float(), atol=1e-4, rtol=0)
    # OTA's 50 iterations: rows exact (updated last), columns within 1e-2 on costs in [0, 2]
    plan = log_sinkhorn(cost.float(), row.float(), col.float())
    torch.testing.assert_close(plan.sum(-1), row.float(), atol=1e-5, rtol=0)
    torch.testing.assert_close(plan.sum(-2), col.float(), atol=1e-2, rtol=0)


def test_identity_costs_with_small_eps_give_diagonal_plan():
    k = 4
    cost = (1 - torch.eye(k)).expand(2, k, k)
    plan = SinkhornOT(eps=0.01)(cost, torch.ones(2, k), torch.ones(2, k))
    torch.testing.assert_close(plan, torch.eye(k).expand(2, k, k) / k, atol=1e-6, rtol=0)
    # the exact (eps -> 0) transport agrees
    np.testing.assert_allclose(ot.emd(np.full(k, 1 / k), np.full(k, 1 / k),
                                      cost[0].double().numpy()), plan[0].numpy(), atol=1e-6)


def test_small_case_by_hand():
    # 2x2, uniform marginals, costs [[0, 1], [1, 0]]: the plan is
    # [[x, 1/2 - x], [1/2 - x, x]] with x / (1/2 - x) = exp(1 / eps) (detailed balance)
    eps = 0.5
    cost = torch.tensor([[[0., 1.], [1., 0.]]], dtype=torch.float64)
    plan = log_sinkhorn(cost, torch.full((1, 2), .5, dtype=torch.float64),
                        torch.full((1, 2), .5, dtype=torch.float64), eps, 200)
    ratio = np.exp(1 / eps)
    x = 0.5 * ratio / (1 + ratio)
    torch.testing.assert_close(plan[0], torch.tensor([[x, .5 - x], [.5 - x, x]],
                                                     dtype=torch.float64))


def test_unbalanced_raw_weights_are_normalised():
    cost, _, _ = _random_problem(4, batch=1)
    row = torch.tensor([[1., 2., 3., 4.]], dtype=torch.float64)
    col = torch.tensor([[.1, .1, .1, .1]], dtype=torch.float64)
    plan = SinkhornOT(num_iters=500)(cost, row, col)
    torch.testing.assert_close(plan.sum(-1), row / 10)
    torch.testing.assert_close(plan.sum(-2), torch.full_like(col, .25))
    plan_k = SinkhornOT(num_iters=500, mass='K')(cost, row, col)
    torch.testing.assert_close(plan_k, plan * 4, atol=1e-6, rtol=1e-5)


def test_all_zero_weights_fall_back_to_uniform():
    cost, _, _ = _random_problem(5, batch=2)
    plan = SinkhornOT()(cost.float(), torch.zeros(2, 4), torch.zeros(2, 4))
    assert torch.isfinite(plan).all()
    torch.testing.assert_close(plan.sum(-1), torch.full((2, 4), .25), atol=1e-4, rtol=0)
    weights = normalise_marginals(torch.tensor([[0., 0., 1., 0.]]))
    assert (weights > 0).all() and torch.isclose(weights.sum(), torch.tensor(1.))


@pytest.mark.parametrize('kwargs', [dict(eps=0), dict(num_iters=0), dict(mass='total')])
def test_bad_options_raise(kwargs):
    with pytest.raises(ValueError):
        SinkhornOT(**kwargs)
