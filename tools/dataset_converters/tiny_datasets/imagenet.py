"""Tiny ImageNet-format classification set: one coloured shape per 64x64 image.

On-disk layout (mmpretrain ``ImageNet`` with ``split='train'|'val'``)::

    train/<wnid>/<wnid>_<n>.JPEG        meta/train.txt  "<wnid>/<wnid>_<n>.JPEG <label>"
    val/ILSVRC2012_val_<8 digits>.JPEG  meta/val.txt    "ILSVRC2012_val_00000001.JPEG <label>"

Class ``k`` is a fixed shape with a fixed hue (jittered), drawn at a random scale,
position and rotation on a textured background with small grey distractors, so both
shape and colour carry the label.
"""
import math
import os
import os.path as osp

import numpy as np

from .categories import IMAGENET_CLASSES
from .common import (fill, hsv_to_rgb, make_rng, polygon_mask, save_image,
                     shape_polygons, texture, to_uint8)

VERSION = 'imagenet-1'
SIZE = 64
NUM_TRAIN = 40
NUM_VAL = 10
CLASS_STYLE = [  # (shape, hue)
    ('circle', 0.00), ('square', 0.08), ('triangle', 0.16), ('ring', 0.33),
    ('cross', 0.50), ('star', 0.62), ('hexagon', 0.75), ('diamond', 0.87),
    ('arrow', 0.25), ('crescent', 0.56)
]


def draw_sample(rng, label, size=SIZE):
    """Render one image of class ``label`` as an (size, size, 3) uint8 array."""
    shape, hue = CLASS_STYLE[label]
    bg = hsv_to_rgb(rng.random(), rng.uniform(0.0, 0.35), rng.uniform(0.3, 0.8))
    img = texture(rng, size, size, bg, low=30, high=7, cells=rng.integers(3, 9))
    for _ in range(rng.integers(0, 3)):
        kind = str(rng.choice(['circle', 'square', 'triangle']))
        polys = shape_polygons(kind, *rng.uniform(4, size - 4, 2),
                               rng.uniform(3, 7), rng.uniform(0, 2 * math.pi))
        grey = rng.uniform(60, 200)
        fill(img, polygon_mask(size, size, polys), [grey] * 3, rng, noise=5)
    radius = rng.uniform(0.2, 0.42) * size
    cx, cy = rng.uniform(radius * 0.7, size - radius * 0.7, 2)
    angle = rng.uniform(-0.5, 0.5) if shape in ('arrow', 'triangle') else \
        rng.uniform(0, 2 * math.pi)
    colour = hsv_to_rgb(hue + rng.normal(0, 0.02), rng.uniform(0.55, 1.0),
                        rng.uniform(0.6, 1.0))
    if shape in ('ring', 'crescent'):
        outer = polygon_mask(size, size,
                             shape_polygons('circle', cx, cy, radius))
        if shape == 'ring':
            hole = shape_polygons('circle', cx, cy, radius * 0.55)
        else:
            off = 0.45 * radius
            hole = shape_polygons('circle', cx + off * math.cos(angle),
                                  cy + off * math.sin(angle), radius * 0.85)
        mask = outer & ~polygon_mask(size, size, hole)
    else:
        mask = polygon_mask(size, size,
                            shape_polygons(shape, cx, cy, radius, angle))
    fill(img, mask, colour, rng, noise=7, shade=0.25)
    return to_uint8(img)


def generate(root, progress=None):
    """Write the dataset under ``root``; ``progress(n)`` is called per image."""
    train_lines, val_samples = [], []
    for label, (wnid, _) in enumerate(IMAGENET_CLASSES):
        rng_names = make_rng('imagenet', 'names', wnid)
        numbers = sorted(rng_names.choice(np.arange(1, 99999), NUM_TRAIN,
                                          replace=False))
        for i, num in enumerate(numbers):
            rel = f'{wnid}/{wnid}_{num}.JPEG'
            img = draw_sample(make_rng('imagenet', 'train', wnid, i), label)
            save_image(osp.join(root, 'train', rel), img)
            train_lines.append(f'{rel} {label}')
            if progress:
                progress(1)
        val_samples += [(label, i) for i in range(NUM_VAL)]
    order = make_rng('imagenet', 'val-order').permutation(len(val_samples))
    val_lines = []
    for idx, j in enumerate(order, 1):
        label, i = val_samples[j]
        name = f'ILSVRC2012_val_{idx:08d}.JPEG'
        img = draw_sample(
            make_rng('imagenet', 'val', IMAGENET_CLASSES[label][0], i), label)
        save_image(osp.join(root, 'val', name), img)
        val_lines.append(f'{name} {label}')
        if progress:
            progress(1)
    os.makedirs(osp.join(root, 'meta'), exist_ok=True)
    for split, lines in (('train', train_lines), ('val', val_lines)):
        with open(osp.join(root, 'meta', f'{split}.txt'), 'w') as f:
            f.write('\n'.join(lines) + '\n')


def num_images():
    return len(IMAGENET_CLASSES) * (NUM_TRAIN + NUM_VAL)
