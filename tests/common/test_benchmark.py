"""The benchmark harness on a trivial arm (a 2-parameter regression built from a config)."""
import json
import statistics

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.dataset import pseudo_collate  # noqa: F401  (collate used by the config)
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel
from mmengine.registry import DATASETS, METRICS, MODELS

from projects.common import benchmark as hb

CONFIG = """
default_scope = 'mmengine'
model = dict(type='HarnessToyRegressor', scale=1.0)
train_dataloader = dict(dataset=dict(type='HarnessToyData', num=32), batch_size=8,
                        sampler=dict(type='DefaultSampler', shuffle=True),
                        collate_fn=dict(type='default_collate'))
val_dataloader = dict(dataset=dict(type='HarnessToyData', num=16), batch_size=8,
                      sampler=dict(type='DefaultSampler', shuffle=False),
                      collate_fn=dict(type='default_collate'))
val_evaluator = dict(type='HarnessToyMSE')
train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=1)
val_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1))
"""


@MODELS.register_module(force=True)
class HarnessToyRegressor(BaseModel):
    def __init__(self, scale=1.0):
        super().__init__()
        self.w = nn.Linear(1, 1)
        self.scale = scale

    def forward(self, x, y, mode='tensor'):
        pred = self.w(x)
        if mode == 'loss':
            return dict(loss=((pred - y) ** 2).mean())
        return [dict(err=((p - t) ** 2).item()) for p, t in zip(pred, y)]


@DATASETS.register_module(force=True)
class HarnessToyData(torch.utils.data.Dataset):
    def __init__(self, num):
        g = torch.Generator().manual_seed(0)
        self.x = torch.rand(num, 1, generator=g)
        self.y = 3 * self.x + 1

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return dict(x=self.x[i], y=self.y[i])


@METRICS.register_module(force=True)
class HarnessToyMSE(BaseMetric):
    def process(self, data_batch, data_samples):
        self.results += [s['err'] for s in data_samples]

    def compute_metrics(self, results):
        return dict(mse=float(np.mean(results)))


@pytest.fixture
def toy_config(tmp_path):
    path = tmp_path / 'toy.py'
    path.write_text(CONFIG)
    return str(path)


def test_train_arms_over_seeds_and_report(toy_config, tmp_path):
    arms = [hb.Arm('lr0.1', toy_config, label='SGD 0.1'),
            hb.Arm('lr0.01', toy_config, options={'optim_wrapper.optimizer.lr': 0.01})]
    results = hb.run_grid(arms, [0, 1, 2],
                          lambda arm, seed: hb.train_arm(arm, str(tmp_path / 'w'), seed,
                                                         epochs=3))
    assert set(results) == {'lr0.1', 'lr0.01'} and all(len(r) == 3 for r in results.values())
    run = results['lr0.1'][0]
    assert [i for i, _ in run['curve']] == list(range(1, 13))  # 3 epochs x 4 iters
    assert run['curve'][-1][1] < run['curve'][0][1]
    assert run['checkpoint'].endswith('epoch_3.pth')
    # the option reached the optimiser: the slower arm ends with a larger error
    slow = statistics.mean(r['metrics']['mse'] for r in results['lr0.01'])
    fast = statistics.mean(r['metrics']['mse'] for r in results['lr0.1'])
    assert slow > fast
    # different seeds shuffle differently
    assert results['lr0.1'][0]['curve'] != results['lr0.1'][1]['curve']

    report = hb.Report('toy', 'Toy regression', command='python toy.py --seeds 0 1 2')
    rows = [[a.label, hb.mean_std([r['metrics']['mse'] for r in results[a.name]], 3)]
            for a in arms]
    report.add_table('MSE (mean ± std, n=3)', ['arm', 'mse'], rows)
    report.add_bars('mse', {a.label: [r['metrics']['mse'] for r in results[a.name]]
                            for a in arms})
    for a in arms:
        report.add_curves(a.label, [r['curve'] for r in results[a.name]])
    paths = report.write(str(tmp_path / 'out'))
    md = open(paths['md']).read()
    assert 'python toy.py --seeds 0 1 2' in md and '| SGD 0.1 |' in md
    data = json.load(open(paths['json']))
    assert len(data['curves']['SGD 0.1']) == 3
    assert open(paths['png'], 'rb').read(4) == b'\x89PNG'


