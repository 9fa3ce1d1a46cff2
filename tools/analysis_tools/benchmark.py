"""Measure the inference speed of the model of an MMVRL config.

Two modes, both under ``torch.no_grad`` in eval mode:

* default: a fixed batch of random images goes through the data preprocessor
  and the same tensor-mode forward that ``get_flops.py`` counts (no
  post-processing, no data loading);
* ``--dataset``: the config's real ``test_dataloader`` and ``model.test_step``
  (loading, pre-processing, forward and post-processing), as ``tools/test.py``
  runs them.

The first ``--warmup`` iterations are not timed. The result is printed as a
markdown table and, with ``--out``, written to a file.

Example::

    python tools/analysis_tools/benchmark.py configs/baselines/<config>.py \
        --shape 224 224 --batch-size 8 --num-iters 50 --device cpu
"""
import argparse
import os
import os.path as osp
import sys
import time

TOOLS_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
ANALYSIS_DIR = osp.dirname(osp.abspath(__file__))
for _path in (TOOLS_DIR, ANALYSIS_DIR):
    if _path not in sys.path:
        sys.path.insert(0, _path)
import _bootstrap  # noqa: E402,F401

from mmengine.config import DictAction  # noqa: E402

from get_flops import (build_model, default_shape,  # noqa: E402
                       load_analysis_config, make_dummy_batch, parse_shape,
                       preprocess, tensor_forward)
from projects.common.cli import ConfigError, run_with_clear_errors  # noqa: E402


def resolve_device(name):
    """``auto`` -> cuda when available, else cpu; a clear error for bad names."""
    import torch
    if name == 'auto':
        return 'cuda' if torch.cuda.is_available() else 'cpu'
    if name.startswith('cuda') and not torch.cuda.is_available():
        raise ConfigError(
            f'--device {name}: CUDA is not available on this machine; use '
            '--device cpu.')
    if name != 'cpu' and not name.startswith('cuda'):
        raise ConfigError(f'--device {name!r}: use cpu, cuda, cuda:N or auto.')
    return name


def _sync(device):
    import torch
    if str(device).startswith('cuda'):
        torch.cuda.synchronize()


def _batch_size(data):
    inputs = data['inputs']
    if isinstance(inputs, (list, tuple)):
        first = inputs[0]
        # mmpretrain multi-view inputs: a list of (N, C, H, W) tensors.
        if hasattr(first, 'dim') and first.dim() == 4:
            return int(first.shape[0])
        return len(inputs)
    return int(inputs.shape[0])


def _timed_loop(step, num_iters, warmup, device, desc):
    """Run ``step()`` warmup + num_iters times; returns (seconds, images)."""
    from tqdm import tqdm
    total_time, total_images = 0.0, 0
    for i in tqdm(range(warmup + num_iters), desc=desc, dynamic_ncols=True):
        _sync(device)
        start = time.perf_counter()
        images = step(i)
        _sync(device)
        if i >= warmup:
            total_time += time.perf_counter() - start
            total_images += images
    return total_time, total_images


def benchmark_dummy(model, cfg, shape, batch_size, num_iters, warmup, device):
    """Time preprocessor + tensor-mode forward on a fixed random batch."""
    import torch
    batch = make_dummy_batch(cfg, shape, batch_size)
    forward = tensor_forward(model)

    def step(_):
        with torch.no_grad():
            data = preprocess(model, batch)
            forward(data['inputs'], data['data_samples'])
        return batch_size

    return _timed_loop(step, num_iters, warmup, device, 'benchmark')


