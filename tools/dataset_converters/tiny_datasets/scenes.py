"""Tiny multi-object scenes with offline proposals (UniVIP pre-training, spec section 7).

On-disk layout (``UniVIPProposalDataset`` plus ground truth for the probes)::

    train/scene_<5 digits>.png  val/scene_<5 digits>.png     64x64 RGB scenes
    annotations/proposals_train.json   UniVIP proposals JSON (metainfo + data_list)
    annotations/scenes_{train,val}.json  per image: objects [{bbox xyxy, label, area}]

Each scene holds 2-4 non-overlapping objects of 10 classes on a textured background, so
a scene is non-iconic: no single object fills it. The class is the shape alone (the tiny
ImageNet shapes); every object gets a random hue, so colour statistics, which even a
random network pools, do not give the class away. Proposals stand in for selective search: every ground-truth box,
jittered by up to 15 % of its side, plus 2-4 random distractor boxes, in a shuffled
(rank) order. The scene label for the probes is the class with the largest area; the
multi-label target is the set of classes present.
"""
import math
import os.path as osp

import numpy as np

from .common import (dump_json, fill, hsv_to_rgb, make_rng, polygon_mask, round_list,
                     save_image, shape_polygons, texture, to_uint8)
from .imagenet import CLASS_STYLE

VERSION = 'univip-scenes-2'
SIZE = 64
NUM_IMAGES = dict(train=1000, val=300)
NUM_CLASSES = len(CLASS_STYLE)


def _object_mask(shape, cx, cy, radius, angle, size):
    if shape in ('ring', 'crescent'):
        outer = polygon_mask(size, size, shape_polygons('circle', cx, cy, radius))
        if shape == 'ring':
            hole = shape_polygons('circle', cx, cy, radius * 0.55)
        else:
            off = 0.45 * radius
            hole = shape_polygons('circle', cx + off * math.cos(angle),
                                  cy + off * math.sin(angle), radius * 0.85)
        return outer & ~polygon_mask(size, size, hole)
    return polygon_mask(size, size, shape_polygons(shape, cx, cy, radius, angle))


def _overlaps(a, b, margin=1.0):
    return not (a[2] + margin <= b[0] or b[2] + margin <= a[0]
                or a[3] + margin <= b[1] or b[3] + margin <= a[1])


def draw_scene(rng, size=SIZE):
    """One scene: (size, size, 3) uint8 image and its objects (xyxy box, label, area)."""
    bg = hsv_to_rgb(rng.random(), rng.uniform(0.0, 0.3), rng.uniform(0.3, 0.75))
    img = texture(rng, size, size, bg, low=30, high=6, cells=rng.integers(3, 8))
    objects = []
    for _ in range(int(rng.integers(2, 5))):
        label = int(rng.integers(NUM_CLASSES))
        shape = CLASS_STYLE[label][0]
        for _ in range(30):
            radius = rng.uniform(7, 14)
            cx, cy = rng.uniform(radius, size - radius, 2)
            angle = rng.uniform(-0.5, 0.5) if shape in ('arrow', 'triangle') else \
                rng.uniform(0, 2 * math.pi)
            mask = _object_mask(shape, cx, cy, radius, angle, size)
            if mask.sum() < 20:
                continue
            ys, xs = np.nonzero(mask)
            box = [float(xs.min()), float(ys.min()), float(xs.max() + 1),
                   float(ys.max() + 1)]
            if any(_overlaps(box, o['bbox']) for o in objects):
                continue
            colour = hsv_to_rgb(rng.random(), rng.uniform(0.55, 1.0),
                                rng.uniform(0.6, 1.0))
            fill(img, mask, colour, rng, noise=6, shade=0.25)
            objects.append(dict(bbox=box, label=label, area=int(mask.sum())))
            break
    return to_uint8(img), objects


def make_proposals(rng, objects, size=SIZE):
    """Jittered ground-truth boxes plus random distractors, shuffled; xyxy lists."""
    boxes = []
    for obj in objects:
        x1, y1, x2, y2 = obj['bbox']
        w, h = x2 - x1, y2 - y1
        dx1, dy1, dx2, dy2 = rng.uniform(-0.15, 0.15, 4) * [w, h, w, h]
        boxes.append([x1 + dx1, y1 + dy1, x2 + dx2, y2 + dy2])
    for _ in range(int(rng.integers(2, 5))):
        w, h = rng.uniform(10, 32, 2)
        x, y = rng.uniform(0, size - w), rng.uniform(0, size - h)
        boxes.append([x, y, x + w, y + h])
    boxes = np.clip(np.asarray(boxes), 0, size)
    return [round_list(b) for b in boxes[rng.permutation(len(boxes))]]


def generate(root, progress=None):
    proposals = []
    for split, n in NUM_IMAGES.items():
        scenes = []
        for i in range(n):
            rng = make_rng('univip_scenes', split, i)
            img, objects = draw_scene(rng)
            rel = f'scene_{i:05d}.png'
            save_image(osp.join(root, split, rel), img)
            scenes.append(dict(img_path=rel, width=SIZE, height=SIZE,
                               objects=[dict(o, bbox=round_list(o['bbox']))
                                        for o in objects]))
            if split == 'train':
                proposals.append(dict(img_path=rel, width=SIZE, height=SIZE,
                                      proposals=make_proposals(rng, objects)))
            if progress:
                progress(1)
        dump_json(osp.join(root, 'annotations', f'scenes_{split}.json'),
                  dict(metainfo=dict(classes=[s for s, _ in CLASS_STYLE]),
                       data_list=scenes))
    dump_json(osp.join(root, 'annotations', 'proposals_train.json'),
              dict(metainfo=dict(proposal_format='xyxy',
                                 source='jittered ground truth + distractors'),
                   data_list=proposals))


def num_images():
    return sum(NUM_IMAGES.values())
