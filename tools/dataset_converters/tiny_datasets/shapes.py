"""Tiny shape-scene set with per-pixel labels: coloured shapes on cluttered 32x32 scenes.

Each image holds one large shape (its class is the image label) and up to two smaller
shapes of other classes on a textured background with grey clutter; the label map marks
every pixel with the class of the shape drawn there (0 = background). The hue of a shape
only narrows its class to about two neighbours (class hue +- 0.15, classes 1/6 apart), so
a pixel's class is decided by the outline of the shape it belongs to, which a 4x4 patch
cannot see alone: context is needed.

On-disk layout (mmseg custom-dataset layout, ``BaseSegDataset`` with ``img_suffix='.png'``
and ``seg_map_suffix='.png'``, plus mmpretrain ``CustomDataset`` class lists)::

    img_dir/{train,val}/shapes_<split>_<n>.png   RGB 32x32
    ann_dir/{train,val}/shapes_<split>_<n>.png   uint8 label map, 0 background, 1..6 shapes
    meta/{train,val}.txt                         "shapes_<split>_<n>.png <label - 1>"
"""
import math
import os
import os.path as osp

import numpy as np

from .common import (fill, hsv_to_rgb, make_rng, polygon_mask, save_image,
                     save_label, shape_polygons, texture, to_uint8)

VERSION = 'shapes-1'
SIZE = 32
NUM_IMAGES = {'train': 400, 'val': 100}
SHAPES = ('circle', 'square', 'triangle', 'star', 'cross', 'hexagon')
"""Shape classes; label-map value ``k + 1`` and image label ``k`` for ``SHAPES[k]``."""
SEG_CLASSES = ('background', ) + SHAPES


def draw_scene(rng, label, size=SIZE):
    """Render one scene whose large shape is ``SHAPES[label]``.

    Returns:
        tuple: (size, size, 3) uint8 image and (size, size) uint8 label map.
    """
    bg = hsv_to_rgb(rng.random(), rng.uniform(0.0, 0.3), rng.uniform(0.3, 0.75))
    img = texture(rng, size, size, bg, low=30, high=6, cells=int(rng.integers(2, 6)))
    seg = np.zeros((size, size), np.uint8)
    for _ in range(int(rng.integers(1, 4))):  # grey clutter, background class
        polys = shape_polygons(str(rng.choice(['circle', 'square'])),
                               *rng.uniform(0, size, 2), rng.uniform(1.5, 3.0),
                               rng.uniform(0, 2 * math.pi))
        fill(img, polygon_mask(size, size, polys), [rng.uniform(40, 220)] * 3, rng, noise=4)
    others = [k for k in range(len(SHAPES)) if k != label]
    small = [int(k) for k in rng.choice(others, int(rng.integers(0, 3)), replace=False)]
    # the large shape first, the small ones drawn over it where they overlap
    for k, (low, high) in [(label, (8.0, 12.0))] + [(k, (4.0, 6.5)) for k in small]:
        radius = rng.uniform(low, high)
        cx, cy = rng.uniform(radius * 0.6, size - radius * 0.6, 2)
        mask = polygon_mask(size, size, shape_polygons(
            SHAPES[k], cx, cy, radius, rng.uniform(0, 2 * math.pi)))
        hue = k / len(SHAPES) + rng.uniform(-0.15, 0.15)
        colour = hsv_to_rgb(hue, rng.uniform(0.55, 1.0), rng.uniform(0.6, 1.0))
        fill(img, mask, colour, rng, noise=6, shade=0.2)
        seg[mask] = k + 1
    return to_uint8(img), seg


def generate(root, progress=None):
    """Write the dataset under ``root``; ``progress(n)`` is called per image."""
    os.makedirs(osp.join(root, 'meta'), exist_ok=True)
    for split, num in NUM_IMAGES.items():
        lines = []
        for i in range(num):
            label = i % len(SHAPES)
            img, seg = draw_scene(make_rng('shapes', split, i), label)
            name = f'shapes_{split}_{i:05d}.png'
            save_image(osp.join(root, 'img_dir', split, name), img)
            save_label(osp.join(root, 'ann_dir', split, name), seg)
            lines.append(f'{name} {label}')
            if progress:
                progress(1)
        with open(osp.join(root, 'meta', f'{split}.txt'), 'w') as f:
            f.write('\n'.join(lines) + '\n')


def num_images():
    return sum(NUM_IMAGES.values())
