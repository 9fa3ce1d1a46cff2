"""Shared pieces of the tiny-dataset generator: seeding, atomic output folders, textures,
shape polygons and file writers.

Everything here is deterministic: every random draw comes from a generator seeded by a
hash of string keys (dataset, split, image index), so the same command writes the same
bytes on every run and the images do not depend on the order they are generated in.
Only numpy and Pillow are used (no OpenCV), so drawing and encoding are reproducible.
"""
import colorsys
import hashlib
import json
import math
import os
import os.path as osp
import shutil

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

MARKER = '.tiny_complete'


def make_rng(*keys):
    """A numpy Generator seeded by the SHA-256 of the joined ``keys``."""
    digest = hashlib.sha256('/'.join(str(k) for k in keys).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], 'little'))


def hsv_to_rgb(h, s, v):
    """HSV in [0, 1] (hue wraps) to an RGB float array in [0, 255]."""
    return np.array(colorsys.hsv_to_rgb(h % 1.0, s, v)) * 255.0


def smooth_noise(rng, h, w, cells, channels=1):
    """Low-frequency noise in about [-1, 1]: a coarse random grid resized bicubically.

    Args:
        cells (int): grid cells along the longer side (larger = finer blobs).
    """
    gh = max(2, int(round(cells * h / max(h, w))) + 1)
    gw = max(2, int(round(cells * w / max(h, w))) + 1)
    out = np.empty((h, w, channels), np.float32)
    for c in range(channels):
        grid = rng.normal(0, 1, (gh, gw)).astype(np.float32)
        out[..., c] = np.asarray(
            Image.fromarray(grid, mode='F').resize((w, h), Image.BICUBIC))
    return out


def texture(rng, h, w, base_rgb, low=25.0, high=8.0, cells=6, tint=0.3):
    """A textured background: base colour + coloured low-frequency blobs + pixel noise."""
    lum = smooth_noise(rng, h, w, cells, 1)
    col = smooth_noise(rng, h, w, cells, 3)
    img = (np.asarray(base_rgb, np.float32)[None, None] + low *
           ((1 - tint) * lum + tint * col) +
           rng.normal(0, high, (h, w, 1)).astype(np.float32))
    return img


def fill(img, mask, rgb, rng, noise=6.0, shade=0.0):
    """Paint ``rgb`` (plus pixel noise and an optional vertical shading) where ``mask``."""
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:
        return
    col = np.asarray(rgb, np.float32)[None]
    val = col + rng.normal(0, noise, (len(ys), 1)).astype(np.float32)
    if shade:
        y0, y1 = ys.min(), ys.max() + 1
        val = val * (1 - shade * (ys - y0)[:, None] / max(1, y1 - y0))
    img[ys, xs] = val


def to_uint8(img):
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def polygon_mask(h, w, polygons):
    """Rasterise a list of (N, 2) xy polygons (their union) into a bool (h, w) mask."""
    canvas = Image.new('L', (w, h), 0)
    draw = ImageDraw.Draw(canvas)
    for poly in polygons:
        draw.polygon([(float(x), float(y)) for x, y in poly], fill=1)
    return np.asarray(canvas, bool)


def regular_polygon(n, phase=0.0):
    t = phase + 2 * math.pi * np.arange(n) / n
    return np.stack([np.sin(t), -np.cos(t)], 1)


def _star(points=5, inner=0.45):
    t = math.pi * np.arange(2 * points) / points
    r = np.where(np.arange(2 * points) % 2 == 0, 1.0, inner)
    return np.stack([r * np.sin(t), -r * np.cos(t)], 1)


def _cross(arm=0.34):
    a = arm
    return np.array([[-a, -1], [a, -1], [a, -a], [1, -a], [1, a], [a, a],
                     [a, 1], [-a, 1], [-a, a], [-1, a], [-1, -a], [-a, -a]])


def _arrow():
    return np.array([[0, -1], [0.9, 0], [0.35, 0], [0.35, 1], [-0.35, 1],
                     [-0.35, 0], [-0.9, 0]])


def _rect(aspect):
    """A rectangle of width/height ``aspect`` inscribed in the unit circle."""
    hh = 1 / math.sqrt(1 + aspect**2)
    hw = aspect * hh
    return np.array([[-hw, -hh], [hw, -hh], [hw, hh], [-hw, hh]])


UNIT_SHAPES = {
    'circle': lambda: regular_polygon(24),
    'square': lambda: _rect(1.0),
    'triangle': lambda: regular_polygon(3) * [1, 1.0] + [0, 0.15],
    'diamond': lambda: regular_polygon(4) * [0.75, 1.0],
    'hexagon': lambda: regular_polygon(6, math.pi / 6),
    'pentagon': lambda: regular_polygon(5),
    'star': lambda: _star(),
    'cross': lambda: _cross(),
    'arrow': lambda: _arrow(),
    'wide_rect': lambda: _rect(2.2),
    'long_rect': lambda: _rect(3.4),
}
"""Simple (single-contour) unit shapes, radius about 1, centred at the origin.

These are used where an instance mask is needed, so the drawn pixels, the COCO polygon
and the box all come from the same vertices."""