def test_summarize_uses_sample_std():
    values = [1.0, 2.0, 4.0]
    s = hb.summarize(values)
    assert s == dict(mean=statistics.mean(values), std=statistics.stdev(values), n=3)
    assert s['std'] != pytest.approx(float(np.std(values)))  # not the population std
    assert hb.mean_std([0.1, 0.2, 0.4], digits=2, scale=100) == '23.33 ± 15.28'
    assert hb.summarize([5.0]) == dict(mean=5.0, std=0.0, n=1)
    with pytest.raises(ValueError):
        hb.summarize([])


def test_interleaved_timing_and_ratio_to_peer():
    calls = []
    ticks = iter(range(1000))
    cost = {'peer': 2, 'fast': 1}

    def clock():
        return next(ticks)

    def make(name):
        def fn():
            calls.append(name)
            for _ in range(cost[name] - 1):
                next(ticks)
        return fn

    times = hb.interleaved_timing({'peer': make('peer'), 'fast': make('fast')},
                                  repeats=3, warmup=1, clock=clock)
    assert calls == ['peer', 'fast'] * 4  # one call of each per round, warm-up included
    assert times == {'peer': [2, 2, 2], 'fast': [1, 1, 1]}
    rows = hb.speed_rows(times, peer='peer', labels={'fast': 'ours'})
    assert rows == [['peer', '2000.0', '1.000'], ['ours', '1000.0', '0.500']]
    with pytest.raises(KeyError, match='nope'):
        hb.speed_rows(times, peer='nope')


