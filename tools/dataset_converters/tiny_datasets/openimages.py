"""Tiny Open Images (v6-style boxable subset) in the layout of mmdet 3.3's
``configs/_base_/datasets/openimages_detection.py``::

    annotations/class-descriptions-boxable.csv              "<MID>,<Name>" (no header)
    annotations/bbox_labels_600_hierarchy.json              {"LabelName", "Subcategory"}
    annotations/oidv6-train-annotations-bbox.csv            ImageID,Source,LabelName,...
    annotations/validation-annotations-bbox.csv
    annotations/validation-annotations-human-imagelabels-boxable.csv
    annotations/{train,validation}-image-metas.pkl          [{filename, ori_shape}, ...]
    OpenImages/{train,validation}/<16 hex digits>.jpg

11 real boxable classes with their real MIDs: 8 leaves that are drawn (shape x colour
pairs) and 3 parents (Vehicle, Land vehicle, Animal) that only exist through the class
hierarchy, as in Open Images. Boxes are normalised xmin/xmax/ymin/ymax; about one image in
eight has a group-of box around a cluster of small objects of one class. Image-level
labels list the classes present (Confidence 1) and one absent class (Confidence 0).
"""
import csv
import io
import os
import os.path as osp
import pickle

import numpy as np

from .coco import _place
from .common import (dump_json, fill, hsv_to_rgb, make_rng, polygon_mask,
                     save_image, shape_polygons, texture, to_uint8)

VERSION = 'openimages-1'
NUM_IMAGES = dict(train=60, validation=20)
CLASSES = [  # (MID, name, shape, hue, saturation); shape None = parent class only
    ('/m/01g317', 'Person', 'long_rect', 0.02, 0.5),
    ('/m/07yv9', 'Vehicle', None, 0, 0),
    ('/m/01prls', 'Land vehicle', None, 0, 0),
    ('/m/0k4j', 'Car', 'wide_rect', 0.0, 0.9),
    ('/m/0199g', 'Bicycle', 'wheels', 0.33, 0.8),
    ('/m/01bjv', 'Bus', 'hexagon', 0.15, 0.9),
    ('/m/07r04', 'Truck', 'star', 0.48, 0.8),
    ('/m/0cmf2', 'Airplane', 'cross', 0.6, 0.45),
    ('/m/0jbk', 'Animal', None, 0, 0),
    ('/m/0bt9lr', 'Dog', 'triangle', 0.08, 0.9),
    ('/m/01yrx', 'Cat', 'circle', 0.78, 0.7),
]
HIERARCHY = {
    'LabelName': '/m/0bl9f',
    'Subcategory': [
        {'LabelName': '/m/01g317'},
        {'LabelName': '/m/07yv9', 'Subcategory': [
            {'LabelName': '/m/01prls', 'Subcategory': [
                {'LabelName': '/m/0k4j'}, {'LabelName': '/m/0199g'},
                {'LabelName': '/m/01bjv'}, {'LabelName': '/m/07r04'}]},
            {'LabelName': '/m/0cmf2'}]},
        {'LabelName': '/m/0jbk', 'Subcategory': [
            {'LabelName': '/m/0bt9lr'}, {'LabelName': '/m/01yrx'}]},
    ]
}
"""Class hierarchy in the format of bbox_labels_600_hierarchy.json (root = Entity)."""
LEAVES = [c for c in CLASSES if c[2] is not None]
TINY_OPENIMAGES_CLASSES = tuple(c[1] for c in CLASSES)
BOX_HEADER = ['ImageID', 'Source', 'LabelName', 'Confidence', 'XMin', 'XMax',
              'YMin', 'YMax', 'IsOccluded', 'IsTruncated', 'IsGroupOf',
              'IsDepiction', 'IsInside']


