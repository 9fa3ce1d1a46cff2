"""Tiny LVIS v0.5 / v1: 30 shape x colour categories with a long-tailed train split.

On-disk layout (mmdet ``LVISV05Dataset`` / ``LVISV1Dataset``)::

    lvis_v0.5/annotations/lvis_v0.5_{train,val}.json   images have file_name + coco_url
    lvis_v1/annotations/lvis_v1_{train,val}.json       images have coco_url only
    <root>/train2017/000000xxxxxx.jpg  <root>/val2017/000000xxxxxx.jpg

Both versions hold the same images and instances (only the json flavour differs).
Category k (ids 1..30, contiguous as in LVIS) is shape ``SHAPES[k % 6]`` in colour
``HUES[k // 6]``, so every class, rare ones included, is visually distinct. Train image
counts follow a designed long tail (10 frequent, 10 common, 10 rare classes with 1-3
images); ``frequency`` is derived from the real counts with LVIS's thresholds scaled
down (r: <= 3 images, c: 4-12, f: >= 13, instead of <= 10, 11-100, > 100). Every val
image lists ``neg_category_ids`` and ``not_exhaustive_category_ids``, and the val split
contains every category, so APr/APc/APf are all defined.
"""
import os.path as osp

import numpy as np

from .categories import LVIS_CATEGORIES
from .coco import _place
from .common import (coco_polygons, dump_json, fill, hsv_to_rgb, make_rng,
                     polygon_mask, round_list, save_image, shape_polygons,
                     texture, to_uint8)

VERSION = 'lvis-1'
NUM_IMAGES = dict(train=120, val=40)
SHAPES = ('circle', 'square', 'triangle', 'cross', 'star', 'hexagon')
HUES = ((0.0, 0.85), (0.33, 0.8), (0.62, 0.85), (0.15, 0.9), (0.83, 0.7))
TRAIN_IMAGE_COUNTS = (40, 34, 30, 27, 25, 23, 21, 20, 18, 17,  # frequent
                      12, 11, 10, 9, 9, 8, 8, 7, 7, 6,  # common
                      3, 3, 2, 2, 2, 1, 1, 1, 1, 1)  # rare
"""Designed number of train images per tail rank (rank -> category via a fixed shuffle)."""
RARE_MAX, COMMON_MAX = 3, 12
MAX_PER_IMAGE = 4
TINY_LVIS_CLASSES = tuple(name for name, _, _ in LVIS_CATEGORIES)


def frequency_of(image_count):
    """LVIS frequency letter for a train image count, with the tiny thresholds."""
    if image_count <= RARE_MAX:
        return 'r'
    return 'c' if image_count <= COMMON_MAX else 'f'


def _assign_train(rng, n_images):
    """Per-image list of category indices with the designed long-tailed counts."""
    rank_to_cat = make_rng('lvis', 'ranks').permutation(len(LVIS_CATEGORIES))
    per_image = [[] for _ in range(n_images)]
    for rank in reversed(range(len(TRAIN_IMAGE_COUNTS))):
        cat = int(rank_to_cat[rank])
        load = np.array([len(c) for c in per_image], float)
        free = np.nonzero(load < MAX_PER_IMAGE)[0]
        key = load[free] + rng.random(len(free))
        for i in free[np.argsort(key)][:TRAIN_IMAGE_COUNTS[rank]]:
            per_image[i].append(cat)
    frequent = [int(c) for c in rank_to_cat[:10]]
    for cats in per_image:
        if not cats:
            cats.append(int(rng.choice(frequent)))
    return per_image


def _assign_val(rng, n_images):
    """Per-image category lists where every category appears at least once."""
    per_image = [[] for _ in range(n_images)]
    for cat in range(len(LVIS_CATEGORIES)):
        per_image[cat % n_images].append(cat)
    for cats in per_image:
        for _ in range(int(rng.integers(0, 3))):
            cat = int(rng.integers(len(LVIS_CATEGORIES)))
            if cat not in cats and len(cats) < MAX_PER_IMAGE:
                cats.append(cat)
    order = rng.permutation(n_images)
    return [per_image[i] for i in order]


