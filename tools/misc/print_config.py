"""Print the fully merged config of an MMVRL config file (all ``_base_`` files
resolved, ``--cfg-options`` applied), optionally saving it.

Example::

    python tools/misc/print_config.py configs/baselines/<config>.py \
        --cfg-options train_cfg.max_epochs=1 --save-path /tmp/merged.py
"""
import argparse
import os
import os.path as osp
import sys

TOOLS_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
if TOOLS_DIR not in sys.path:
    sys.path.insert(0, TOOLS_DIR)
import _bootstrap  # noqa: E402,F401

from mmengine.config import DictAction  # noqa: E402

from projects.common.cli import (ConfigError, apply_cfg_options,  # noqa: E402
                                 load_config, run_with_clear_errors)

SAVE_SUFFIXES = ('.py', '.json', '.yml', '.yaml')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Print the whole config')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--save-path', default=None,
        help='also write the merged config here (.py, .json, .yml or .yaml)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings in the config, e.g. '
        'train_cfg.max_epochs=1 "model.backbone.depth=18"')
    return parser.parse_args(argv)


def main(argv=None):
    """Print the merged config; returns it (for the tests)."""
    args = parse_args(argv)

    def _run():
        if args.save_path is not None and \
                not args.save_path.endswith(SAVE_SUFFIXES):
            raise ConfigError(
                f'--save-path {args.save_path!r}: the file name must end '
                f'with one of {", ".join(SAVE_SUFFIXES)}.')
        cfg = load_config(args.config)
        apply_cfg_options(cfg, args.cfg_options)
        print(f'Config:\n{cfg.pretty_text}')
        if args.save_path is not None:
            out_dir = osp.dirname(osp.abspath(args.save_path))
            os.makedirs(out_dir, exist_ok=True)
            cfg.dump(args.save_path)
            print(f'Saved the merged config to {args.save_path}')
        return cfg

    return run_with_clear_errors(_run, args.config)


if __name__ == '__main__':
    main()
