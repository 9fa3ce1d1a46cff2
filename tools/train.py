"""Train a model from an MMVRL config (any of the mmdet / mmseg / mmpretrain / mmaction scopes).

Example::

    python tools/train.py configs/acsl/tiny/<config>.py --work-dir work_dirs/x
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import _bootstrap  # noqa: E402,F401

from mmengine.config import DictAction  # noqa: E402

from projects.common.cli import (add_run_safety,  # noqa: E402
                                 apply_cfg_options, build_runner,
                                 check_work_dir, checkpoint_seed, enable_amp,
                                 load_config, prepare_cpu_launcher,
                                 resolve_resume, run_with_clear_errors,
                                 set_default_work_dir)
from projects.common.dataset_check import check_training_data  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--amp', action='store_true', help='enable automatic mixed precision')
    parser.add_argument(
        '--auto-scale-lr', action='store_true',
        help='scale the learning rate by the actual batch size')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint, or from the latest one in '
        'the work dir when no path is given')
    parser.add_argument(
        '--no-validate', action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings in the config, e.g. '
        'train_cfg.max_epochs=1 "model.backbone.depth=18"')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none', help='job launcher')
    parser.add_argument(
        '--no-safety-hooks', action='store_true',
        help='train with the config exactly as written: no NaN guard, '
        "mmengine's CheckpointHook, host randomness (resume is then not exact)")
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def build_cfg(args):
    cfg = load_config(args.config)
    cfg.launcher = args.launcher
    apply_cfg_options(cfg, args.cfg_options)
    prepare_cpu_launcher(cfg)
    set_default_work_dir(cfg, args.config, args.work_dir)
    if args.amp:
        enable_amp(cfg)
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or 'base_batch_size' not in cfg.auto_scale_lr:
            raise RuntimeError(
                f'--auto-scale-lr needs "auto_scale_lr = dict('
                f'base_batch_size=...)" in {args.config}; add it to the '
                'config or drop the flag.')
        cfg.auto_scale_lr.enable = True
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    if args.resume is not None:
        # Resolved here (not by the Runner) so that a missing or truncated
        # checkpoint is an error or falls back, and the run keeps its seed.
        cfg.resume = True
        cfg.load_from = resolve_resume(cfg.work_dir, args.resume)
        randomness = dict(cfg.get('randomness') or {})
        if randomness.get('seed') is None:
            seed = checkpoint_seed(cfg.load_from)
            if seed is not None:
                cfg.randomness = dict(randomness, seed=seed)
    check_work_dir(cfg.work_dir)
    if not args.no_safety_hooks:
        add_run_safety(cfg)
    return cfg


def main(argv=None):
    """Train; returns the trained model (used by the tests to run in-process)."""
    args = parse_args(argv)
    state = {}

    def _run():
        cfg = state['cfg'] = build_cfg(args)
        runner = build_runner(cfg)
        check_training_data(runner)
        return runner.train()

    return run_with_clear_errors(_run, args.config, state)


if __name__ == '__main__':
    main()
