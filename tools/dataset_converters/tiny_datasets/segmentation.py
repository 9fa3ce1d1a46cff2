"""Tiny road-scene segmentation sets: Cityscapes, BDD100K, CamVid and COCO-Stuff-164k.

All four share one scene grammar (sky, buildings with windows, walls, fences, trees,
terrain, a road in perspective with lane marks, sidewalks, poles with signs and traffic
lights, cars / trucks / buses, pedestrians and cyclists), rendered at 128x256 (h x w),
with the label map painted from the same masks as the image. Each dataset maps the scene
roles to its real label set and has its own domain style (colour cast, saturation,
brightness, blur, noise, horizon height, object density), so a model trained on one
dataset sees a distribution shift on another, as with the real datasets.

On-disk layouts (mmseg dataset classes):

* cityscapes: ``leftImg8bit/{split}/<city>/<city>_<seq>_<frame>_leftImg8bit.png`` and
  ``gtFine/{split}/<city>/<city>_<seq>_<frame>_gtFine_labelTrainIds.png`` (19 trainIds,
  255 = ignore, the ego-vehicle hood is 255 as in the real trainIds).
* bdd100k: ``images/10k/{split}/<id>.jpg``, ``labels/sem_seg/masks/{split}/<id>.png``.
* camvid: SegNet layout ``{train,val,test}/<seq>_<frame>.png`` and
  ``{train,val,test}annot/<seq>_<frame>.png`` (11 classes, void = 255).
* coco_stuff164k: ``images/{train2017,val2017}/<id>.jpg``,
  ``annotations/{train2017,val2017}/<id>_labelTrainIds.png`` (171-class trainIds).
"""
import os.path as osp

import numpy as np

from .categories import (CAMVID_CLASSES, CITYSCAPES_CLASSES, COCO_STUFF_USED)
from .common import (blur, fill, make_rng, polygon_mask, regular_polygon,
                     save_image, save_label, texture, to_uint8)

VERSION = 'seg-1'
HEIGHT, WIDTH = 128, 256
IGNORE = 255
BASE_COLOUR = {
    'road': (105, 100, 108), 'sidewalk': (175, 160, 150),
    'building': (140, 115, 95), 'wall': (165, 155, 140),
    'fence': (125, 100, 75), 'pole': (75, 75, 80),
    'traffic light': (30, 30, 30), 'traffic sign': (215, 190, 40),
    'vegetation': (60, 125, 45), 'terrain': (150, 165, 85),
    'sky': (135, 175, 225), 'person': (190, 60, 70), 'rider': (60, 70, 190),
    'car': (40, 60, 150), 'truck': (200, 200, 195), 'bus': (225, 170, 30),
    'bicycle': (120, 40, 140), 'motorcycle': (90, 30, 40),
}
"""Base colour of each scene role (before the per-object jitter and dataset style)."""

_CS = {name: i for i, name in enumerate(CITYSCAPES_CLASSES)}
_CV = {name: i for i, name in enumerate(CAMVID_CLASSES)}
_ST = dict(COCO_STUFF_USED)
LABELS = {
    'cityscapes': {role: _CS[role] for role in BASE_COLOUR},
    'bdd100k': {role: _CS[role] for role in BASE_COLOUR},
    'camvid': dict(
        road=_CV['Road'], sidewalk=_CV['Pavement'], building=_CV['Building'],
        wall=_CV['Building'], fence=_CV['Fence'], pole=_CV['Pole'],
        vegetation=_CV['Tree'], terrain=_CV['Tree'], sky=_CV['Sky'],
        person=_CV['Pedestrian'], rider=_CV['Bicyclist'],
        bicycle=_CV['Bicyclist'], motorcycle=_CV['Bicyclist'],
        car=_CV['Car'], truck=_CV['Car'], bus=_CV['Car'],
        **{'traffic light': _CV['SignSymbol'],
           'traffic sign': _CV['SignSymbol']}),
    'coco_stuff164k': dict(
        road=_ST['road'], sidewalk=_ST['pavement'],
        building=_ST['building-other'], wall=_ST['building-other'],
        fence=_ST['fence'], pole=_ST['structural-other'],
        vegetation=_ST['tree'], terrain=_ST['grass'], sky=_ST['sky-other'],
        person=_ST['person'], rider=_ST['person'], bicycle=_ST['bicycle'],
        motorcycle=_ST['motorcycle'], car=_ST['car'], truck=_ST['truck'],
        bus=_ST['bus'], **{'traffic light': _ST['traffic light'],
                           'traffic sign': _ST['stop sign']}),
}
"""Scene role -> label id of each dataset's real label set."""

