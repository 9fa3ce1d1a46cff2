"""Train and evaluate every tiny config registered for the demo, then print one summary table.

A config is registered by a line ``<config file name> <metric key>`` in
``configs/<method>/tiny/demo.txt``. Each config runs in its own process through
``tools/train.py`` and ``tools/test.py``.

Usage::

    python tools/run_demo.py [--only SUBSTRING] [--work-root work_dirs/demo]
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def registered():
    """(config path, metric key) pairs from every ``configs/*/tiny/demo.txt``."""
    entries = []
    for listing in sorted(glob.glob(osp.join(REPO_ROOT, 'configs', '*', 'tiny',
                                             'demo.txt'))):
        folder = osp.dirname(listing)
        with open(listing) as f:
            for line in f:
                line = line.split('#', 1)[0].strip()
                if not line:
                    continue
                name, key = line.split()
                path = osp.join(folder, name)
                if not osp.isfile(path):
                    raise FileNotFoundError(
                        f'{listing} lists {name}, which does not exist in '
                        f'{folder}; fix the line or add the config.')
                entries.append((osp.relpath(path, REPO_ROOT), key))
    return entries


def run_single(config, work_dir, result_file):
    """Train then test one config in this process; write the metrics as JSON."""
    sys.path.insert(0, osp.join(REPO_ROOT, 'tools'))
    import importlib.util

    def tool(name):
        spec = importlib.util.spec_from_file_location(
            f'_demo_{name}', osp.join(REPO_ROOT, 'tools', f'{name}.py'))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod

    tool('train').main([config, '--work-dir', work_dir])
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        ckpt = f.read().strip()
    metrics = tool('test').main([config, ckpt, '--work-dir', work_dir])
    with open(result_file, 'w') as f:
        json.dump({k: (float(v) if isinstance(v, (int, float)) else str(v))
                   for k, v in metrics.items()}, f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--only', help='run configs whose path contains this')
    parser.add_argument('--work-root', default='work_dirs/demo')
    parser.add_argument('--single', nargs=3, metavar=('CONFIG', 'WORK_DIR',
                                                      'RESULT'),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.single:
        run_single(*args.single)
        return

    entries = [e for e in registered() if not args.only or args.only in e[0]]
    rows, failed = [], []
    # The tiny models train fastest single-threaded on a small, shared CPU.
    env = dict(os.environ)
    env.setdefault('OMP_NUM_THREADS', '1')
    for i, (config, key) in enumerate(entries, 1):
        name = osp.splitext(config.replace('configs/', ''))[0].replace('/', '.')
        work_dir = osp.join(args.work_root, name)
        os.makedirs(work_dir, exist_ok=True)
        result = osp.join(work_dir, 'demo_metrics.json')
        print(f'[demo {i}/{len(entries)}] {config}', flush=True)
        t0 = time.time()
        proc = subprocess.run(
            [sys.executable, __file__, '--single', config, work_dir, result],
            cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True)
        seconds = time.time() - t0
        if proc.returncode != 0 or not osp.isfile(result):
            failed.append(config)
            rows.append((config, key, 'FAILED', seconds))
            print(proc.stderr[-3000:], file=sys.stderr)
            continue
        with open(result) as f:
            metrics = json.load(f)
        value = metrics.get(key, f'missing ({", ".join(metrics)})')
        rows.append((config, key, value, seconds))
        print(f'    {key} = {value}  ({seconds:.0f} s)', flush=True)

    print('\n| config | metric | value | seconds |')
    print('| --- | --- | --- | --- |')
    for config, key, value, seconds in rows:
        shown = f'{value:.4f}' if isinstance(value, float) else value
        print(f'| {config} | {key} | {shown} | {seconds:.0f} |')
    if failed:
        raise SystemExit(f'{len(failed)} demo config(s) failed: {failed}')


if __name__ == '__main__':
    main()