def benchmark_dataset(model, cfg, batch_size, num_iters, warmup, device,
                      num_workers):
    """Time the test dataloader + ``model.test_step`` (as tools/test.py runs)."""
    import torch
    from mmengine.runner import Runner
    if cfg.get('test_dataloader', None) is None:
        raise ConfigError(
            '--dataset needs test_dataloader in the config; drop --dataset '
            'to time dummy inputs instead.')
    loader_cfg = cfg.test_dataloader.copy()
    loader_cfg['batch_size'] = batch_size
    loader_cfg['num_workers'] = num_workers
    loader_cfg['persistent_workers'] = False
    loader = Runner.build_dataloader(loader_cfg)
    needed = num_iters + warmup
    if len(loader) < needed:
        raise ConfigError(
            f'--dataset: the test set has {len(loader)} batches of '
            f'{batch_size}, fewer than --warmup {warmup} + --num-iters '
            f'{num_iters}; lower them or the batch size.')
    iterator = iter(loader)

    def step(_):
        data = next(iterator)
        with torch.no_grad():
            model.test_step(data)
        return _batch_size(data)

    return _timed_loop(step, num_iters, warmup, device, 'benchmark (dataset)')


def markdown_table(rows):
    """A markdown table from a list of dicts sharing the same keys."""
    keys = list(rows[0])
    lines = ['| ' + ' | '.join(keys) + ' |',
             '| ' + ' | '.join('---' for _ in keys) + ' |']
    for row in rows:
        lines.append('| ' + ' | '.join(str(row[k]) for k in keys) + ' |')
    return '\n'.join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Benchmark inference speed')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        'checkpoint', nargs='?', default=None,
        help='checkpoint to load (optional; speed does not depend on it)')
    parser.add_argument(
        '--shape', type=int, nargs='+', default=None,
        help='dummy input size H W (or one number); default: from the test '
        'pipeline, else the scope\'s usual size. Ignored with --dataset')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument(
        '--num-iters', type=int, default=50, help='timed iterations')
    parser.add_argument(
        '--warmup', type=int, default=5, help='untimed iterations first')
    parser.add_argument(
        '--device', default='auto', help='cpu, cuda, cuda:N or auto')
    parser.add_argument(
        '--num-threads', type=int, default=None,
        help='torch.set_num_threads for CPU runs')
    parser.add_argument(
        '--dataset', action='store_true',
        help='time the real test dataloader + test_step instead of dummy '
        'inputs')
    parser.add_argument(
        '--num-workers', type=int, default=0,
        help='dataloader workers with --dataset')
    parser.add_argument('--out', help='write the markdown table to this file')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings in the config')
    return parser.parse_args(argv)


def main(argv=None):
    """Print the speed table; returns the result row (for the tests)."""
    args = parse_args(argv)

    def _run():
        import torch
        if args.num_iters <= 0 or args.warmup < 0 or args.batch_size <= 0:
            raise ConfigError(
                f'--num-iters {args.num_iters} --warmup {args.warmup} '
                f'--batch-size {args.batch_size}: need num-iters > 0, '
                'warmup >= 0 and batch-size > 0.')
        if args.num_threads is not None:
            torch.set_num_threads(args.num_threads)
        device = resolve_device(args.device)
        cfg = load_analysis_config(args.config, args.cfg_options)
        model = build_model(cfg, args.checkpoint, device=device)
        if args.dataset:
            seconds, images = benchmark_dataset(
                model, cfg, args.batch_size, args.num_iters, args.warmup,
                device, args.num_workers)
            shape_str = 'test pipeline'
            mode = 'dataset + test_step'
        else:
            shape = parse_shape(args.shape) or default_shape(cfg)
            seconds, images = benchmark_dummy(
                model, cfg, shape, args.batch_size, args.num_iters,
                args.warmup, device)
            shape_str = f'{shape[0]}x{shape[1]}'
            mode = 'dummy + tensor forward'
        row = {
            'config': osp.basename(args.config),
            'mode': mode,
            'input': shape_str,
            'batch': args.batch_size,
            'device': device,
            'threads': torch.get_num_threads() if device == 'cpu' else '-',
            'images': images,
            'images/s': f'{images / seconds:.2f}',
            'ms/img': f'{1000.0 * seconds / images:.2f}',
        }
        table = markdown_table([row])
        print(table)
        if args.out:
            out_dir = osp.dirname(osp.abspath(args.out))
            os.makedirs(out_dir, exist_ok=True)
            with open(args.out, 'w') as f:
                f.write(table + '\n')
            print(f'Wrote {args.out}')
        row['seconds'] = seconds
        return row

    return run_with_clear_errors(_run, args.config)


if __name__ == '__main__':
    main()
