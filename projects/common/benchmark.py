"""Shared harness of the miniature method benchmarks (``tools/analysis_tools/*_benchmark.py``).

A method benchmark names its arms (a tiny config plus config overrides), the seeds and what
to measure; this module builds each arm through mmengine's ``Runner`` from the tiny config,
trains and evaluates it per seed, records the training-loss curve, and reports

- mean and sample standard deviation (n - 1, ``statistics.stdev``) with the seed count,
- step times as interleaved repetitions (every arm once per round, so load drifts hit all
  arms alike), reported as the median and a ratio to a named peer,
- every finished (arm, seed) run kept in ``<work_dir>/runs/`` (:class:`RunStore`), so an
  interrupted grid continues, seeds can run as separate processes, and ``--merge``
  reports the union (:func:`merge_runs`),
- ``<name>.json`` (raw numbers), ``<name>.md`` (tables and the exact command) and
  ``<name>.png`` (metric bars with the seed spread and the training curves).

Public API: :class:`Arm`, :func:`load_config`, :func:`build_runner`, :func:`train_arm`,
:func:`frozen_feature_probe`, :class:`RunStore`, :func:`run_grid`, :func:`merge_runs`,
:func:`run_or_merge`,
:func:`grid_cost`, :func:`cost_text`, :func:`block_means`,
:func:`summarize`, :func:`mean_std`, :func:`curve_tail`, :func:`interleaved_timing`,
:func:`speed_rows`, :func:`markdown_table`, :func:`exact_command`, :func:`benchmark_parser`,
:func:`refuse_merge_outside`,
:class:`Report`, :class:`LossCurveHook`.
"""
import argparse
import json
import os
import os.path as osp
import shlex
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from tqdm import tqdm


@dataclass
class Arm:
    """One benchmark arm: a tiny config and the overrides that make it this arm.

    Args:
        name: Short key (JSON, file names).
        config: Path of the tiny config the arm is built from.
        label: Row label of the tables (defaults to ``name``).
        options: Dotted overrides merged with ``Config.merge_from_dict``
            (``{'model.head.loss.type': 'X'}``), as ``--cfg-options`` does.
        modify: Optional ``f(cfg, seed)`` for changes dotted keys cannot express
            (e.g. replacing a list); it must not restate the tiny config's model.
    """

    name: str
    config: str
    label: Optional[str] = None
    options: Dict = field(default_factory=dict)
    modify: Optional[Callable] = None

    def __post_init__(self):
        self.label = self.label or self.name


class LossCurveHook(Hook):
    """Keeps ``(iteration, loss)`` of every training iteration for the report's curves."""

    priority = 'LOWEST'

    def __init__(self):
        self.curve = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if outputs and 'loss' in outputs:
            self.curve.append((runner.iter + 1, float(outputs['loss'].detach())))


def load_config(arm: Arm, work_dir: str, seed: int, epochs: Optional[int] = None,
                extra: Optional[Dict] = None) -> Config:
    """The arm's tiny config set up for one benchmark run (quiet, seeded, own work dir)."""
    cfg = Config.fromfile(arm.config)
    name = f'{arm.name}_seed{seed}'
    cfg.work_dir = osp.join(work_dir, name)
    cfg.experiment_name = name
    cfg.randomness = dict(seed=seed, deterministic=False)
    cfg.log_level = 'WARNING'
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=50)
    if epochs is not None:
        cfg.train_cfg.max_epochs = epochs
        cfg.train_cfg.val_interval = epochs + 1
        cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=epochs,
                                            max_keep_ckpts=1)
    options = dict(arm.options)
    options.update(extra or {})
    if options:
        cfg.merge_from_dict(options)
    if arm.modify is not None:
        arm.modify(cfg, seed)
    return cfg


def build_runner(arm: Arm, work_dir: str, seed: int, epochs: Optional[int] = None,
                 extra: Optional[Dict] = None) -> Runner:
    """``Runner.from_cfg`` of :func:`load_config` (the model is built, not yet initialised)."""
    return Runner.from_cfg(load_config(arm, work_dir, seed, epochs, extra))