STYLE = {
    'cityscapes': dict(horizon=(0.40, 0.50), saturation=0.6, gain=(0.95, 1.0, 1.05),
                       brightness=(0.8, 1.0), blur=0.5, noise=3, hood=1.0,
                       cars=(1, 4), void=0.0),
    'bdd100k': dict(horizon=(0.45, 0.55), saturation=1.15, gain=(1.1, 1.0, 0.85),
                    brightness=(0.45, 1.0), blur=0.0, noise=8, hood=0.5,
                    cars=(2, 5), void=0.0),
    'camvid': dict(horizon=(0.35, 0.45), saturation=1.4, gain=(1.05, 1.05, 0.9),
                   brightness=(1.0, 1.2), blur=1.2, noise=4, hood=0.0,
                   cars=(1, 3), void=0.5),
    'coco_stuff164k': dict(horizon=(0.30, 0.60), saturation=1.0, gain=None,
                           brightness=(0.6, 1.2), blur=0.0, noise=10, hood=0.0,
                           cars=(0, 3), void=0.3),
}
"""Domain style of each dataset; ``gain=None`` draws a random colour cast per image."""

NUM_IMAGES = {
    'cityscapes': dict(train=24, val=8),
    'bdd100k': dict(train=24, val=8),
    'camvid': dict(train=24, val=8, test=8),
    'coco_stuff164k': dict(train=24, val=8),
}


class Canvas:
    """An image and its label map painted together, one role mask at a time."""

    def __init__(self, rng, h, w, labels):
        self.rng, self.h, self.w, self.labels = rng, h, w, labels
        self.img = np.zeros((h, w, 3), np.float32)
        self.label = np.full((h, w), IGNORE, np.uint8)

    def colour(self, role, jitter=12.0):
        return np.clip(np.asarray(BASE_COLOUR[role], float) +
                       self.rng.normal(0, jitter, 3), 0, 255)

    def paint(self, mask, role, rgb=None, noise=5.0, shade=0.0, label=True):
        fill(self.img, mask, self.colour(role) if rgb is None else rgb,
             self.rng, noise=noise, shade=shade)
        if label:
            self.label[mask] = self.labels[role]

    def poly(self, polygons):
        return polygon_mask(self.h, self.w, polygons)

    def rect(self, x0, y0, x1, y1):
        x0, x1 = sorted((x0, x1))
        y0, y1 = sorted((y0, y1))
        return self.poly([[(x0, y0), (x1, y0), (x1, y1), (x0, y1)]])

    def disc(self, cx, cy, r, n=14):
        return self.poly([regular_polygon(n) * r + [cx, cy]])


def _buildings(cv, hz):
    rng = cv.rng
    x = -rng.uniform(0, 20)
    while x < cv.w:
        bw = rng.uniform(20, 60)
        if rng.random() > 0.15:
            top = rng.uniform(4, max(6, hz - 10))
            base = cv.colour('building', 25)
            body = cv.rect(x, top, x + bw, hz + 4)
            cv.paint(body, 'building', base, noise=6)
            win = base * rng.uniform(0.45, 0.7)
            for wy in np.arange(top + 4, hz - 4, 8):
                for wx in np.arange(x + 4, x + bw - 5, 9):
                    cv.paint(cv.rect(wx, wy, wx + 4, wy + 4) & body,
                             'building', win, noise=4)
            if rng.random() < 0.3:
                cv.paint(cv.rect(x, hz - rng.uniform(5, 12), x + bw, hz + 4),
                         'wall')
        x += bw


def _trees(cv, hz):
    rng = cv.rng
    for _ in range(rng.integers(1, 4)):
        cx, r = rng.uniform(0, cv.w), rng.uniform(8, 22)
        cy = hz - rng.uniform(4, 22)
        cv.paint(cv.rect(cx - 2, cy, cx + 2, hz + 6), 'vegetation',
                 np.array([80, 60, 40]))
        crown = cv.poly([regular_polygon(14) * [r * 1.1, r] + [cx, cy]])
        cv.paint(crown, 'vegetation', shade=0.3, noise=10)