def category_style(cat):
    hue, sat = HUES[cat // len(SHAPES)]
    return SHAPES[cat % len(SHAPES)], hue, sat


def draw_image(rng, w, h, cats):
    """Render the categories ``cats`` (rarest first gets placed first)."""
    bg = hsv_to_rgb(rng.random(), rng.uniform(0.0, 0.25),
                    rng.uniform(0.3, 0.7))
    img = texture(rng, h, w, bg, low=28, high=7, cells=rng.integers(4, 10))
    objects, boxes = [], []
    for cat in cats:
        copies = 2 if rng.random() < 0.25 else 1
        shape, hue, sat = category_style(cat)
        for _ in range(copies):
            def make(r):
                radius = r.uniform(10, 30)
                return shape_polygons(shape, r.uniform(0, w), r.uniform(0, h),
                                      radius, r.uniform(-0.4, 0.4)), None

            placed = _place(rng, w, h, boxes, make, tries=60)
            if placed is None:
                continue
            polys, _, box = placed
            mask = polygon_mask(h, w, polys)
            colour = hsv_to_rgb(hue + rng.normal(0, 0.012),
                                sat * rng.uniform(0.85, 1.1),
                                rng.uniform(0.65, 1.0))
            fill(img, mask, colour, rng, noise=6, shade=0.25)
            objects.append(dict(cat=cat, polygons=polys, bbox=box, mask=mask))
    return to_uint8(img), objects


def build(progress=None):
    """Render the shared images/instances once; returns per-split records."""
    ids = make_rng('lvis', 'image-ids').choice(
        np.arange(1, 581930), sum(NUM_IMAGES.values()), replace=False)
    splits, offset = {}, 0
    for split, n in NUM_IMAGES.items():
        rng = make_rng('lvis', 'assign', split)
        assign = _assign_train(rng, n) if split == 'train' else \
            _assign_val(rng, n)
        records = []
        for i, img_id in enumerate(sorted(int(v) for v in ids[offset:offset + n])):
            r = make_rng('lvis', split, i)
            w, h = (int(v) for v in r.integers(64, 81, 2) * 2)
            img, objects = draw_image(r, w, h, assign[i])
            present = sorted({o['cat'] for o in objects})
            absent = [c for c in range(len(LVIS_CATEGORIES)) if c not in present]
            neg = sorted(int(c) for c in r.choice(
                absent, size=max(1, len(absent) // 2), replace=False))
            not_exh = [int(r.choice(present))] if present and \
                r.random() < 0.1 else []
            records.append(dict(id=img_id, img=img, width=w, height=h,
                                objects=objects, neg=neg, not_exh=not_exh))
            if progress:
                progress(1)
        splits[split] = records
        offset += n
    return splits


def categories(train_records):
    image_count = np.zeros(len(LVIS_CATEGORIES), int)
    instance_count = np.zeros(len(LVIS_CATEGORIES), int)
    for rec in train_records:
        cats = [o['cat'] for o in rec['objects']]
        for c in set(cats):
            image_count[c] += 1
        for c in cats:
            instance_count[c] += 1
    out = []
    for k, (name, synset, definition) in enumerate(LVIS_CATEGORIES):
        out.append({
            'id': k + 1, 'name': name, 'synset': synset, 'synonyms': [name],
            'def': definition,
            'frequency': frequency_of(int(image_count[k])),
            'image_count': int(image_count[k]),
            'instance_count': int(instance_count[k])})
    return out


def write(root, splits, version):
    """Write one LVIS flavour (``'v0.5'`` or ``'v1'``) of the rendered records."""
    cats = categories(splits['train'])
    ann_id = 1
    for split, records in splits.items():
        images, anns = [], []
        for rec in records:
            file_name = f'{rec["id"]:012d}.jpg'
            save_image(osp.join(root, f'{split}2017', file_name), rec['img'])
            info = dict(
                id=rec['id'], width=rec['width'], height=rec['height'],
                coco_url=f'http://images.cocodataset.org/{split}2017/'
                f'{file_name}', flickr_url='', license=1,
                date_captured='2013-11-14 16:28:13',
                neg_category_ids=[c + 1 for c in rec['neg']],
                not_exhaustive_category_ids=[c + 1 for c in rec['not_exh']])
            if version == 'v0.5':
                info['file_name'] = file_name
            images.append(info)
            for obj in rec['objects']:
                anns.append(dict(
                    id=ann_id, image_id=rec['id'], category_id=obj['cat'] + 1,
                    segmentation=coco_polygons(obj['polygons']),
                    area=float(obj['mask'].sum()),
                    bbox=round_list(obj['bbox'])))
                ann_id += 1
        tag = 'v0.5' if version == 'v0.5' else 'v1'
        dump_json(
            osp.join(root, 'annotations', f'lvis_{tag}_{split}.json'),
            dict(info=dict(description=f'Tiny synthetic LVIS {tag}',
                           version=tag[1:], year=2019),
                 licenses=[dict(id=1, name='CC BY 4.0', url='')],
                 images=images, annotations=anns, categories=cats))


def generate_v05(root, progress=None):
    write(root, build(progress), 'v0.5')


def generate_v1(root, progress=None):
    write(root, build(progress), 'v1')


def num_images():
    return sum(NUM_IMAGES.values())


assert len(TRAIN_IMAGE_COUNTS) == len(LVIS_CATEGORIES) == \
    len(SHAPES) * len(HUES), 'LVIS grid and tail must cover all 30 categories'