def train_arm(arm: Arm, work_dir: str, seed: int, epochs: Optional[int] = None,
              evaluate: Optional[str] = 'val', extra: Optional[Dict] = None,
              hooks: Sequence[Hook] = (), probe: Optional[Callable] = None) -> dict:
    """Train one arm for one seed and evaluate it.

    ``evaluate`` is ``'val'``, ``'test'`` or ``None``; ``probe(runner) -> dict`` adds
    measurements on the trained model (e.g. :func:`frozen_feature_probe`).
    Returns ``dict(metrics=..., curve=[(iter, loss), ...], train_s=..., checkpoint=...)``.
    """
    runner = build_runner(arm, work_dir, seed, epochs, extra)
    curve = LossCurveHook()
    runner.register_hook(curve)
    for hook in hooks:
        runner.register_hook(hook)
    start = time.perf_counter()
    runner.train()
    seconds = time.perf_counter() - start
    metrics = {}
    if evaluate == 'val':
        metrics = runner.val_loop.run()
    elif evaluate == 'test':
        metrics = runner.test()
    metrics = {k: float(v) for k, v in metrics.items()}
    if probe is not None:
        metrics.update(probe(runner))
    ckpt = osp.join(runner.work_dir, f'epoch_{runner.epoch}.pth')
    return dict(metrics=metrics, curve=curve.curve, train_s=seconds,
                checkpoint=ckpt if osp.exists(ckpt) else None)


def frozen_feature_probe(runner: Runner, bank_dataloader: dict, test_dataloader: dict,
                         pool: str = 'auto', k: int = 20,
                         temperature: float = 0.07) -> dict:
    """k-NN and linear-probe top-1 (%) of the runner's frozen model features.

    The dataloaders are configs (usually the tiny train and val splits with the test
    pipeline); see :mod:`projects.common.ssl.frozen_eval` for the classifiers.
    """
    from projects.common.ssl.frozen_eval import (extract_features, knn_predict,
                                                 linear_probe, topk_accuracy)
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    bank_x, bank_y = extract_features(model, runner.build_dataloader(bank_dataloader),
                                      pool=pool)
    test_x, test_y = extract_features(model, runner.build_dataloader(test_dataloader),
                                      pool=pool)
    num_classes = int(max(bank_y.max(), test_y.max())) + 1
    knn = knn_predict(bank_x, bank_y, test_x, num_classes, k=k, temperature=temperature)
    lin = linear_probe(bank_x, bank_y, test_x, num_classes)
    return dict(knn_top1=topk_accuracy(knn, test_y, (1, ))['top1'],
                linear_top1=topk_accuracy(lin, test_y, (1, ))['top1'])


def _jsonable(obj):
    """``obj`` as it reads back from JSON (tuples become lists), for comparisons."""
    return json.loads(json.dumps(obj))


class RunStore:
    """Finished (arm, seed) runs of one benchmark, one JSON file per run.

    ``<work_dir>/runs/<arm>_seed<seed>.json`` holds ``dict(arm, seed, settings, result)``
    and is written atomically (temporary file, then ``os.replace``) as soon as the run
    ends. A killed benchmark therefore loses only the run in progress, and a later call
    with the same ``settings`` continues with the runs still missing. Processes that split
    the seeds or arms over one work dir never write the same file, and the last call (all
    seeds and arms) finds every run and only reports.

    Args:
        work_dir: The benchmark's ``--work-dir``.
        settings: Everything that makes two runs of one arm and seed comparable (epochs,
            iterations, data subsets). A kept run with other settings is an error naming
            its file, never silently reused or overwritten.
    """

    def __init__(self, work_dir: str, settings: Optional[Dict] = None):
        self.root = osp.join(work_dir, 'runs')
        self.settings = _jsonable(settings or {})

    def path(self, arm: str, seed: int) -> str:
        return osp.join(self.root, f'{arm}_seed{seed}.json')

    def get(self, arm: str, seed: int) -> Optional[dict]:
        """The kept result of ``(arm, seed)``, or None when it has not run yet."""
        path = self.path(arm, seed)
        if not osp.isfile(path):
            return None
        record = read_run(path)
        if record['settings'] != self.settings:
            raise SystemExit(
                f'{path} was measured with settings {record["settings"]}, but this call '
                f'asks for {self.settings}. Runs of different settings are not comparable. '
                'Pass another --work-dir for the new settings, or delete that file (or '
                'its runs/ folder) to measure it again.')
        return record['result']

    def put(self, arm: str, seed: int, result: dict) -> None:
        os.makedirs(self.root, exist_ok=True)
        path = self.path(arm, seed)
        tmp = f'{path}.{os.getpid()}.tmp'
        with open(tmp, 'w') as f:
            json.dump(dict(arm=arm, seed=seed, settings=self.settings, result=result), f)
        os.replace(tmp, path)


