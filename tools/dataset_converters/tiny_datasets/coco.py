"""Tiny COCO 2017: detection + instance masks and person keypoints in one root.

On-disk layout (mmdet ``CocoDataset``)::

    annotations/instances_{train,val}2017.json          all 80 categories, 8 used
    annotations/person_keypoints_{train,val}2017.json   category person with 17 keypoints
    train2017/000000xxxxxx.jpg  val2017/000000xxxxxx.jpg

Each image (128-192 px a side, textured background) holds 1-4 non-overlapping objects of
the first 8 categories. Persons are stick figures (head, torso, arms, legs) whose 17 COCO
keypoints are the drawn joints; front-facing figures show a face (eyes, nose) and have
their left side on the image right, back-facing ones show hair and have it on the image
left, so left/right is decidable from appearance and survives a flip with a left/right
swap. The other 7 classes are distinct shape + colour pairs. Boxes, areas and polygon
segmentations are computed from the same polygons that are drawn.
"""
import math
import os.path as osp

import numpy as np

from .categories import COCO_CATEGORIES, COCO_KEYPOINTS, COCO_SKELETON
from .common import (boxes_overlap, coco_polygons, dump_json, fill,
                     hsv_to_rgb, make_rng, polygon_mask, polygons_bbox,
                     regular_polygon, round_list, save_image, shape_polygons,
                     texture, to_uint8)

VERSION = 'coco-2'
NUM_IMAGES = dict(train=64, val=24)
OBJECT_STYLE = {  # category id -> (shape, hue, saturation)
    2: ('wheels', 0.33, 0.8),
    3: ('wide_rect', 0.00, 0.85),
    4: ('triangle', 0.08, 0.9),
    5: ('cross', 0.58, 0.45),
    6: ('hexagon', 0.15, 0.9),
    7: ('long_rect', 0.78, 0.7),
    8: ('star', 0.48, 0.8),
}
TINY_COCO_CLASSES = ('person', 'bicycle', 'car', 'motorcycle', 'airplane',
                     'bus', 'train', 'truck')
KP = {name: i for i, name in enumerate(COCO_KEYPOINTS)}
LIMBS = [  # (from joint, to joint) drawn as thick segments
    ('left_shoulder', 'left_elbow'), ('left_elbow', 'left_wrist'),
    ('right_shoulder', 'right_elbow'), ('right_elbow', 'right_wrist'),
    ('left_hip', 'left_knee'), ('left_knee', 'left_ankle'),
    ('right_hip', 'right_knee'), ('right_knee', 'right_ankle'),
]
OCCLUDABLE = {  # joint -> joints hidden with it (limbs ending there are not drawn)
    'left_elbow': ('left_elbow', 'left_wrist'),
    'right_elbow': ('right_elbow', 'right_wrist'),
    'left_wrist': ('left_wrist', ),
    'right_wrist': ('right_wrist', ),
    'left_knee': ('left_knee', 'left_ankle'),
    'right_knee': ('right_knee', 'right_ankle'),
    'left_ankle': ('left_ankle', ),
    'right_ankle': ('right_ankle', ),
}


def _segment_quad(p, q, half_width):
    p, q = np.asarray(p, float), np.asarray(q, float)
    d = q - p
    d = d / max(np.linalg.norm(d), 1e-6)
    n = np.array([-d[1], d[0]]) * half_width
    p, q = p - d * half_width * 0.5, q + d * half_width * 0.5
    return np.stack([p + n, q + n, q - n, p - n])


