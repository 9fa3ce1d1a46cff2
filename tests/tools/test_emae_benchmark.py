"""tools/analysis_tools/emae_benchmark.py: arms, probe splits and the speed report."""
from mmengine.config import Config

from tests.utils import load_tool


def test_arms_differ_from_the_tiny_twin_only_by_k_and_lambda():
    tool = load_tool('analysis_tools/emae_benchmark')
    assert {a.config for a in tool.ARMS.values()} == {tool.TINY}
    assert tool.ARMS['mae'].options == {'model.backbone.num_parts': 1}
    assert tool.ARMS['emae'].options == {}
    assert tool.ARMS['emae-l0'].options == {'model.head.consistency_weight': 0.0}


def test_probe_uses_train_split_as_bank_and_val_as_queries():
    tool = load_tool('analysis_tools/emae_benchmark')
    bank, test = tool.probe_loaders(Config.fromfile(tool.TINY))
    assert bank['dataset']['ann_file'] == 'meta/train.txt'
    assert bank['dataset']['data_prefix'] == dict(img_path='train/')
    assert test['dataset']['ann_file'] == 'meta/val.txt'
    assert bank['dataset']['pipeline'] == test['dataset']['pipeline']
    assert not bank['sampler']['shuffle']


def test_speed_report_ratios(tmp_path):
    tool = load_tool('analysis_tools/emae_benchmark')
    args = tool.parse_args(['speed', '--repeats', '2'])
    times = {'MAE': [1.0, 1.0], 'EMAE (K=4)': [2.8, 2.8], 'MAE on 4x the images': [2.8] * 2}
    text = tool.speed_report(times, args).markdown()
    assert '| EMAE (K=4) | 2800.0 | 2.800 |' in text
    assert 'EMAE step / (K x MAE step) = 0.700' in text
    assert 'EMAE / MAE on K x the images = 1.000' in text


def test_quality_merge_reports_runs_kept_by_separate_seed_processes(tmp_path):
    from projects.common import benchmark as hb
    tool = load_tool('analysis_tools/emae_benchmark')
    for seed, knn in ((0, 30.0), (2, 36.0)):
        hb.RunStore(str(tmp_path / f's{seed}'), dict(epochs=5)).put('emae', seed, dict(
            metrics={'knn_top1': knn, 'linear_top1': 40.0, 'reconstruction/mse': 0.25,
                     'reconstruction/inconsistency': 0.01},
            curve=[[1, 1.0]], train_s=20.0))
    rep = tool.main(['quality', '--merge', str(tmp_path / 's0'), str(tmp_path / 's2'),
                     '--work-dir', str(tmp_path / 'out')])
    # (30, 36): mean 33, sample std 3 sqrt(2) = 4.24
    assert ('| EMAE (K=4, λ=1) | 5 | 20 | 33.0 ± 4.2 | 40.0 ± 0.0 | 0.250 ± 0.000 '
            '| 0.0100 ± 0.0000 |') in rep.markdown()
    assert 'n=2 seeds [0, 2]' in rep.markdown()