def read_run(path: str) -> dict:
    """One :class:`RunStore` record, checked for its keys."""
    with open(path) as f:
        record = json.load(f)
    missing = {'arm', 'seed', 'settings', 'result'} - set(record)
    if missing:
        raise SystemExit(f'{path} is not a benchmark run record (keys {sorted(missing)} '
                         'are missing); it was not written by RunStore. Remove it.')
    return record


def merge_runs(work_dirs: Sequence[str], arms: Optional[Sequence[str]] = None
               ) -> tuple:
    """``(results, seeds, settings)`` of every run kept under ``work_dirs`` (their
    ``runs/`` folders), in :func:`run_grid`'s layout; ``arms`` fixes the order (and
    drops other arms).

    The runs must share one ``settings``, no (arm, seed) may be kept twice, and every arm
    must have the same seeds (returned sorted); otherwise it exits with what differs.
    """
    by_arm, settings, where = {}, None, None
    for work_dir in work_dirs:
        root = osp.join(work_dir, 'runs')
        names = sorted(n for n in os.listdir(root) if n.endswith('.json')) \
            if osp.isdir(root) else []
        if not names:
            raise SystemExit(f'merge: {root} holds no finished runs; check the work dir '
                             '(runs are kept there as <arm>_seed<seed>.json).')
        for name in names:
            path = osp.join(root, name)
            record = read_run(path)
            if settings is None:
                settings, where = record['settings'], path
            elif record['settings'] != settings:
                raise SystemExit(f'merge: {path} has settings {record["settings"]}, '
                                 f'{where} has {settings}; merge runs of one setting only.')
            if arms is not None and record['arm'] not in arms:
                continue
            runs = by_arm.setdefault(record['arm'], {})
            if record['seed'] in runs:
                raise SystemExit(f"merge: {record['arm']} seed {record['seed']} is kept "
                                 f'twice (again in {path}); pass each work dir once.')
            runs[record['seed']] = record['result']
    if not by_arm:
        raise SystemExit(f'merge: no runs of the arms {list(arms or [])} under '
                         f'{list(work_dirs)}.')
    seeds = {arm: sorted(runs) for arm, runs in by_arm.items()}
    if len({tuple(v) for v in seeds.values()}) > 1:
        raise SystemExit(f'merge: the arms do not have the same seeds: {seeds}; finish '
                         'the missing runs first.')
    order = [a for a in (arms or sorted(by_arm)) if a in by_arm]
    seeds = seeds[order[0]]
    return {a: [by_arm[a][s] for s in seeds] for a in order}, seeds, settings