def stick_figure(rng, height):
    """A random stick-figure pose, origin at the hip centre, in pixels.

    Returns:
        dict: ``joints`` (17, 2), ``visible`` (17,) COCO flags, ``front`` (bool),
        ``limbs`` (list of joint-name pairs to draw), ``u`` (unit length),
        ``head`` (centre, radius).
    """
    u = height / 1.45
    front = bool(rng.random() < 0.6)
    joints = np.zeros((17, 2))
    vis = np.full(17, 2)
    for side_name in ('left', 'right'):
        # Person's left is on the image right when the figure faces the camera.
        side = 1.0 if (side_name == 'left') == front else -1.0
        sh = np.array([side * 0.16 * u, -0.62 * u])
        a1 = rng.uniform(-0.2, 2.6)
        a2 = a1 + rng.uniform(-1.2, 1.2)
        el = sh + 0.26 * u * np.array([side * math.sin(a1), math.cos(a1)])
        wr = el + 0.24 * u * np.array([side * math.sin(a2), math.cos(a2)])
        hip = np.array([side * 0.09 * u, 0.0])
        b1 = rng.uniform(-0.1, 0.6)
        b2 = b1 + rng.uniform(-0.5, 0.3)
        kn = hip + 0.26 * u * np.array([side * math.sin(b1), math.cos(b1)])
        an = kn + 0.26 * u * np.array([side * math.sin(b2), math.cos(b2)])
        for part, xy in (('shoulder', sh), ('elbow', el), ('wrist', wr),
                         ('hip', hip), ('knee', kn), ('ankle', an)):
            joints[KP[f'{side_name}_{part}']] = xy
        joints[KP[f'{side_name}_eye']] = (side * 0.04 * u, -0.86 * u)
        joints[KP[f'{side_name}_ear']] = (side * 0.115 * u, -0.83 * u)
    joints[KP['nose']] = (0.0, -0.80 * u)
    if not front:
        vis[[KP['nose'], KP['left_eye'], KP['right_eye']]] = 0
    else:
        for ear in ('left_ear', 'right_ear'):
            if rng.random() < 0.25:
                vis[KP[ear]] = 0
    fig = dict(joints=joints, visible=vis, front=front, limbs=list(LIMBS),
               u=u, head=(np.array([0.0, -0.83 * u]), 0.1 * u))
    if rng.random() < 0.35:
        # Hide a limb (labelled, not visible: v=1) only where the hidden joints stay
        # inside the box of what is drawn, as an occluded joint of a real person does.
        for name in rng.permutation(sorted(OCCLUDABLE)):
            hidden = OCCLUDABLE[str(name)]
            limbs = [lb for lb in LIMBS if lb[1] not in hidden]
            parts = figure_parts(dict(fig, limbs=limbs), np.zeros(2))
            pts = np.concatenate(sum(parts.values(), []))
            inside = joints[[KP[n] for n in hidden]]
            if ((inside >= pts.min(0)) & (inside <= pts.max(0))).all():
                fig['limbs'] = limbs
                vis[[KP[n] for n in hidden]] = 1
                break
    return fig


def figure_parts(fig, origin):
    """Polygons of a placed stick figure, grouped by what colour they get."""
    j = fig['joints'] + origin
    u = fig['u']
    t = max(1.6, 0.045 * u)
    body = [_segment_quad(j[KP[a]], j[KP[b]], t) for a, b in fig['limbs']]
    ls, rs = j[KP['left_shoulder']], j[KP['right_shoulder']]
    lh, rh = j[KP['left_hip']], j[KP['right_hip']]
    body.append(np.stack([ls, rs, rh, lh]))
    centre, radius = fig['head'][0] + origin, fig['head'][1]
    body.append(_segment_quad((ls + rs) / 2, centre, t))
    head = [regular_polygon(16) * radius + centre]
    ears = [regular_polygon(8) * 0.035 * u + j[KP[n]]
            for n in ('left_ear', 'right_ear')]
    return dict(body=body, head=head, ears=ears)


def _place(rng, w, h, boxes, make, tries=40):
    """Sample an object with ``make(rng)`` -> (polygons, payload) until its box fits."""
    for _ in range(tries):
        polys, payload = make(rng)
        pts = np.concatenate(polys)
        if pts.min() < 1 or pts[:, 0].max() > w - 2 or pts[:, 1].max() > h - 2:
            continue
        box = polygons_bbox(polys, w, h)
        if any(boxes_overlap(box, b) for b in boxes):
            continue
        boxes.append(box)
        return polys, payload, box
    return None


