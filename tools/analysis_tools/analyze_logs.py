"""Plot training curves and summarise training time from mmengine json logs.

Reads ``<work_dir>/<timestamp>/vis_data/scalars.json`` (or ``<timestamp>.json``),
the json-lines log written by mmengine's ``LocalVisBackend``: training lines
carry ``iter`` (and ``epoch`` in epoch-based runs) next to ``loss``, ``lr``,
``time``...; validation lines carry the metrics (``coco/bbox_mAP``,
``accuracy/top1``, ``mIoU``...) and ``step`` (the epoch, or the iteration in
iteration-based runs). A work dir may be passed instead of a file: its newest
``scalars.json`` is used.

Examples::

    python tools/analysis_tools/analyze_logs.py plot_curve \
        work_dirs/x/20260101_000000/vis_data/scalars.json \
        --keys loss bbox_mAP --legend run1_loss run1_mAP --out curves.png
    python tools/analysis_tools/analyze_logs.py cal_train_time work_dirs/x

Needs only numpy and matplotlib (no model code is imported).
"""
import argparse
import glob
import json
import os
import os.path as osp
import sys


class LogError(RuntimeError):
    """A log that cannot be read, or a key it does not have; says the fix."""


def find_log(path):
    """A scalars.json path from a file or a work dir (its newest log)."""
    if osp.isfile(path):
        return path
    if osp.isdir(path):
        found = glob.glob(osp.join(path, '**', 'vis_data', 'scalars.json'),
                          recursive=True)
        if found:
            return max(found, key=osp.getmtime)
        raise LogError(
            f'{path} holds no */vis_data/scalars.json; pass the json log of a '
            'run (mmengine writes it under <work_dir>/<timestamp>/vis_data/).')
    raise LogError(f'Log {path} does not exist; pass a scalars.json file or a '
                   'work dir.')


def load_log(path):
    """Split a json-lines log into training and validation records.

    Returns ``dict(train=[...], val=[...], by_epoch=bool, path=...)``; each
    record is one parsed line. Training lines are those with an ``iter`` key.
    """
    path = find_log(path)
    train, val = [], []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise LogError(
                    f'{path}:{lineno} is not a json line ({e.msg}); pass '
                    'mmengine\'s vis_data/scalars.json, not the text log.'
                ) from e
            (train if 'iter' in record else val).append(record)
    if not train and not val:
        raise LogError(f'{path} is empty: the run logged nothing yet.')
    by_epoch = any('epoch' in r for r in train)
    return dict(train=train, val=val, by_epoch=by_epoch, path=path)


def resolve_key(log, key):
    """The logged name of ``key``: exact, or a metric ending in ``/key``."""
    names = set()
    for record in log['train'] + log['val']:
        names.update(record)
    names -= {'step', 'iter', 'epoch'}
    if key in names:
        return key
    matches = sorted(n for n in names if n.endswith('/' + key))
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise LogError(
            f'--keys {key!r} matches {matches} in {log["path"]}; pass the '
            'full name.')
    raise LogError(
        f'--keys {key!r} is not in {log["path"]}; logged keys: '
        f'{", ".join(sorted(names))}.')


def log_name(path):
    """A short name of a log: its work dir for ``<wd>/<time>/vis_data/scalars.json``."""
    if osp.basename(path) == 'scalars.json':
        return osp.basename(osp.dirname(osp.dirname(osp.dirname(
            osp.abspath(path)))))
    return osp.splitext(osp.basename(path))[0]


def curve(log, key):
    """(xs, ys, x_label) of ``key``: training keys over iterations, metrics
    over epochs (epoch-based runs) or iterations."""
    name = resolve_key(log, key)
    train = [r for r in log['train'] if name in r]
    if train:
        return ([r['iter'] for r in train], [r[name] for r in train], 'iter',
                name)
    val = [r for r in log['val'] if name in r]
    x_label = 'epoch' if log['by_epoch'] else 'iter'
    return [r['step'] for r in val], [r[name] for r in val], x_label, name