def run_grid(arms: Sequence[Arm], seeds: Sequence[int], run: Callable,
             desc: str = 'benchmark', store: Optional[RunStore] = None
             ) -> Dict[str, List[dict]]:
    """``{arm.name: [run(arm, seed) for seed in seeds]}`` with one progress bar (seed-major).

    Each result dict gains ``wall_s`` and ``cpu_s`` (this process) of its run. With a
    :class:`RunStore`, runs it keeps are reused and each new run is kept when it ends.
    """
    results = {arm.name: [] for arm in arms}
    with tqdm(total=len(arms) * len(seeds), desc=desc) as bar:
        for seed in seeds:
            for arm in arms:
                result = store.get(arm.name, seed) if store is not None else None
                if result is None:
                    wall, cpu = time.perf_counter(), time.process_time()
                    result = run(arm, seed)
                    if isinstance(result, dict):
                        result.update(wall_s=time.perf_counter() - wall,
                                      cpu_s=time.process_time() - cpu)
                    if store is not None:
                        store.put(arm.name, seed, result)
                        result = _jsonable(result)  # as a reused run would read
                else:
                    bar.set_postfix_str(f'reused {arm.name} seed {seed}')
                results[arm.name].append(result)
                bar.update()
    return results


def run_or_merge(args: argparse.Namespace, arms: Sequence[Arm], run: Callable,
                 keys: Sequence[str] = (), desc: str = 'benchmark') -> Dict[str, List[dict]]:
    """The grid of a :func:`benchmark_parser` command line.

    Without ``--merge``: :func:`run_grid` over ``args.seeds`` with a :class:`RunStore` in
    ``args.work_dir`` whose settings are the arguments named by ``keys`` (e.g.
    ``('epochs', )``), so a repeated or split command reuses finished runs. With
    ``--merge``: the runs kept under those work dirs (:func:`merge_runs`), nothing is
    trained, and ``args.seeds`` and the ``keys`` arguments are set from the kept runs, so
    the report states what was measured.
    """
    if getattr(args, 'merge', None):
        results, args.seeds, settings = merge_runs(args.merge, [a.name for a in arms])
        for key in keys:
            if key not in settings:
                raise SystemExit(f'merge: the kept runs have no setting {key!r} '
                                 f'({settings}); they come from another benchmark.')
            setattr(args, key, settings[key])
        return results
    store = RunStore(args.work_dir, {key: getattr(args, key) for key in keys})
    return run_grid(arms, args.seeds, run, desc, store)


def grid_cost(results: Dict[str, List[dict]]) -> dict:
    """Summed ``wall_s`` / ``cpu_s`` of the runs (``runs`` counts them)."""
    runs = [r for rs in results.values() for r in rs if isinstance(r, dict)]
    return dict(wall_s=sum(r.get('wall_s', 0.0) for r in runs),
                cpu_s=sum(r.get('cpu_s', 0.0) for r in runs), runs=len(runs))


def cost_text(results: Dict[str, List[dict]]) -> str:
    """One sentence with :func:`grid_cost` in minutes."""
    c = grid_cost(results)
    return (f"{c['runs']} arm-seed runs, {c['wall_s'] / 60:.1f} min wall and "
            f"{c['cpu_s'] / 60:.1f} CPU-min in all (summed over the runs).")


def block_means(curve: Sequence[Sequence[float]], size: int,
                offset: int = 0) -> List[tuple]:
    """Mean loss of each run of ``size`` points of ``[(iter, loss), ...]``.

    Returns ``[(last iter of the block + offset, mean), ...]`` (a trailing shorter block
    included): with ``size`` = iterations per epoch, the per-epoch training loss, whose
    flattening is easier to judge than the per-batch noise. ``offset`` shifts the
    iterations (a second stage drawn after the first).
    """
    if size < 1:
        raise ValueError(f'block_means: size must be >= 1, got {size}')
    curve = list(curve)
    return [(curve[min(i + size, len(curve)) - 1][0] + offset,
             statistics.mean(loss for _, loss in curve[i:i + size]))
            for i in range(0, len(curve), size)]


def summarize(values: Sequence[float]) -> dict:
    """Mean, sample standard deviation (n - 1) and the number of seeds."""
    values = [float(v) for v in values]
    if not values:
        raise ValueError('summarize: no values (did every run fail?)')
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return dict(mean=statistics.mean(values), std=std, n=len(values))


def mean_std(values: Sequence[float], digits: int = 1, scale: float = 1.0) -> str:
    """``'mean ± std'`` of ``scale * values`` (sample std)."""
    s = summarize([scale * v for v in values])
    return f"{s['mean']:.{digits}f} ± {s['std']:.{digits}f}"


