"""One FLOP counter for all tools: the ops mmengine misses, counted by hand."""
import torch
import torch.nn.functional as F
from mmengine.analysis import get_model_complexity_info

from projects.common.flops import count_flops, register_extra_flop_handles


class Ops(torch.nn.Module):
    def forward(self, x):
        grid = x.new_zeros(2, 5, 6, 2)
        sampled = F.grid_sample(x, grid, align_corners=False)  # (2, 3, 5, 6)
        a = x.new_ones(4, 7, 8)
        b = x.new_ones(4, 8, 9)
        return sampled, torch.baddbmm(x.new_zeros(4, 7, 9), a, b)


def test_grid_sample_and_baddbmm_counted():
    assert count_flops(Ops(), torch.ones(2, 3, 4, 4)) == 4 * 2 * 3 * 5 * 6 + 4 * 7 * 8 * 9


def test_every_counter_sees_the_extra_handles():
    class Attention(torch.nn.Module):
        def forward(self, q):
            return F.scaled_dot_product_attention(q, q.new_ones(2, 3, 7, 8),
                                                  q.new_ones(2, 3, 7, 4))

    register_extra_flop_handles()
    info = get_model_complexity_info(Attention(), inputs=(torch.ones(2, 3, 5, 8), ),
                                     show_table=False, show_arch=False)
    assert info['flops'] == 2 * 3 * 5 * 7 * (8 + 4)
    assert count_flops(Attention(), torch.ones(2, 3, 5, 8)) == info['flops']