def _ground(cv, hz):
    """Road in perspective, sidewalks, terrain strips and lane marks."""
    rng, w, h = cv.rng, cv.w, cv.h
    vx = w * rng.uniform(0.4, 0.6)
    xl, xr = w * rng.uniform(-0.1, 0.25), w * rng.uniform(0.75, 1.1)
    for side, x_road in ((-1, xl), (1, xr)):
        x_far = 0 if side < 0 else w
        outer = [(vx + side * 6, hz), (x_far, hz), (x_far, h), (x_road, h)]
        cv.paint(cv.poly([outer]), 'terrain' if rng.random() < 0.4 else
                 'sidewalk', noise=7)
        walk = [(vx + side * 4, hz), (vx + side * 12, hz),
                (x_road + side * w * rng.uniform(0.15, 0.3), h), (x_road, h)]
        cv.paint(cv.poly([walk]), 'sidewalk', noise=7)
    road = cv.poly([[(vx - 4, hz), (vx + 4, hz), (xr, h), (xl, h)]])
    cv.paint(road, 'road', noise=5, shade=-0.15)
    bottom = (xl + xr) / 2
    for t0 in np.arange(0.1, 1.0, 0.2):
        t1 = t0 + 0.1
        pts = [(vx + (bottom - vx) * t, hz + (h - hz) * t) for t in (t0, t1)]
        wd = [0.5 + 2.5 * t for t in (t0, t1)]
        dash = cv.poly([[(pts[0][0] - wd[0], pts[0][1]),
                         (pts[0][0] + wd[0], pts[0][1]),
                         (pts[1][0] + wd[1], pts[1][1]),
                         (pts[1][0] - wd[1], pts[1][1])]])
        cv.paint(dash, 'road', np.array([225, 225, 220]), noise=4)
    return vx, xl, xr


def _road_x(vx, x_edge, hz, h, y):
    return vx + (x_edge - vx) * (y - hz) / max(1.0, h - hz)


def _fence(cv, hz):
    rng = cv.rng
    x0 = rng.uniform(0, cv.w * 0.6)
    x1 = x0 + rng.uniform(30, 90)
    top, bot = hz - rng.uniform(6, 12), hz + 3
    cv.paint(cv.rect(x0, top, x1, top + 2) | cv.rect(x0, bot - 4, x1, bot - 2)
             | np.any([cv.rect(x, top, x + 1.5, bot)
                       for x in np.arange(x0, x1, 5)], 0), 'fence', noise=4)


def _poles(cv, hz, vx, xl, xr):
    rng, h = cv.rng, cv.h
    for _ in range(rng.integers(1, 4)):
        y = rng.uniform(hz + 6, h - 4)
        side_edge = xl if rng.random() < 0.5 else xr
        x = _road_x(vx, side_edge, hz, h, y) + (-6 if side_edge == xl else 6)
        s = (y - hz) / (h - hz)
        top = y - (25 + 70 * s)
        pw = 1.0 + 1.5 * s
        cv.paint(cv.rect(x - pw, top, x + pw, y), 'pole', noise=3)
        size = 4 + 8 * s
        if rng.random() < 0.5:
            tri = [(x, top - size), (x + size, top + size * 0.7),
                   (x - size, top + size * 0.7)]
            cv.paint(cv.poly([tri]), 'traffic sign', noise=5)
        else:
            box = cv.rect(x - size * 0.45, top - size * 1.2, x + size * 0.45,
                          top + size * 0.6)
            cv.paint(box, 'traffic light', noise=3)
            lamp = np.array([220, 40, 30]) if rng.random() < 0.5 else \
                np.array([40, 220, 60])
            cv.paint(cv.disc(x, top - size * 0.3, size * 0.3) & box,
                     'traffic light', lamp, noise=3)


