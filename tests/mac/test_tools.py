"""The MAC benchmark tool: its report, schedule, equal-wall-clock budget and --merge."""
import json

from tests.utils import load_tool


def _result(r1, train_s, epochs):
    return dict(metrics={'retrieval/R1': r1, 'retrieval/R5': 50.0,
                         'retrieval/MdR': 3.0, 'retrieval/v2t_R1': 20.0},
                curve=[(1, 2.0), (2, 1.0)], train_s=train_s, epochs=epochs)


def test_benchmark_report_table():
    bench = load_tool('analysis_tools/mac_benchmark')
    args = bench.parse_args(['--seeds', '0', '1', '--epochs', '3'])
    times = {'unmasked': [1.0, 1.0], 'mac_0.6': [0.5, 0.5],
             'mac_0.75': [0.25, 0.25]}
    results = {}
    for i, arm in enumerate(bench.ARMS):
        results[arm.name] = [_result(10.0 * (i + 1) + s, 100.0 / (i + 1), 3)
                             for s in (0, 1)]
    results['mac_0.75_wallclock'] = [_result(40.0 + s, 100.0, 12)
                                     for s in (0, 1)]
    text = bench.report(results, args, times).markdown()
    assert 'n=2 seeds [0, 1]; 3 epochs' in text
    assert '10.5 ± 0.7' in text and '30.5 ± 0.7' in text
    assert '| 0.333 |' in text  # 0.75 arm: a third of the unmasked time
    # step-time table, and the wall-clock arm's budget: 0.25 x 12 / 3 epochs = 1.00
    assert '| MAC rho_v 0.75, rho_t 0.3 | 250.0 | 0.250 |' in text
    assert ('| MAC rho_v 0.75, rho_t 0.3, equal wall clock | 12 | 1.00 | 40.5 ± 0.7'
            in text)
    assert bench.schedule(12) == {'param_scheduler.1.end': 12,
                                  'param_scheduler.1.T_max': 11}


def test_wall_clock_epochs():
    bench = load_tool('analysis_tools/mac_benchmark')
    ratios = {'unmasked': 1.0, 'mac_0.6': 0.4, 'mac_0.75': 1.2}
    # 20 / 0.4 = 50 epochs; a ratio above 1 (noise) never gives fewer than equal steps
    assert bench.wall_clock_epochs(20, ratios) == {'mac_0.6_wallclock': 50,
                                                   'mac_0.75_wallclock': 20}


def test_merge_reports_kept_runs_with_the_step_times_of_the_first_work_dir(tmp_path):
    from projects.common import benchmark as hb
    bench = load_tool('analysis_tools/mac_benchmark')
    times = {'unmasked': [1.0, 1.0], 'mac_0.6': [0.5, 0.5], 'mac_0.75': [0.25, 0.25]}
    dirs = [tmp_path / 'a', tmp_path / 'b']
    for seed, folder in enumerate(dirs):
        store = hb.RunStore(str(folder), dict(epochs=3))
        for i, arm in enumerate(bench.ARMS):
            store.put(arm.name, seed, _result(10.0 * (i + 1) + seed, 100.0 / (i + 1), 3))
        store.put('mac_0.75_wallclock', seed, _result(40.0 + seed, 100.0, 12))
    (dirs[0] / 'step_seconds.json').write_text(json.dumps(times))
    rep = bench.main(['--merge', *map(str, dirs), '--work-dir', str(tmp_path / 'out')])
    text = rep.markdown()
    assert 'n=2 seeds [0, 1]; 3 epochs' in text
    assert '| unmasked (rho_v 0, rho_t 0) | 3 | 1.00 | 10.5 ± 0.7 |' in text
    assert ('| MAC rho_v 0.75, rho_t 0.3, equal wall clock | 12 | 1.00 | 40.5 ± 0.7'
            in text)
    assert rep.data['step_seconds'] == times  # read, not measured again


def test_speed_tool_counts_the_joint_attention():
    """mac_speed.py --mask-strategy joint: multiply-adds of the tiny twin's encoder by hand
    (64-d, 2 blocks, 4 frames x 16 patches + CLS = 65 tokens, MLP 256)."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    speed = load_tool('analysis_tools/mac_speed')
    cfg = Config.fromfile('configs/mac/tiny/mac_vit-base-p16-res224-webvid2m-cc3m-pre_'
                          '4xb16-u4-100e_msrvtt-9k-rgb.py')
    init_default_scope('mmaction')
    d, tokens, blocks = 64, 65, 2
    patchify = 64 * (3 * 8 * 8) * d
    attn_linear, mlp = 4 * d * d, 2 * d * 4 * d
    # joint: qkv + proj + MLP per token, one 65 x 65 attention (QK^T and AV)
    joint = patchify + blocks * (tokens * (attn_linear + mlp) + 2 * tokens * tokens * d)
    # divided: plus the time attention's projections; CLS over all tokens in both
    # attentions, 4 frame groups of 16 (+CLS keys) and 16 slot groups of 4 (+CLS keys)
    groups = 2 * (2 * tokens * d) + 2 * d * (4 * 16 * 17 + 16 * 4 * 5)
    divided = patchify + blocks * (tokens * (2 * attn_linear + mlp) + groups)
    assert speed.encoder_macs(cfg, 0.0, 4, 'joint') == joint
    assert speed.encoder_macs(cfg, 0.0, 4) == divided
    assert speed.parse_args(['--mask-strategy', 'joint']).mask_strategy == 'joint'
