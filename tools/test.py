"""Evaluate a checkpoint with an MMVRL config on its test set (real evaluator of the host).

Example::

    python tools/test.py configs/acsl/tiny/<config>.py work_dirs/x/iter_100.pth
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import _bootstrap  # noqa: E402,F401

from mmengine.config import DictAction  # noqa: E402

from projects.common.cli import (add_dump_metric, apply_cfg_options,  # noqa: E402
                                 build_runner, enable_visualization,
                                 load_config, prepare_cpu_launcher,
                                 run_with_clear_errors, set_default_work_dir)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save the metrics log')
    parser.add_argument(
        '--out', help='dump predictions to a pickle file (.pkl) for offline '
        'evaluation')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir', help='directory (inside the work dir) where painted '
        'predictions are saved as images')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings in the config')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main(argv=None):
    """Test; returns the metrics dict (used by the tests to run in-process)."""
    args = parse_args(argv)
    state = {}

    def _run():
        cfg = state['cfg'] = load_config(args.config)
        cfg.launcher = args.launcher
        apply_cfg_options(cfg, args.cfg_options)
        prepare_cpu_launcher(cfg)
        set_default_work_dir(cfg, args.config, args.work_dir)
        cfg.load_from = args.checkpoint
        if args.show or args.show_dir:
            enable_visualization(cfg, args.show, args.show_dir, args.wait_time)
        if args.out is not None:
            add_dump_metric(cfg, args.out)
        runner = build_runner(cfg)
        return runner.test()

    return run_with_clear_errors(_run, args.config, state)


if __name__ == '__main__':
    main()
