"""Convert an official DPT checkpoint (CASIA-IVA-Lab/DPT) to MMVRL's parameter names.

ImageNet checkpoints (``{'model': ...}`` with ``head.*``) become an mmpretrain
``ImageClassifier`` state dict (``backbone.*``, ``head.fc.*``); COCO checkpoints
(mmdet 2.x, ``backbone.*`` + neck/head keys) keep their neck and head keys and get the
backbone renamed. RetinaNet and Mask R-CNN neck/head keys are unchanged between mmdet
2.x and 3.x; DETR's transformer keys are not converted.

Example::

    python tools/model_converters/dpt2mmvrl.py dpt_small.pth dpt-small_in1k.pth
    python tools/model_converters/dpt2mmvrl.py retinanet_dpt_s.pth out.pth --task det
"""
import argparse
import os.path as osp
import sys
from collections import OrderedDict

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from projects.common.safe_load import safe_load  # noqa: E402
from projects.dpt.convert import (convert_official_dpt,  # noqa: E402
                                  is_official_dpt_state_dict)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='official checkpoint (.pth)')
    parser.add_argument('dst', help='output checkpoint path')
    parser.add_argument(
        '--task', choices=['auto', 'cls', 'det'], default='auto',
        help='cls: ImageNet classifier (keeps cls token, norm, head); det: '
        'dense backbone (drops them). auto: cls when a head.* key exists')
    parser.add_argument(
        '--backbone-only', action='store_true',
        help='save only the backbone.* keys (for init_cfg=Pretrained)')
    return parser.parse_args(argv)


def _split(state_dict):
    """Official backbone keys and the remaining (neck/head) keys."""
    if is_official_dpt_state_dict(state_dict):
        return state_dict, OrderedDict()
    for prefix in ('module.backbone.', 'backbone.', 'module.'):
        backbone = OrderedDict((k[len(prefix):], v)
                               for k, v in state_dict.items()
                               if k.startswith(prefix))
        if is_official_dpt_state_dict(backbone):
            rest = OrderedDict((k, v) for k, v in state_dict.items()
                               if not k.startswith(prefix))
            return backbone, rest
    raise SystemExit(
        'No official DPT backbone keys found (expected "patch_embed1.proj.'
        'weight", optionally under "backbone."); is this a DPT checkpoint?')


def convert(checkpoint, task='auto', backbone_only=False):
    """Return the converted ``state_dict`` of an official checkpoint dict."""
    state_dict = checkpoint
    for key in ('state_dict', 'model'):
        if isinstance(checkpoint, dict) and key in checkpoint:
            state_dict = checkpoint[key]
            break
    backbone, rest = _split(state_dict)
    if task == 'auto':
        task = 'cls' if 'head.weight' in backbone else 'det'
    out = convert_official_dpt(backbone, with_cls_token=task == 'cls')
    new = OrderedDict(('backbone.' + k, v) for k, v in out['backbone'].items())
    if backbone_only:
        return new
    if task == 'cls':
        for key, value in out['head'].items():
            new['head.fc.' + key] = value
    new.update(rest)
    return new


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.src):
        raise SystemExit(f'Checkpoint {args.src!r} does not exist.')
    checkpoint = safe_load(args.src, map_location='cpu')
    state_dict = convert(checkpoint, args.task, args.backbone_only)
    torch.save(
        dict(state_dict=state_dict, meta=dict(converted_from=args.src)),
        args.dst)
    print(f'Saved {len(state_dict)} tensors to {args.dst}')


if __name__ == '__main__':
    main()
