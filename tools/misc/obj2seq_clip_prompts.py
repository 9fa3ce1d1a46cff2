"""Make Obj2Seq class prompts: CLIP text embeddings of "a {class name}" (paper Sec. 3.2).

The official prompts (``word_arrays/coco_clip_v2.npy``) are the unnormalised text
features of CLIP ViT-B/32 for "a {name}", one row per class in category-id order,
stored as float16 (80 x 512 for COCO). This script makes the same file from local
CLIP weights; nothing is downloaded, so it needs ``open_clip`` (``pip install
open-clip-torch``) and a ViT-B/32 checkpoint file with OpenAI's weights (open_clip's
``ViT-B-32-quickgelu`` architecture, which the OpenAI weights use).

Example::

    python tools/misc/obj2seq_clip_prompts.py --checkpoint open_clip_vit_b32.bin \
        --out data/coco/obj2seq_clip_prompts.npy

then train with ``model.indicator.prompt_file=data/coco/obj2seq_clip_prompts.npy``
(the full configs' default path).
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import List, Sequence

import numpy as np
import torch


def class_names(ann_file: str = None) -> List[str]:
    """Category names in category-id order: from a COCO-style json, else COCO's 80."""
    if ann_file is None:
        from mmdet.datasets import CocoDataset
        return list(CocoDataset.METAINFO['classes'])
    if not osp.isfile(ann_file):
        raise FileNotFoundError(
            f'--ann {ann_file!r} does not exist; give a COCO-style annotation '
            'json (its "categories" name the classes) or leave --ann out for '
            "COCO's 80 classes.")
    with open(ann_file) as f:
        categories = json.load(f)['categories']
    return [c['name'] for c in sorted(categories, key=lambda c: c['id'])]


def sentences(names: Sequence[str], template: str = 'a {}') -> List[str]:
    """The prompt sentence of each class ("a {name}" in the paper)."""
    if '{}' not in template:
        raise ValueError(f'--template {template!r} needs a {{}} for the class '
                         'name, e.g. "a {}".')
    return [template.format(name) for name in names]


def load_clip(model_name: str, checkpoint: str):
    """(model, tokenizer) of open_clip from a local checkpoint file."""
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(
            f'--checkpoint {checkpoint!r} does not exist. CLIP weights cannot be '
            'downloaded here: copy a ViT-B/32 checkpoint with OpenAI weights '
            '(open_clip format) onto this machine and pass its path, or take the '
            'prompts of a converted official checkpoint '
            '(tools/model_converters/obj2seq2mmvrl.py writes them as '
            '<output>_prompts.npy).')
    try:
        import open_clip
    except ImportError as err:
        raise ImportError(
            f'open_clip is not installed ({err}); install it with '
            '`pip install open-clip-torch` to encode class prompts with CLIP.'
        ) from err
    model = open_clip.create_model(model_name, pretrained=checkpoint)
    return model.eval(), open_clip.get_tokenizer(model_name)


@torch.no_grad()
def encode(model, tokenizer, texts: Sequence[str]) -> np.ndarray:
    """Unnormalised CLIP text features (C, 512) as float16, like the official file."""
    features = model.encode_text(tokenizer(list(texts)))
    return features.float().cpu().numpy().astype(np.float16)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--checkpoint', required=True,
                        help='local CLIP ViT-B/32 weights (open_clip format)')
    parser.add_argument('--out', default='data/coco/obj2seq_clip_prompts.npy')
    parser.add_argument('--ann', default=None,
                        help='COCO-style json naming the classes (default: '
                        "COCO's 80 classes in category-id order)")
    parser.add_argument('--model', default='ViT-B-32-quickgelu',
                        help='open_clip architecture of the checkpoint')
    parser.add_argument('--template', default='a {}')
    args = parser.parse_args(argv)
    try:
        texts = sentences(class_names(args.ann), args.template)
        model, tokenizer = load_clip(args.model, args.checkpoint)
    except (FileNotFoundError, ImportError, ValueError) as err:
        sys.exit(f'obj2seq_clip_prompts: {err}')
    prompts = encode(model, tokenizer, texts)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    np.save(args.out, prompts)
    print(f'{prompts.shape[0]} class prompts of width {prompts.shape[1]} '
          f'written to {args.out}; set model.indicator.prompt_file={args.out} '
          f'model.indicator.prompt_dims={prompts.shape[1]}')


if __name__ == '__main__':
    main()