def shape_polygons(kind, cx, cy, radius, angle=0.0):
    """Polygons (list of (N, 2) arrays, image xy) of shape ``kind`` at (cx, cy).

    ``kind`` is a key of :data:`UNIT_SHAPES` or ``'wheels'`` (two circles side by side,
    a multi-part COCO segmentation).
    """
    if kind == 'wheels':
        circ = regular_polygon(20) * 0.5
        parts = [circ + [-0.52, 0.1], circ + [0.52, 0.1]]
    else:
        if kind not in UNIT_SHAPES:
            raise KeyError(f'unknown shape {kind!r}; choose one of '
                           f'{sorted(UNIT_SHAPES) + ["wheels"]}')
        parts = [UNIT_SHAPES[kind]()]
    c, s = math.cos(angle), math.sin(angle)
    rot = np.array([[c, -s], [s, c]])
    return [(p @ rot.T) * radius + [cx, cy] for p in parts]


def polygons_bbox(polygons, w, h):
    """xywh box of the union of polygons, clipped to the image."""
    pts = np.concatenate(polygons)
    x0, y0 = np.clip(pts.min(0), 0, [w, h])
    x1, y1 = np.clip(pts.max(0), 0, [w, h])
    return [float(x0), float(y0), float(x1 - x0), float(y1 - y0)]


def boxes_overlap(a, b, margin=2.0):
    """Whether two xywh boxes overlap (or come within ``margin`` px)."""
    return not (a[0] + a[2] + margin <= b[0] or b[0] + b[2] + margin <= a[0]
                or a[1] + a[3] + margin <= b[1] or b[1] + b[3] + margin <= a[1])


def round_list(values, nd=2):
    return [round(float(v), nd) for v in values]


def coco_polygons(polygons):
    """COCO ``segmentation`` field: flat [x1, y1, x2, y2, ...] lists, 2 decimals."""
    return [round_list(np.asarray(p).reshape(-1)) for p in polygons]


def save_image(path, img, quality=92):
    """Write an RGB uint8 array as JPEG (by extension) or PNG, deterministically."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    pil = Image.fromarray(img if img.dtype == np.uint8 else to_uint8(img))
    if path.lower().endswith(('.jpg', '.jpeg')):
        pil.save(path, format='JPEG', quality=quality, optimize=False)
    else:
        pil.save(path, format='PNG', optimize=False, compress_level=6)


def save_label(path, label):
    """Write an (h, w) uint8 label map as a single-channel PNG."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    Image.fromarray(label.astype(np.uint8), mode='L').save(
        path, format='PNG', optimize=False, compress_level=6)


def blur(img, radius):
    """Gaussian blur of an RGB float/uint8 array (Pillow, deterministic)."""
    pil = Image.fromarray(to_uint8(img))
    return np.asarray(pil.filter(ImageFilter.GaussianBlur(radius)), np.float32)


def dump_json(path, obj):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(obj, f, separators=(',', ':'))


def is_complete(root, version):
    """Whether ``root`` holds a finished dataset written by this generator version."""
    marker = osp.join(root, MARKER)
    if not osp.isfile(marker):
        return False
    try:
        with open(marker) as f:
            info = json.load(f)
    except (OSError, ValueError):
        return False
    return info.get('version') == version


def write_marker(root, name, version):
    files = []
    for dirpath, _, names in os.walk(root):
        files += [osp.relpath(osp.join(dirpath, n), root) for n in names]
    with open(osp.join(root, MARKER), 'w') as f:
        json.dump(dict(name=name, version=version, num_files=len(files)), f)


def publish(tmp_root, final_root, version):
    """Move a finished temp folder to ``final_root`` (atomic rename on one filesystem).

    If another process published the same dataset version meanwhile, ours is discarded
    and theirs is kept (readers never see the folder disappear). An incomplete or
    outdated ``final_root`` is moved aside first and deleted.
    """
    if is_complete(final_root, version):
        shutil.rmtree(tmp_root, ignore_errors=True)
        return
    if osp.exists(final_root):
        trash = f'{final_root}.old-{os.getpid()}'
        os.rename(final_root, trash)
        shutil.rmtree(trash, ignore_errors=True)
    try:
        os.rename(tmp_root, final_root)
    except OSError:
        if not is_complete(final_root, version):
            raise
        shutil.rmtree(tmp_root, ignore_errors=True)