def draw_image(rng, w, h, with_persons=True):
    """Render one image; returns (uint8 image, list of object dicts)."""
    bg = hsv_to_rgb(rng.random(), rng.uniform(0.05, 0.35),
                    rng.uniform(0.35, 0.75))
    img = texture(rng, h, w, bg, low=30, high=7, cells=rng.integers(4, 10))
    n_person = int(rng.choice([1, 2, 3], p=[0.5, 0.35, 0.15])) \
        if with_persons and rng.random() < 0.75 else 0
    n_other = int(rng.integers(0 if n_person else 1, 4 - n_person + 1))
    objects, boxes = [], []

    def make_person(r):
        height = r.uniform(50, min(125, h - 6))
        fig = stick_figure(r, height)
        origin = np.array([r.uniform(0, w), r.uniform(0, h)])
        parts = figure_parts(fig, origin)
        polys = parts['body'] + parts['head'] + parts['ears']
        return polys, (fig, origin, parts)

    for _ in range(n_person):
        placed = _place(rng, w, h, boxes, make_person)
        if placed is None:
            continue
        polys, (fig, origin, parts), box = placed
        shirt = hsv_to_rgb(rng.random(), rng.uniform(0.5, 0.9),
                           rng.uniform(0.5, 0.95))
        skin = hsv_to_rgb(rng.uniform(0.03, 0.1), rng.uniform(0.3, 0.6),
                          rng.uniform(0.55, 0.95))
        fill(img, polygon_mask(h, w, parts['body']), shirt, rng, noise=5)
        fill(img, polygon_mask(h, w, parts['ears']), skin * 0.85, rng, 3)
        head_mask = polygon_mask(h, w, parts['head'])
        centre, radius = fig['head'][0] + origin, fig['head'][1]
        if fig['front']:
            fill(img, head_mask, skin, rng, noise=3)
            cap = head_mask & (np.arange(h)[:, None] < centre[1] - 0.5 * radius)
            fill(img, cap, [50, 35, 25], rng, noise=3)
            joints = fig['joints'] + origin
            for name, rgb, r in (('left_eye', [20, 20, 20], 0.22),
                                 ('right_eye', [20, 20, 20], 0.22),
                                 ('nose', [150, 60, 50], 0.2)):
                dot = regular_polygon(8) * max(0.8, r * radius) + \
                    joints[KP[name]]
                fill(img, polygon_mask(h, w, [dot]) & head_mask, rgb, rng, 2)
        else:
            fill(img, head_mask, [50, 35, 25], rng, noise=4)
        joints = fig['joints'] + origin
        kps = []
        for k in range(17):
            v = int(fig['visible'][k])
            kps += (round_list(joints[k]) + [v]) if v else [0, 0, 0]
        objects.append(dict(category_id=1, polygons=polys, bbox=box,
                            mask=polygon_mask(h, w, polys), keypoints=kps,
                            num_keypoints=int((fig['visible'] > 0).sum())))
    for _ in range(n_other):
        cat = int(rng.integers(2, 9))
        shape, hue, sat = OBJECT_STYLE[cat]

        def make_shape(r, shape=shape):
            radius = r.uniform(12, 38)
            angle = r.uniform(-0.2, 0.2) if 'rect' in shape or \
                shape == 'wheels' else r.uniform(-0.5, 0.5)
            return shape_polygons(shape, r.uniform(0, w), r.uniform(0, h),
                                  radius, angle), None

        placed = _place(rng, w, h, boxes, make_shape)
        if placed is None:
            continue
        polys, _, box = placed
        mask = polygon_mask(h, w, polys)
        colour = hsv_to_rgb(hue + rng.normal(0, 0.015),
                            sat * rng.uniform(0.8, 1.1), rng.uniform(0.6, 1.0))
        fill(img, mask, colour, rng, noise=6, shade=0.3)
        objects.append(dict(category_id=cat, polygons=polys, bbox=box,
                            mask=mask))
    return to_uint8(img), objects


def _image_ids(total):
    ids = make_rng('coco', 'image-ids').choice(
        np.arange(1, 581930), total, replace=False)
    return [int(i) for i in ids]


def generate(root, progress=None, num_images=None):
    """Write the set under ``root``; ``num_images`` (``{'train': n, 'val': m}``, default
    :data:`NUM_IMAGES`) makes a larger one whose first images are the tiny set's (each
    image is drawn from its own split and index)."""
    num_images = dict(num_images or NUM_IMAGES)
    ids = _image_ids(sum(num_images.values()))
    offset, ann_id = 0, 1
    for split, n in num_images.items():
        images, inst_anns, kp_anns = [], [], []
        for i, img_id in enumerate(sorted(ids[offset:offset + n])):
            rng = make_rng('coco', split, i)
            w, h = (int(v) for v in rng.integers(64, 97, 2) * 2)
            img, objects = draw_image(rng, w, h)
            file_name = f'{img_id:012d}.jpg'
            save_image(osp.join(root, f'{split}2017', file_name), img)
            images.append(dict(
                license=1, file_name=file_name,
                coco_url=f'http://images.cocodataset.org/{split}2017/'
                f'{file_name}', height=h, width=w,
                date_captured='2013-11-14 16:28:13', flickr_url='',
                id=img_id))
            for obj in objects:
                ann = dict(segmentation=coco_polygons(obj['polygons']),
                           area=float(obj['mask'].sum()), iscrowd=0,
                           image_id=img_id, bbox=round_list(obj['bbox']),
                           category_id=obj['category_id'], id=ann_id)
                ann_id += 1
                inst_anns.append(ann)
                if obj['category_id'] == 1:
                    kp_anns.append(dict(ann, keypoints=obj['keypoints'],
                                        num_keypoints=obj['num_keypoints']))
            if progress:
                progress(1)
        offset += n
        header = dict(
            info=dict(description='Tiny synthetic COCO-format dataset',
                      version='1.0', year=2017),
            licenses=[dict(id=1, name='CC BY 4.0', url='')], images=images)
        dump_json(
            osp.join(root, 'annotations', f'instances_{split}2017.json'),
            dict(header, annotations=inst_anns, categories=COCO_CATEGORIES))
        person = dict(COCO_CATEGORIES[0], keypoints=COCO_KEYPOINTS,
                      skeleton=COCO_SKELETON)
        dump_json(
            osp.join(root, 'annotations',
                     f'person_keypoints_{split}2017.json'),
            dict(header, annotations=kp_anns, categories=[person]))


def num_images():
    return sum(NUM_IMAGES.values())