def _vehicle(cv, kind, x, y, s):
    """A car / truck / bus whose bottom centre is (x, y), scale ``s`` in (0, 1]."""
    rng = cv.rng
    if kind == 'car':
        vw, vh = 22 + 70 * s, (22 + 70 * s) * 0.45
        body = cv.colour('car', 40)
    elif kind == 'truck':
        vw, vh = 30 + 80 * s, (30 + 80 * s) * 0.7
        body = cv.colour('truck', 15)
    else:
        vw, vh = 40 + 100 * s, (40 + 100 * s) * 0.5
        body = cv.colour('bus', 25)
    x0, x1, y0 = x - vw / 2, x + vw / 2, y - vh
    if kind == 'car':
        shell = cv.poly([[(x0, y - vh * 0.55), (x0 + vw * 0.2, y0),
                          (x1 - vw * 0.2, y0), (x1, y - vh * 0.55),
                          (x1, y - vh * 0.15), (x0, y - vh * 0.15)]])
        glass = cv.rect(x0 + vw * 0.25, y0 + vh * 0.12, x1 - vw * 0.25,
                        y - vh * 0.6)
    else:
        shell = cv.rect(x0, y0, x1, y - vh * 0.12)
        glass = cv.rect(x0 + vw * 0.05, y0 + vh * 0.12, x1 - vw * 0.05,
                        y0 + vh * 0.35)
    cv.paint(shell, kind, body, shade=0.35)
    cv.paint(glass & shell, kind, np.array([40, 50, 60]) +
             rng.normal(0, 5, 3), noise=4)
    wheel_r = max(1.5, vh * 0.16)
    for wx in (x0 + vw * 0.2, x1 - vw * 0.2):
        cv.paint(cv.disc(wx, y - wheel_r, wheel_r), kind,
                 np.array([20, 20, 20]), noise=3)


def _person(cv, x, y, s, riding=False):
    rng = cv.rng
    ph = 10 + 40 * s
    pw = ph * 0.28
    role = 'rider' if riding else 'person'
    clothes = cv.colour(role, 40)
    if riding:
        r = ph * 0.22
        wheels = cv.disc(x - ph * 0.3, y - r, r) | cv.disc(x + ph * 0.3, y - r, r)
        frame = cv.poly([[(x - ph * 0.3, y - r), (x, y - r * 2.2),
                          (x + ph * 0.3, y - r), (x, y - r * 1.8)]])
        cv.paint(wheels | frame, 'bicycle' if rng.random() < 0.7 else
                 'motorcycle', noise=4)
        y = y - r * 1.6
        ph *= 0.8
    legs = cv.rect(x - pw * 0.4, y - ph * 0.45, x + pw * 0.4, y)
    torso = cv.rect(x - pw * 0.5, y - ph * 0.82, x + pw * 0.5, y - ph * 0.42)
    head = cv.disc(x, y - ph * 0.9, ph * 0.1, n=10)
    cv.paint(legs, role, np.array([45, 45, 60]) + rng.normal(0, 8, 3), 4)
    cv.paint(torso, role, clothes, noise=5)
    cv.paint(head, role, np.array([215, 170, 140]) + rng.normal(0, 10, 3), 3)


def _style(cv, style, rng):
    img = cv.img
    grey = img.mean(2, keepdims=True)
    img = grey + (img - grey) * style['saturation']
    gain = np.array(style['gain']) if style['gain'] is not None else \
        rng.uniform(0.7, 1.3, 3)
    img = img * gain * rng.uniform(*style['brightness'])
    if style['blur']:
        img = blur(img, style['blur'])
    img = img + rng.normal(0, style['noise'], img.shape[:2] + (1, ))
    return to_uint8(img)


