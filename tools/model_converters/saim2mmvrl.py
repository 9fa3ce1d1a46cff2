"""Convert an official SAIM checkpoint (qiy20/SAIM) to MMVRL's parameter names.

Pre-training checkpoints become a ``SAIM`` state dict (``backbone.*``, the query stream in
``neck.*``, the prediction head in ``head.*``; load it with ``load_from``) or, with
``--target backbone``, only the encoder (for ``init_cfg=dict(type='Pretrained',
prefix='backbone.')`` in the fine-tune, probe and transfer configs). Fine-tuned and
linear-probe checkpoints become an mmpretrain ``ImageClassifier`` state dict. q, k and v
are concatenated in that order into ``attn.qkv``; ``pos_embed`` is copied.

The official files also pickle the training arguments (an ``argparse.Namespace``); they are
read with ``torch.load(weights_only=True)`` allowing only that class.

Example::

    python tools/model_converters/saim2mmvrl.py saim_base_800e.pth saim_800e_mmvrl.pth
    python tools/model_converters/saim2mmvrl.py saim_base_800e.pth enc.pth --target backbone
"""
import argparse
import os.path as osp
import sys

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from projects.saim.convert import (TARGETS, ConversionError,  # noqa: E402
                                   convert_saim, official_state_dict)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='official checkpoint (.pth)')
    parser.add_argument('dst', help='output checkpoint path')
    parser.add_argument(
        '--target', choices=TARGETS, default='auto',
        help='pretrain: full SAIM model; backbone: encoder only; classifier: '
        'fine-tuned / probed ImageClassifier; auto: pretrain when query_blocks '
        'or prediction_head keys exist, else classifier')
    return parser.parse_args(argv)


def load_official(path):
    """Read an official checkpoint without unpickling anything but tensors and args."""
    if not osp.isfile(path):
        raise SystemExit(f'Checkpoint {path!r} does not exist.')
    try:
        with torch.serialization.safe_globals([argparse.Namespace]):
            return torch.load(path, map_location='cpu', weights_only=True)
    except Exception as err:  # UnpicklingError and its relatives
        raise SystemExit(
            f'{path!r} could not be read as a plain-tensor checkpoint ({err}). '
            'Official SAIM checkpoints hold tensors, numbers and the argparse '
            'namespace only; a file that needs other classes is not one of '
            'them and is not unpickled.') from err


def main(argv=None):
    args = parse_args(argv)
    checkpoint = load_official(args.src)
    try:
        state, target = convert_saim(official_state_dict(checkpoint),
                                     args.target)
    except ConversionError as err:
        raise SystemExit(f'{args.src}: {err}') from err
    torch.save(
        dict(state_dict=state, meta=dict(converted_from=args.src,
                                         target=target)), args.dst)
    print(f'Saved {len(state)} tensors ({target}) to {args.dst}')
    return args.dst


if __name__ == '__main__':
    main()