def plot_curve(args):
    """Draw one panel per key, one line per log; save a PNG (or show it)."""
    import matplotlib
    if args.out or not args.show:
        matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    logs = [load_log(p) for p in args.json_logs]
    num_lines = len(logs) * len(args.keys)
    if args.legend is not None and len(args.legend) != num_lines:
        raise LogError(
            f'--legend has {len(args.legend)} names but there are '
            f'{len(logs)} logs x {len(args.keys)} keys = {num_lines} curves; '
            'give one name per curve (log-major order).')
    fig, axes = plt.subplots(
        1, len(args.keys), figsize=(5 * len(args.keys), 4), squeeze=False)
    plotted = []
    for k, key in enumerate(args.keys):
        ax = axes[0][k]
        for i, log in enumerate(logs):
            xs, ys, x_label, name = curve(log, key)
            if args.legend is not None:
                label = args.legend[i * len(args.keys) + k]
            else:
                stem = log_name(log['path'])
                label = f'{stem}_{name}'
            ax.plot(xs, ys, label=label,
                    marker='o' if len(xs) < 20 else None)
            ax.set_xlabel(x_label)
            plotted.append((label, len(xs)))
        ax.set_title(key)
        ax.legend()
        ax.grid(alpha=0.3)
    if args.title:
        fig.suptitle(args.title)
    fig.tight_layout()
    if args.out:
        out_dir = osp.dirname(osp.abspath(args.out))
        os.makedirs(out_dir, exist_ok=True)
        fig.savefig(args.out, dpi=100)
        print(f'Saved {args.out}')
    else:
        plt.show()
    plt.close(fig)
    return plotted


def cal_train_time(args):
    """Average iteration time per log (and per epoch in epoch-based runs).

    The first logged interval of every epoch is left out unless
    ``--include-outliers``: it includes dataloader start-up.
    """
    import numpy as np
    results = []
    for path in args.json_logs:
        log = load_log(path)
        timed = [r for r in log['train'] if 'time' in r]
        if not timed:
            raise LogError(
                f'{log["path"]} has no "time" in its training lines; the run '
                'needs IterTimerHook (default_hooks.timer).')
        groups = {}
        for r in timed:
            groups.setdefault(r.get('epoch', 0), []).append(r['time'])
        if not args.include_outliers:
            groups = {e: t[1:] if len(t) > 1 else t
                      for e, t in groups.items()}
        means = {e: float(np.mean(t)) for e, t in groups.items()}
        all_times = np.concatenate([np.asarray(t) for t in groups.values()])
        print(f'-----Analyze train time of {log["path"]}-----')
        result = dict(path=log['path'], mean=float(all_times.mean()),
                      epochs=means)
        if log['by_epoch'] and len(means) > 0:
            slowest = max(means, key=means.get)
            fastest = min(means, key=means.get)
            # spread of the per-epoch times of one run, printed as mmdet's analyze_logs
            # prints it (population std); not a statistic over seeds, which the benchmark
            # harness reports as the sample std
            std = float(np.std(list(means.values())))
            print(f'slowest epoch {slowest}, average time is '
                  f'{means[slowest]:.4f} s/iter')
            print(f'fastest epoch {fastest}, average time is '
                  f'{means[fastest]:.4f} s/iter')
            print(f'time std over epochs is {std:.4f}')
            result.update(slowest=slowest, fastest=fastest, std=std)
        print(f'average iter time: {result["mean"]:.4f} s/iter')
        print()
        results.append(result)
    return results


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Analyze json logs')
    sub = parser.add_subparsers(dest='task', required=True)
    plot = sub.add_parser('plot_curve', help='plot curves of logged keys')
    plot.add_argument('json_logs', nargs='+',
                      help='scalars.json files or work dirs')
    plot.add_argument('--keys', nargs='+', default=['loss'],
                      help='keys to plot; "bbox_mAP" matches "coco/bbox_mAP"')
    plot.add_argument('--title', help='figure title')
    plot.add_argument('--legend', nargs='+', default=None,
                      help='one name per (log, key) curve, log-major')
    plot.add_argument('--out', default=None, help='PNG file to write')
    plot.add_argument('--show', action='store_true',
                      help='open a window instead of writing --out')
    cal = sub.add_parser('cal_train_time', help='summarise iteration time')
    cal.add_argument('json_logs', nargs='+',
                     help='scalars.json files or work dirs')
    cal.add_argument('--include-outliers', action='store_true',
                     help='keep the first interval of every epoch')
    args = parser.parse_args(argv)
    if args.task == 'plot_curve' and not args.out and not args.show:
        args.out = 'curves.png'
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        if args.task == 'plot_curve':
            return plot_curve(args)
        return cal_train_time(args)
    except LogError as e:
        if os.environ.get('MMVRL_DEBUG'):
            raise
        print(f'\nERROR: {e}', file=sys.stderr)
        raise SystemExit(1) from e


if __name__ == '__main__':
    main()