def curve_tail(curves: Sequence[Sequence], frac: float = 0.1) -> tuple:
    """``(previous, last)``: mean training loss over the last ``frac`` of each curve and
    over the ``frac`` before it, averaged over the curves (seeds).

    A curve that has flattened has the two close; one still falling has ``last`` clearly
    below ``previous``.
    """
    prev, last = [], []
    for curve in curves:
        losses = [float(loss) for _, loss in curve]
        n = max(1, int(len(losses) * frac))
        if len(losses) < 2 * n:
            raise ValueError(f'curve_tail: a curve of {len(losses)} points has no two '
                             f'windows of {n}; train longer or lower frac={frac}')
        prev.append(statistics.mean(losses[-2 * n:-n]))
        last.append(statistics.mean(losses[-n:]))
    return statistics.mean(prev), statistics.mean(last)


def interleaved_timing(fns: Dict[str, Callable], repeats: int, warmup: int = 1,
                       clock: Callable = time.perf_counter,
                       desc: str = 'step time') -> Dict[str, List[float]]:
    """Seconds of each callable per round; every round calls all of them in turn.

    ``warmup`` rounds are run first and discarded. Interleaving makes a change of machine
    load hit every arm in the same round instead of biasing whichever ran last.
    """
    times = {name: [] for name in fns}
    for round_idx in tqdm(range(warmup + repeats), desc=desc):
        for name, fn in fns.items():
            start = clock()
            fn()
            elapsed = clock() - start
            if round_idx >= warmup:
                times[name].append(elapsed)
    return times


def speed_rows(times: Dict[str, List[float]], peer: str,
               labels: Optional[Dict[str, str]] = None) -> List[List[str]]:
    """Table rows ``[label, median ms, ratio to peer]`` of :func:`interleaved_timing` output."""
    if peer not in times:
        raise KeyError(f'speed_rows: peer {peer!r} not among {sorted(times)}')
    medians = {k: statistics.median(v) for k, v in times.items()}
    labels = labels or {}
    return [[labels.get(k, k), f'{1000 * m:.1f}', f'{m / medians[peer]:.3f}']
            for k, m in medians.items()]


def benchmark_parser(doc: str, name: str) -> 'argparse.ArgumentParser':
    """Argument parser with the options every method benchmark shares.

    ``--work-dir`` (default ``work_dirs/<name>``; finished runs are kept in its ``runs/``
    and reused, see :class:`RunStore`), ``--seeds`` (default 0 1 2) and ``--merge``
    (train nothing; report the runs kept under the given work dirs, see
    :func:`merge_runs`).
    """
    parser = argparse.ArgumentParser(description=doc.split('\n')[0])
    parser.add_argument('--work-dir', default=f'work_dirs/{name}')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--merge', nargs='+', metavar='WORK_DIR',
                        help='train nothing: report the union of the runs kept under '
                        'these work dirs (e.g. one process per seed) into --work-dir')
    return parser


def refuse_merge_outside(parser: argparse.ArgumentParser, args: argparse.Namespace,
                         mode: str = 'quality') -> argparse.Namespace:
    """Exit through ``parser`` when ``--merge`` comes with another ``args.mode`` than
    ``mode``: only that mode's runs are kept, the others measure afresh."""
    if getattr(args, 'merge', None) and args.mode != mode:
        parser.error(f'--merge reports kept {mode} runs; {args.mode} measures afresh, so '
                     f'run "{mode} --merge ..." or drop --merge.')
    return args


def markdown_table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    lines = ['| ' + ' | '.join(map(str, header)) + ' |',
             '| ' + ' | '.join('---' for _ in header) + ' |']
    lines += ['| ' + ' | '.join(map(str, row)) + ' |' for row in rows]
    return '\n'.join(lines)


def exact_command(argv: Optional[Sequence[str]] = None) -> str:
    """The command line that reproduces this run, relative to the repository root."""
    argv = list(sys.argv if argv is None else argv)
    script = osp.relpath(osp.abspath(argv[0]))
    return ' '.join(['python', shlex.quote(script)] + [shlex.quote(a) for a in argv[1:]])