def test_exact_command(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    cmd = hb.exact_command([str(tmp_path / 'tools' / 'x.py'), '--work-dir', 'a b'])
    assert cmd == "python tools/x.py --work-dir 'a b'"


def test_shared_parser_and_publish(tmp_path, capsys):
    args = hb.benchmark_parser('Toy benchmark.\n\nmore', 'toy_benchmark').parse_args([])
    assert args.work_dir == 'work_dirs/toy_benchmark' and args.seeds == [0, 1, 2]
    rep = hb.Report('toy', 'Toy', command='python toy.py').publish(str(tmp_path))
    assert 'python toy.py' in capsys.readouterr().out
    assert (tmp_path / 'toy.md').read_text() == rep.markdown()


def test_run_store_keeps_each_run_and_refuses_other_settings(tmp_path):
    arms = [hb.Arm('a', 'unused.py'), hb.Arm('b', 'unused.py')]
    calls = []

    def run(arm, seed):
        calls.append((arm.name, seed))
        return dict(metrics={'m': 10.0 * seed + (arm.name == 'b')}, curve=[(1, 2.0)])

    store = hb.RunStore(str(tmp_path), dict(epochs=3, size=(4, 4)))
    first = hb.run_grid(arms, [0, 1], run, store=store)
    assert calls == [('a', 0), ('b', 0), ('a', 1), ('b', 1)]
    record = json.loads((tmp_path / 'runs' / 'b_seed1.json').read_text())
    assert record['arm'] == 'b' and record['seed'] == 1
    assert record['settings'] == {'epochs': 3, 'size': [4, 4]}
    assert record['result']['metrics'] == {'m': 11.0}
    assert record['result']['wall_s'] >= 0 and record['result']['cpu_s'] >= 0
    # a second call (one more seed) trains only the missing runs and returns what it kept
    again = hb.run_grid(arms, [0, 1, 2], run, store=hb.RunStore(
        str(tmp_path), dict(epochs=3, size=(4, 4))))
    assert calls[4:] == [('a', 2), ('b', 2)]
    assert again['a'][:2] == first['a'] and again['b'][2]['metrics'] == {'m': 21.0}
    assert not list((tmp_path / 'runs').glob('*.tmp'))
    with pytest.raises(SystemExit, match=r'a_seed0.json was measured with settings'):
        hb.run_grid(arms, [0], run, store=hb.RunStore(str(tmp_path), dict(epochs=4)))


def test_merge_runs_joins_split_work_dirs_and_refuses_mismatches(tmp_path):
    def keep(folder, arm, seed, value, settings=None):
        hb.RunStore(str(tmp_path / folder), settings or dict(epochs=5)).put(
            arm, seed, dict(metrics={'m': value}))

    keep('s0', 'a', 0, 1.0)
    keep('s0', 'b', 0, 2.0)
    keep('s1', 'b', 1, 4.0)
    keep('s1', 'a', 1, 3.0)
    results, seeds, settings = hb.merge_runs([str(tmp_path / 's1'), str(tmp_path / 's0')],
                                             ['b', 'a'])
    assert list(results) == ['b', 'a'] and seeds == [0, 1] and settings == {'epochs': 5}
    assert [r['metrics']['m'] for r in results['a']] == [1.0, 3.0]
    # run_or_merge: --merge sets the seeds and the named settings from the kept runs
    args = hb.benchmark_parser('doc', 'x').parse_args(
        ['--merge', str(tmp_path / 's0'), str(tmp_path / 's1'), '--seeds', '7'])
    args.epochs = None
    merged = hb.run_or_merge(args, [hb.Arm('a', 'c.py')], run=None, keys=('epochs', ))
    assert list(merged) == ['a'] and args.seeds == [0, 1] and args.epochs == 5
    with pytest.raises(SystemExit, match='kept twice'):
        hb.merge_runs([str(tmp_path / 's0'), str(tmp_path / 's0')])
    keep('s2', 'a', 2, 5.0)
    with pytest.raises(SystemExit, match='do not have the same seeds'):
        hb.merge_runs([str(tmp_path / 's0'), str(tmp_path / 's2')])
    keep('s3', 'a', 3, 5.0, dict(epochs=6))
    with pytest.raises(SystemExit, match='merge runs of one setting only'):
        hb.merge_runs([str(tmp_path / 's0'), str(tmp_path / 's3')])
    with pytest.raises(SystemExit, match='holds no finished runs'):
        hb.merge_runs([str(tmp_path / 'missing')])
    (tmp_path / 's4' / 'runs').mkdir(parents=True)
    (tmp_path / 's4' / 'runs' / 'x.json').write_text('{"metrics": {}}')
    with pytest.raises(SystemExit, match='not a benchmark run record'):
        hb.merge_runs([str(tmp_path / 's4')])


def test_grid_cost_sums_the_runs():
    results = {'a': [dict(wall_s=60.0, cpu_s=30.0), dict(wall_s=120.0, cpu_s=30.0)],
               'b': [dict(wall_s=0.0, cpu_s=0.0)]}
    assert hb.grid_cost(results) == dict(wall_s=180.0, cpu_s=60.0, runs=3)
    assert hb.cost_text(results) == ('3 arm-seed runs, 3.0 min wall and 1.0 CPU-min in all '
                                     '(summed over the runs).')


def test_merge_is_refused_outside_the_kept_mode():
    parser = hb.benchmark_parser('doc', 'x')
    parser.add_argument('mode', choices=['quality', 'speed'])
    args = parser.parse_args(['quality', '--merge', 'a'])
    assert hb.refuse_merge_outside(parser, args) is args
    assert hb.refuse_merge_outside(parser, parser.parse_args(['speed'])).mode == 'speed'
    with pytest.raises(SystemExit):
        hb.refuse_merge_outside(parser, parser.parse_args(['speed', '--merge', 'a']))
