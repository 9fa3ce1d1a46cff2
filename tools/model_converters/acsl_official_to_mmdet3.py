"""Convert an official ACSL checkpoint (mmdetection v1.0rc0) to MMVRL / mmdet 3 names.

The released baselines and ACSL models (Faster / Cascade R-CNN on LVIS v0.5) were
trained with mmdet v1, which differs from mmdet 3 in two ways that matter here:

* key names: the R-CNN heads sit at the top level (``bbox_head.fc_cls``,
  ``bbox_head.0.fc_cls`` for cascade stages) instead of under ``roi_head``;
* channel order: label 0 / channel 0 is background, so ``fc_cls`` has the
  background row FIRST, and a class-specific ``fc_reg`` has ``4 * (C + 1)`` rows
  starting with 4 background rows. mmdet 3 puts background LAST in ``fc_cls`` and
  has no background rows in ``fc_reg`` (``4 * C``).

Backbone, neck and RPN keys are unchanged.

Example::

    python tools/model_converters/acsl_official_to_mmdet3.py \\
        faster_rcnn_r50_fpn_1x_lvis_tunefc_acsl.pth \\
        checkpoints/faster-rcnn_r50_fpn_acsl-tunefc_8xb2-1x_lvis-v0.5.pth

The file is loaded weights-only (no code in it runs); set MMVRL_UNSAFE_LOAD=1 for a
trusted file that needs more.
"""
import argparse
import os
import os.path as osp
import re
import sys
from collections import OrderedDict

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401  (repo root on sys.path)
from projects.common.safe_load import safe_load  # noqa: E402

#: Top-level v1 head prefixes that mmdet 3 keeps under ``roi_head``.
ROI_HEAD_PREFIXES = ('bbox_head', 'mask_head', 'bbox_roi_extractor',
                     'mask_roi_extractor', 'semantic_head')
_BBOX_KEY = re.compile(r'^(bbox_head(?:\.\d+)?)\.(fc_cls|fc_reg)\.(weight|bias)$')


def rename_key(key):
    """``bbox_head.*`` -> ``roi_head.bbox_head.*`` (and the other R-CNN heads)."""
    head = key.split('.', 1)[0]
    if head in ROI_HEAD_PREFIXES:
        return 'roi_head.' + key
    return key


def background_last(tensor):
    """Move row 0 (background in mmdet v1) to the end."""
    return torch.cat([tensor[1:], tensor[:1]], dim=0)


def drop_background_regression(tensor, num_cls_channels):
    """Remove the 4 background rows of a class-specific v1 ``fc_reg``.

    A class-agnostic regressor (4 rows, cascade R-CNN) is returned unchanged.
    """
    rows = tensor.size(0)
    if rows == 4:
        return tensor
    if rows != 4 * num_cls_channels:
        raise ValueError(
            f'fc_reg has {rows} output rows; expected 4 (class agnostic) or '
            f'4 * {num_cls_channels} = {4 * num_cls_channels} (class specific, '
            'background first). Is this an mmdet v1 R-CNN checkpoint?')
    return tensor[4:]


def convert_state_dict(state_dict):
    """Convert an official (mmdet v1) ACSL state dict to mmdet 3 names and layout.

    Args:
        state_dict (Mapping[str, Tensor]): The official ``state_dict``.

    Returns:
        OrderedDict: The converted state dict.
    """
    cls_channels = {}
    for key, value in state_dict.items():
        m = _BBOX_KEY.match(key)
        if m and m.group(2) == 'fc_cls' and m.group(3) == 'weight':
            cls_channels[m.group(1)] = value.size(0)
    if not cls_channels:
        raise ValueError(
            'No "bbox_head[.i].fc_cls.weight" key found: this does not look like '
            'an official ACSL (mmdet v1 R-CNN) checkpoint. Keys start with: '
            f'{sorted(state_dict)[:5]}')
    converted = OrderedDict()
    for key, value in state_dict.items():
        m = _BBOX_KEY.match(key)
        if m:
            head, layer = m.group(1), m.group(2)
            if layer == 'fc_cls':
                value = background_last(value)
            else:
                value = drop_background_regression(value, cls_channels[head])
        converted[rename_key(key)] = value
    return converted


def convert(src, dst):
    """Convert the checkpoint file ``src`` and save it to ``dst``."""
    checkpoint = safe_load(src, map_location='cpu')
    state_dict = checkpoint.get('state_dict', checkpoint)
    new = dict(state_dict=convert_state_dict(state_dict),
               meta=dict(converted_from=osp.basename(src),
                         converter='acsl_official_to_mmdet3'))
    if osp.dirname(dst):
        os.makedirs(osp.dirname(dst), exist_ok=True)
    torch.save(new, dst)
    return new


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert an official ACSL (mmdet v1) checkpoint to mmdet 3.')
    parser.add_argument('src', help='official checkpoint (.pth)')
    parser.add_argument('dst', help='output path')
    args = parser.parse_args(argv)
    if not osp.isfile(args.src):
        raise SystemExit(f'Checkpoint {args.src} does not exist.')
    new = convert(args.src, args.dst)
    print(f'Converted {len(new["state_dict"])} tensors to {args.dst}')


if __name__ == '__main__':
    main()