def render_scene(rng, dataset, h=HEIGHT, w=WIDTH):
    """Render one (image uint8 (h, w, 3), label uint8 (h, w)) pair for ``dataset``."""
    style = STYLE[dataset]
    cv = Canvas(rng, h, w, LABELS[dataset])
    hz = h * rng.uniform(*style['horizon'])
    sky = texture(rng, h, w, cv.colour('sky', 15), low=12, high=3, cells=3)
    sky += 40 * (np.arange(h)[:, None, None] / max(hz, 1)).clip(0, 1)
    cv.img[:] = sky
    cv.label[:] = cv.labels['sky']
    _buildings(cv, hz)
    _trees(cv, hz)
    vx, xl, xr = _ground(cv, hz)
    if rng.random() < 0.6:
        _fence(cv, hz)
    things = []
    for _ in range(rng.integers(*style['cars']) + 1):
        y = rng.uniform(hz + 8, h + 10)
        kind = rng.choice(['car', 'car', 'car', 'truck', 'bus'])
        things.append((y, 'vehicle', str(kind)))
    for _ in range(rng.integers(0, 4)):
        things.append((rng.uniform(hz + 8, h), 'person', None))
    for y, what, kind in sorted(things, key=lambda t: t[0]):
        s = (y - hz) / (h - hz)
        if what == 'vehicle':
            lane = rng.uniform(0.2, 0.8)
            x = _road_x(vx, xl, hz, h, y) * (1 - lane) + \
                _road_x(vx, xr, hz, h, y) * lane
            _vehicle(cv, kind, x, y, min(s, 1.2))
        else:
            edge = xl if rng.random() < 0.5 else xr
            x = _road_x(vx, edge, hz, h, y) + (-1 if edge == xl else 1) * \
                rng.uniform(4, 20)
            _person(cv, x, y, s, riding=rng.random() < 0.25)
    _poles(cv, hz, vx, xl, xr)
    if rng.random() < style['hood']:
        top = h * rng.uniform(0.88, 0.94)
        hood = cv.poly([[(-5, h + 2), (-5, top + 6), (w * 0.3, top),
                         (w * 0.7, top), (w + 5, top + 6), (w + 5, h + 2)]])
        fill(cv.img, hood, np.array([25, 25, 30]), rng, noise=3, shade=-0.5)
        cv.label[hood] = IGNORE
    if rng.random() < style['void']:
        for _ in range(rng.integers(1, 4)):
            blob = cv.disc(*rng.uniform([0, hz], [w, h]), rng.uniform(3, 8))
            cv.label[blob] = IGNORE
    return _style(cv, style, rng), cv.label


def _names(dataset, split, n):
    rng = make_rng(dataset, 'names', split)
    if dataset == 'cityscapes':
        cities = dict(train=['aachen', 'bochum', 'bremen'],
                      val=['frankfurt', 'lindau', 'munster'])[split]
        return [f'{cities[i % 3]}/{cities[i % 3]}_{i // 3:06d}_'
                f'{int(rng.integers(0, 80)) * 250 + 19:06d}' for i in range(n)]
    if dataset == 'bdd100k':
        return [f'{int(a):08x}-{int(b):08x}'
                for a, b in rng.integers(0, 2**32, (n, 2))]
    if dataset == 'camvid':
        seq = dict(train='0001TP', val='0016E5', test='Seq05VD')[split]
        frames = np.sort(rng.choice(np.arange(10000), n, replace=False))
        if split == 'test':
            return [f'{seq}_f{int(f):05d}' for f in frames]
        return [f'{seq}_{int(f) + 6000:06d}' for f in frames]
    ids = np.sort(rng.choice(np.arange(1, 581930), n, replace=False))
    return [f'{int(i):012d}' for i in ids]


def _paths(dataset, split, name):
    """(image path, label path) relative to the dataset root."""
    if dataset == 'cityscapes':
        return (f'leftImg8bit/{split}/{name}_leftImg8bit.png',
                f'gtFine/{split}/{name}_gtFine_labelTrainIds.png')
    if dataset == 'bdd100k':
        return (f'images/10k/{split}/{name}.jpg',
                f'labels/sem_seg/masks/{split}/{name}.png')
    if dataset == 'camvid':
        return f'{split}/{name}.png', f'{split}annot/{name}.png'
    return (f'images/{split}2017/{name}.jpg',
            f'annotations/{split}2017/{name}_labelTrainIds.png')


def generate(dataset, root, progress=None):
    if dataset not in STYLE:
        raise KeyError(f'unknown segmentation dataset {dataset!r}; choose one '
                       f'of {sorted(STYLE)}')
    for split, n in NUM_IMAGES[dataset].items():
        for i, name in enumerate(_names(dataset, split, n)):
            img, label = render_scene(make_rng(dataset, split, i), dataset)
            img_path, seg_path = _paths(dataset, split, name)
            save_image(osp.join(root, img_path), img, quality=90)
            save_label(osp.join(root, seg_path), label)
            if progress:
                progress(1)


def num_images(dataset):
    return sum(NUM_IMAGES[dataset].values())
