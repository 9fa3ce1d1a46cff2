"""GatherLayer across two CPU processes (gloo): negatives from every rank, and a local
gradient equal to world_size x the single-process global-batch gradient (so a DDP step,
which averages gradients over ranks, is a step on the global-batch loss)."""
import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def _loss(video, text):
    from projects.mac import MACContrastiveLoss
    return sum(MACContrastiveLoss(0.05)(text @ video.t()).values())


def _data():
    gen = torch.Generator().manual_seed(0)
    video = torch.nn.functional.normalize(torch.randn(4, 8, generator=gen), dim=1)
    text = torch.nn.functional.normalize(torch.randn(4, 8, generator=gen), dim=1)
    return video, text


def _worker(rank, world, init_file, out):
    import projects  # noqa: F401
    from projects.mac import gather_with_grad
    dist.init_process_group('gloo', init_method=f'file://{init_file}',
                            rank=rank, world_size=world)
    video, text = _data()
    local = slice(2 * rank, 2 * rank + 2)
    v = video[local].clone().requires_grad_()
    t = text[local].clone().requires_grad_()
    gv, gt = gather_with_grad(v), gather_with_grad(t)
    loss = _loss(gv, gt)
    loss.backward()
    torch.save(dict(loss=loss.detach(), gv=gv.detach(), v_grad=v.grad,
                    t_grad=t.grad), os.path.join(out, f'rank{rank}.pt'))
    dist.destroy_process_group()


@pytest.mark.slow
def test_gather_layer_two_processes(tmp_path):
    # fork: the children reuse the parent's imports (spawn would re-import the stack)
    mp.start_processes(_worker, args=(2, str(tmp_path / 'init'), str(tmp_path)),
                       nprocs=2, join=True, start_method='fork')
    video, text = _data()
    v = video.clone().requires_grad_()
    t = text.clone().requires_grad_()
    ref = _loss(v, t)
    ref.backward()
    for rank in range(2):
        got = torch.load(tmp_path / f'rank{rank}.pt', weights_only=True)
        local = slice(2 * rank, 2 * rank + 2)
        torch.testing.assert_close(got['gv'], video)
        torch.testing.assert_close(got['loss'], ref.detach())
        torch.testing.assert_close(got['v_grad'], 2 * v.grad[local])
        torch.testing.assert_close(got['t_grad'], 2 * t.grad[local])
