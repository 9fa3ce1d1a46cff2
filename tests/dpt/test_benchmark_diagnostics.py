"""DePatch box diagnostics of tools/analysis_tools/dpt_benchmark.py, checked by hand."""
import math

import pytest
import torch

from projects.dpt import DeformablePatchTransformer
from tests.utils import load_tool

TINY_ARCH = dict(embed_dims=[8, 16, 16, 16], depths=[1, 1, 1, 1], num_heads=[1, 1, 1, 1],
                 mlp_ratios=[2, 2, 2, 2], sr_ratios=[8, 4, 2, 1])


def tiny_backbone(**kwargs):
    torch.manual_seed(0)
    return DeformablePatchTransformer(arch=TINY_ARCH, pretrain_img_size=64,
                                      drop_path_rate=0., **kwargs).eval()


def test_boxes_at_init_are_half_a_patch_stride_per_stage():
    tool = load_tool('analysis_tools/dpt_benchmark')
    stats = tool.depatch_box_stats(tiny_backbone(), torch.randn(2, 3, 64, 64))
    # stages 2-4 cut patches of 8, 16 and 32 image pixels; a zero prediction gives
    # boxes of half that stride, centred on the patch (never clamped)
    assert sorted(stats) == sorted(f'depatch{s}/{k}' for s in (2, 3, 4)
                                   for k in ('box_w', 'box_h', 'box_init', 'offset'))
    for stage, stride in ((2, 8), (3, 16), (4, 32)):
        for key in ('box_w', 'box_h', 'box_init'):
            assert stats[f'depatch{stage}/{key}'] == pytest.approx(stride / 2)
        assert stats[f'depatch{stage}/offset'] == 0


def test_width_height_offset_and_border_clamping_by_hand():
    tool = load_tool('analysis_tools/dpt_benchmark')
    backbone = tiny_backbone(depatch_stages=(False, True, False, False))
    depatch = backbone.patch_embeds[1]  # an 8x8 grid of 8-px patches on 64x64 images
    images = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        depatch.wh_bias[0] = math.atanh(0.5)  # half width 0.5 patch: box = one stride
    stats = tool.depatch_box_stats(backbone, images)
    assert sorted(stats) == ['depatch2/box_h', 'depatch2/box_init', 'depatch2/box_w',
                             'depatch2/offset']
    assert stats['depatch2/box_w'] == pytest.approx(8)
    assert stats['depatch2/box_h'] == pytest.approx(4)
    assert stats['depatch2/box_init'] == pytest.approx(4)

    with torch.no_grad():
        depatch.wh_bias.fill_(depatch.wh_bias_init)
    codes = torch.tensor([math.atanh(0.3), -math.atanh(0.1), 0., 0.]).expand(1, 64, 4)
    depatch.predict_codes = lambda x: (codes, (8, 8))
    stats = tool.depatch_box_stats(backbone, images)
    assert stats['depatch2/offset'] == pytest.approx(0.2)
    # every centre moves 0.3 patch right and 0.1 up: the last column's boxes (centre
    # 7.8 patches, half width 0.25) are clamped at the border to 0.45 patch = 3.6 px;
    # the first row's (centre 0.4 patch, half height 0.25) stay inside
    assert stats['depatch2/box_w'] == pytest.approx((7 * 4 + 3.6) / 8)
    assert stats['depatch2/box_h'] == pytest.approx(4)


def test_shorter_schedule_stretches_the_cosine_and_leaves_the_default_unchanged(tmp_path):
    from projects.common import benchmark as hb
    tool = load_tool('analysis_tools/dpt_benchmark')
    dpt = tool.ARMS[1]
    twin = hb.load_config(dpt, str(tmp_path), 0)
    default = hb.load_config(dpt, str(tmp_path), 0, 40, extra=tool.schedule(40))
    assert default.param_scheduler == twin.param_scheduler
    assert default.custom_hooks == twin.custom_hooks
    short = hb.load_config(dpt, str(tmp_path), 0, 20, extra=tool.schedule(20))
    warmup, cosine = short.param_scheduler
    assert warmup == twin.param_scheduler[0]
    assert (cosine.type, cosine.begin, cosine.end) == ('CosineAnnealingLR', 3, 20)
    assert short.custom_hooks[0].type == 'DropPathWarmupHook'
    assert short.custom_hooks[0].warmup_epochs == 10 and short.train_cfg.max_epochs == 20
    two = hb.load_config(dpt, str(tmp_path), 0, 2, extra=tool.schedule(2))
    assert [(s.begin, s.end) for s in two.param_scheduler] == [(0, 1), (1, 2)]
    with pytest.raises(SystemExit, match='--epochs 1'):
        tool.main(['--epochs', '1', '--skip-efficiency'])


@pytest.mark.slow
def test_accuracy_part_end_to_end_reports_top5_and_boxes(tiny_data, tmp_path):
    tool = load_tool('analysis_tools/dpt_benchmark')
    rep = tool.main(['--skip-efficiency', '--epochs', '2', '--seeds', '0',
                     '--work-dir', str(tmp_path)])
    dpt = rep.data['results']['dpt'][0]['metrics']
    assert {'accuracy/top1', 'accuracy/top5'} <= set(dpt)
    assert {k.split('/')[0] for k in dpt if k.startswith('depatch')} == {
        'depatch2', 'depatch3', 'depatch4'}
    # 64x64 inputs: half of the 8 / 16 / 32 px patch strides at init
    assert [dpt[f'depatch{s}/box_init'] for s in (2, 3, 4)] == pytest.approx([4, 8, 16])
    assert not any(k.startswith('depatch') for k in rep.data['results']['pvt'][0]['metrics'])
    text = (tmp_path / 'dpt_benchmark.md').read_text()
    assert '| backbone | top-1 | top-1 per seed | top-5 |' in text
    assert '| stage | box at init (px) |' in text and '\n| 4 | 16.0 |' in text