class Report:
    """Collects tables, raw data, metric bars and loss curves; :meth:`write` saves them.

    Args:
        name: File stem (``<work_dir>/<name>.{json,md,png}``).
        title: First heading of the markdown.
        command: The exact command (default: :func:`exact_command`).
        log_curves: Draw the training curves on a log axis (arms whose losses differ
            by orders of magnitude share one panel).
    """

    def __init__(self, name: str, title: str, command: Optional[str] = None,
                 log_curves: bool = False):
        self.log_curves = log_curves
        self.name = name
        self.title = title
        self.command = command or exact_command()
        self.sections = []
        self.data = {}
        self.bars = {}
        self.curves = {}

    def add_table(self, heading: str, header, rows, note: str = '') -> None:
        text = f'### {heading}\n\n' + markdown_table(header, rows)
        self.sections.append(text + (f'\n\n{note}' if note else ''))

    def add_text(self, text: str) -> None:
        self.sections.append(text)

    def add_bars(self, metric: str, values: Dict[str, Sequence[float]]) -> None:
        """Per-arm seed values of ``metric``, drawn as mean bars with std error bars."""
        self.bars[metric] = {k: list(v) for k, v in values.items()}

    def add_curves(self, label: str, curves: Sequence[Sequence]) -> None:
        """Training-loss curves (one ``[(iter, loss), ...]`` per seed) of one arm."""
        self.curves[label] = [list(c) for c in curves]

    def markdown(self) -> str:
        parts = [f'## {self.title}', '', '```shell', self.command, '```', '']
        parts += [s + '\n' for s in self.sections]
        return '\n'.join(parts)

    def write(self, work_dir: str) -> Dict[str, str]:
        os.makedirs(work_dir, exist_ok=True)
        paths = {ext: osp.join(work_dir, f'{self.name}.{ext}')
                 for ext in ('json', 'md', 'png')}
        with open(paths['json'], 'w') as f:
            json.dump(dict(command=self.command, data=self.data, bars=self.bars,
                           curves=self.curves), f, indent=1)
        with open(paths['md'], 'w') as f:
            f.write(self.markdown())
        self.plot(paths['png'])
        return paths

    def publish(self, work_dir: str) -> 'Report':
        """Write the files and print the markdown (with its command)."""
        self.write(work_dir)
        print(self.markdown())
        return self

    def plot(self, path: str) -> None:
        # a bare Figure (Agg canvas): no pyplot backend switch or global state, so
        # plotting inside a process that also visualises (mmengine) changes nothing there
        from matplotlib.figure import Figure
        panels = len(self.bars) + (1 if self.curves else 0)
        if not panels:
            return
        fig = Figure(figsize=(4.2 * panels, 3.6))
        axes = fig.subplots(1, panels, squeeze=False)
        for ax, (metric, values) in zip(axes[0], self.bars.items()):
            names = list(values)
            stats = [summarize(values[k]) for k in names]
            ax.bar(range(len(names)), [s['mean'] for s in stats],
                   yerr=[s['std'] for s in stats], capsize=3, color='tab:blue')
            ax.set_xticks(range(len(names)))
            ax.set_xticklabels(names, rotation=30, ha='right', fontsize=7)
            ax.set_title(f"{metric} (n={stats[0]['n']})", fontsize=9)
        if self.curves:
            ax = axes[0][-1]
            for i, (label, curves) in enumerate(self.curves.items()):
                for j, curve in enumerate(curves):
                    if curve:
                        xs, ys = zip(*curve)
                        ax.plot(xs, ys, color=f'C{i}', alpha=0.7, lw=0.8,
                                label=label if j == 0 else None)
            ax.set_xlabel('iteration')
            ax.set_ylabel('training loss')
            if self.log_curves:
                ax.set_yscale('log')
            ax.set_title('training curves (all seeds)', fontsize=9)
            ax.legend(fontsize=6)
        fig.tight_layout()
        fig.savefig(path, dpi=110)

