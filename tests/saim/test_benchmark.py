"""tools/analysis_tools/saim_benchmark.py: arms, probe splits and the speed report."""
from mmengine.config import Config

from tests.utils import load_tool


def test_arms_are_the_tiny_twins_with_one_change_each():
    tool = load_tool('analysis_tools/saim_benchmark')
    arms = tool.ARMS
    assert arms['saim'].config == arms['random'].config == tool.TINY
    assert arms['saim'].options == {} and arms['random'].options == {}
    assert arms['raster'].config == tool.TINY_RASTER and not arms['raster'].options
    assert arms['saim-noblur'].options == {'model.head.blur_kernel_size': None}
    assert arms['mae'].options == {'model.backbone.num_parts': 1}
    saim, raster, mae = (Config.fromfile(p) for p in (tool.TINY, tool.TINY_RASTER,
                                                      tool.TINY_MAE))
    assert raster.model.backbone.generation_order == 'raster'
    saim.model.backbone.generation_order = 'raster'
    assert saim.model == raster.model  # the order is the only difference
    assert mae.model.backbone.arch == saim.model.backbone.arch  # same encoder
    assert mae.train_dataloader.dataset.data_root == \
        saim.train_dataloader.dataset.data_root


def test_probe_uses_train_split_as_bank_and_val_as_queries():
    tool = load_tool('analysis_tools/saim_benchmark')
    bank, test = tool.probe_loaders(Config.fromfile(tool.TINY))
    assert bank['dataset']['ann_file'] == 'meta/train.txt'
    assert bank['dataset']['data_prefix'] == dict(img_path='train/')
    assert test['dataset']['ann_file'] == 'meta/val.txt'
    assert bank['dataset']['pipeline'] == test['dataset']['pipeline']
    assert not bank['sampler']['shuffle']


def test_speed_report_ratios():
    tool = load_tool('analysis_tools/saim_benchmark')
    args = tool.parse_args(['speed', '--repeats', '2'])
    times = {'MAE': [1.0, 1.0], 'SAIM': [6.0, 6.0], 'ViT-B full pass': [3.0, 3.0]}
    flops = {'MAE': 10e9, 'SAIM': 40e9, 'ViT-B full pass': 20e9}
    text = tool.speed_report(times, flops, args).markdown()
    assert '| SAIM | 6000.0 | 6.000 | 40.0 | 4.000 |' in text
    assert 'SAIM step / ViT-B full-pass step = 2.000 against a FLOP ratio of ' \
        '2.000 (gap 1.000)' in text


def test_quality_merge_reports_runs_kept_by_separate_seed_processes(tmp_path):
    from projects.common import benchmark as hb
    tool = load_tool('analysis_tools/saim_benchmark')
    keys = ('cls_knn_top1', 'cls_linear_top1', 'gap_knn_top1', 'gap_linear_top1')
    for seed, top1 in ((0, 20.0), (1, 26.0)):
        hb.RunStore(str(tmp_path / f's{seed}'), dict(epochs=7)).put('saim', seed, dict(
            metrics=dict({k: top1 for k in keys}, **{'reconstruction/mse': 0.5}),
            curve=[[1, 1.0]], train_s=30.0))
    rep = tool.main(['quality', '--merge', str(tmp_path / 's0'), str(tmp_path / 's1'),
                     '--work-dir', str(tmp_path / 'out')])
    # (20, 26): mean 23, sample std 3 sqrt(2) = 4.24
    assert ('| SAIM (random order) | 7 | 30 | 23.0 ± 4.2 | 23.0 ± 4.2 | 23.0 ± 4.2 '
            '| 23.0 ± 4.2 | 0.500 ± 0.000 |') in rep.markdown()
    assert 'n=2 seeds [0, 1]' in rep.markdown()