def draw_image(rng, w, h):
    bg = hsv_to_rgb(rng.random(), rng.uniform(0.05, 0.3), rng.uniform(0.35, 0.75))
    img = texture(rng, h, w, bg, low=28, high=7, cells=rng.integers(4, 10))
    boxes, rows = [], []
    group = rng.random() < 0.125
    for k in range(int(rng.integers(1, 4))):
        mid, _, shape, hue, sat = LEAVES[int(rng.integers(len(LEAVES)))]
        is_group = group and k == 0
        radius_range = (5, 9) if is_group else (12, 34)

        def make(r, shape=shape, is_group=is_group):
            rad = r.uniform(*radius_range)
            cx, cy = r.uniform(0, w), r.uniform(0, h)
            if not is_group:
                return shape_polygons(shape, cx, cy, rad, r.uniform(-.3, .3)), None
            polys = []
            for dx, dy in ((-1.2, 0), (1.2, 0), (0, 1.3)):
                polys += shape_polygons(shape, cx + dx * rad * 1.2,
                                        cy + dy * rad * 1.2, rad)
            return polys, None

        placed = _place(rng, w, h, boxes, make)
        if placed is None:
            continue
        polys, _, box = placed
        colour = hsv_to_rgb(hue + rng.normal(0, 0.015), sat * rng.uniform(0.8, 1.1),
                            rng.uniform(0.6, 1.0))
        fill(img, polygon_mask(h, w, polys), colour, rng, noise=6, shade=0.3)
        rows.append(dict(mid=mid, box=box, group=int(is_group)))
    return to_uint8(img), rows


def _csv_text(rows, header=None):
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator='\n')
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _write(path, text):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


def generate(root, progress=None):
    ann = osp.join(root, 'annotations')
    _write(osp.join(ann, 'class-descriptions-boxable.csv'),
           _csv_text([(c[0], c[1]) for c in CLASSES]))
    dump_json(osp.join(ann, 'bbox_labels_600_hierarchy.json'), HIERARCHY)
    box_files = dict(train='oidv6-train-annotations-bbox.csv',
                     validation='validation-annotations-bbox.csv')
    for split, n in NUM_IMAGES.items():
        ids = sorted(f'{int(a):016x}' for a in make_rng(
            'openimages', 'ids', split).integers(0, 2**62, n))
        box_rows, label_rows, metas = [], [], []
        for i, img_id in enumerate(ids):
            rng = make_rng('openimages', split, i)
            w, h = (int(v) for v in rng.integers(64, 97, 2) * 2)
            img, rows = draw_image(rng, w, h)
            while not rows:  # mmdet lists only images with boxes
                img, rows = draw_image(rng, w, h)
            rel = f'OpenImages/{split}/{img_id}.jpg'
            save_image(osp.join(root, rel), img)
            metas.append(dict(filename=rel, ori_shape=(h, w, 3)))
            for r in rows:
                x, y, bw, bh = r['box']
                box_rows.append([img_id, 'xclick', r['mid'], 1,
                                 f'{x / w:.6f}', f'{(x + bw) / w:.6f}',
                                 f'{y / h:.6f}', f'{(y + bh) / h:.6f}',
                                 0, 0, r['group'], 0, 0])
            present = sorted({r['mid'] for r in rows})
            label_rows += [[img_id, 'verification', m, 1] for m in present]
            absent = [c[0] for c in LEAVES if c[0] not in present]
            label_rows.append([img_id, 'verification',
                               absent[int(rng.integers(len(absent)))], 0])
            if progress:
                progress(1)
        _write(osp.join(ann, box_files[split]), _csv_text(box_rows, BOX_HEADER))
        with open(osp.join(ann, f'{split}-image-metas.pkl'), 'wb') as f:
            pickle.dump(metas, f, protocol=4)
        if split == 'validation':
            _write(osp.join(
                ann, 'validation-annotations-human-imagelabels-boxable.csv'),
                _csv_text(label_rows,
                          ['ImageID', 'Source', 'LabelName', 'Confidence']))


def num_images():
    return sum(NUM_IMAGES.values())


assert len(np.unique([c[0] for c in CLASSES])) == len(CLASSES)
