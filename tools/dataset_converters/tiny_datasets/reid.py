"""Tiny person re-identification sets: Market-1501, MSMT17_V1 and LUPerson layouts.

Every image is a synthetic person figure whose identity is the colour and texture of
three body bands (head/shoulders, torso, legs), drawn with per-image pose jitter, a
per-camera colour cast, a textured background and an occasional occluder, so identities
are learnable and several identities share two of three bands (parts matter).

On-disk layouts (as the released datasets)::

    market1501/bounding_box_train/0002_c1s1_000451_03.jpg   (pid, camera 1-6)
    market1501/query/...  market1501/bounding_box_test/...   (+ 0000_* distractors,
                                                              -1_* junk)
    msmt17/train/0000/0000_000_01_0303morning_0015_0.jpg    (camera = 3rd field, 1-15)
    msmt17/test/...  msmt17/list_{train,val,query,gallery}.txt  "<rel path> <pid>"
    luperson/images/<video>/<video>_<frame>_<n>.jpg          (unlabelled ImageFolder)
"""
import json
import os.path as osp

import numpy as np

from .common import (hsv_to_rgb, make_rng, save_image, smooth_noise, texture,
                     to_uint8)

VERSION = 'reid-2'
HUES = (0.0, 0.08, 0.16, 0.33, 0.5, 0.62, 0.75, 0.87)
PATTERNS = ('plain', 'stripes', 'checks', 'dots')
BANDS = ((0.04, 0.24), (0.24, 0.56), (0.56, 0.98))
"""Row ranges (fractions of the height) of the head, torso and legs bands."""

MARKET = dict(train_ids=48, test_ids=8, per_train=6, queries=2, gallery=4,
              distractors=6, junk=4)
MSMT = dict(train_ids=48, test_ids=8, per_train=6, queries=2, gallery=4)
LUP = dict(videos=8, ids_per_video=6, per_id=4)


def identity_style(dataset, pid):
    """(hue, saturation, value, pattern) for each of the 3 bands of identity ``pid``.

    Consecutive identity pairs share the head and leg bands and differ in the torso.
    """
    base = make_rng('reid', dataset, 'id', pid // 2)
    own = make_rng('reid', dataset, 'id', pid)
    style = []
    for band in range(3):
        rng = own if band == 1 else base
        style.append((float(rng.choice(HUES)), rng.uniform(0.55, 1.0),
                      rng.uniform(0.45, 1.0), str(rng.choice(PATTERNS))))
    return style


def _pattern(kind, h, w, phase):
    yy, xx = np.mgrid[0:h, 0:w]
    if kind == 'stripes':
        return ((yy + phase) // 3) % 2 == 0
    if kind == 'checks':
        return (((yy + phase) // 4) + (xx // 4)) % 2 == 0
    if kind == 'dots':
        return ((yy + phase) % 6 < 2) & (xx % 6 < 2)
    return np.zeros((h, w), bool)


def draw_person(rng, style, camera, h=128, w=64):
    """Render one (h, w, 3) uint8 image of a person with ``style`` seen by ``camera``."""
    cam = make_rng('reid', 'camera', camera)
    bg = hsv_to_rgb(cam.random(), cam.uniform(0.05, 0.3), cam.uniform(0.3, 0.7))
    img = texture(rng, h, w, bg, low=25, high=6, cells=int(rng.integers(3, 7)))
    cast = cam.uniform(0.85, 1.15, 3) * rng.uniform(0.85, 1.15)
    scale = rng.uniform(0.88, 1.0)
    top = rng.uniform(0, 1 - scale) * h
    cx = w / 2 + rng.uniform(-0.08, 0.08) * w
    half = rng.uniform(0.28, 0.36) * w
    phase = int(rng.integers(0, 6))
    for band, ((y0, y1), (hue, sat, val, pattern)) in enumerate(
            zip(BANDS, style)):
        r0, r1 = int(top + y0 * scale * h), int(top + y1 * scale * h)
        width = half * (0.55 if band == 0 else 1.0)
        c0, c1 = int(max(0, cx - width)), int(min(w, cx + width))
        if r1 <= r0 or c1 <= c0:
            continue
        colour = hsv_to_rgb(hue + rng.normal(0, 0.015), sat, val)
        patch = np.broadcast_to(colour, (r1 - r0, c1 - c0, 3)).copy()
        mark = _pattern(pattern, r1 - r0, c1 - c0, phase)
        patch[mark] = 0.35 * patch[mark] + 0.65 * (255 - colour)
        if band == 2:
            gap = max(1, int(0.12 * width))
            mid = (c1 - c0) // 2
            patch[int(0.3 * (r1 - r0)):, mid - gap:mid + gap] = \
                img[r0 + int(0.3 * (r1 - r0)):r1, c0 + mid - gap:c0 + mid + gap]
        img[r0:r1, c0:c1] = patch
    img = img * cast[None, None]
    img += 10 * smooth_noise(rng, h, w, 4, 1)
    if rng.random() < 0.25:
        oh, ow = int(rng.uniform(0.1, 0.25) * h), int(rng.uniform(0.3, 0.6) * w)
        y, x = int(rng.integers(0, h - oh)), int(rng.integers(0, w - ow))
        img[y:y + oh, x:x + ow] = rng.uniform(40, 200, 3)
    return to_uint8(img)


def _market_name(rng, pid, cam, used):
    while True:
        prefix = '-1' if pid == -1 else f'{pid:04d}'
        name = (f'{prefix}_c{cam}s{int(rng.integers(1, 7))}_'
                f'{int(rng.integers(1, 999999)):06d}_'
                f'{int(rng.integers(0, 9)):02d}.jpg')
        if name not in used:
            used.add(name)
            return name


def generate_market(root, progress=None):
    """Write the tiny Market-1501 set under ``root``."""
    cfg = MARKET
    pid_rng = make_rng('reid', 'market', 'pids')
    pids = sorted(pid_rng.choice(np.arange(1, 1502), cfg['train_ids'] +
                                 cfg['test_ids'], replace=False))
    train = pids[:cfg['train_ids']]
    test = pids[cfg['train_ids']:]
    used = set()

    def write(folder, pid, cam, key, n=0):
        rng = make_rng('reid', 'market', folder, pid, key)
        style = identity_style('market', pid) if pid > 0 else \
            identity_style('market-distractor', n)
        name = _market_name(rng, pid, cam, used)
        save_image(osp.join(root, folder, name),
                   draw_person(rng, style, ('market', cam)))
        if progress:
            progress(1)

    for pid in train:
        for i in range(cfg['per_train']):
            write('bounding_box_train', pid, 1 + i % 6, i)
    for j, pid in enumerate(test):
        qcams = [1 + (j + c) % 6 for c in range(cfg['queries'])]
        for i, cam in enumerate(qcams):
            write('query', pid, cam, f'q{i}')
        gcams = [1 + (j + cfg['queries'] + c) % 6
                 for c in range(cfg['gallery'] - 1)] + [qcams[0]]
        for i, cam in enumerate(gcams):
            write('bounding_box_test', pid, cam, f'g{i}')
    for i in range(cfg['distractors']):
        write('bounding_box_test', 0, 1 + i % 6, f'd{i}', i)
    for i in range(cfg['junk']):
        write('bounding_box_test', -1, 1 + i % 6, f'j{i}', 100 + i)


def generate_msmt17(root, progress=None):
    """Write the tiny MSMT17_V1 set (folders + list files) under ``root``."""
    cfg = MSMT
    lists = {k: [] for k in ('train', 'val', 'query', 'gallery')}

    def write(folder, list_name, pid, label, cam, n):
        rng = make_rng('reid', 'msmt17', folder, pid, n)
        h = int(rng.integers(96, 161))
        w = max(32, int(h * rng.uniform(0.38, 0.55)))
        day = str(rng.choice(['morning', 'noon', 'afternoon']))
        rel = (f'{pid:04d}/{pid:04d}_{n:03d}_{cam:02d}_0{int(rng.integers(1, 4))}'
               f'{int(rng.integers(10, 29))}{day}_{int(rng.integers(0, 9999)):04d}'
               f'_{int(rng.integers(0, 4))}.jpg')
        style = identity_style(f'msmt17-{folder}', pid)
        save_image(osp.join(root, folder, rel),
                   draw_person(rng, style, ('msmt17', cam), h, w))
        lists[list_name].append(f'{rel} {label}')
        if progress:
            progress(1)

    for pid in range(cfg['train_ids']):
        for n in range(cfg['per_train']):
            write('train', 'val' if n == cfg['per_train'] - 1 else 'train',
                  pid, pid, 1 + (pid + 2 * n) % 15, n)
    for pid in range(cfg['test_ids']):
        qcams = [1 + (pid + 3 * c) % 15 for c in range(cfg['queries'])]
        for n, cam in enumerate(qcams):
            write('test', 'query', pid, pid, cam, n)
        gcams = [1 + (pid + 3 * cfg['queries'] + 3 * c) % 15
                 for c in range(cfg['gallery'] - 1)] + [qcams[0]]
        for n, cam in enumerate(gcams):
            write('test', 'gallery', pid, pid, cam, cfg['queries'] + n)
    for name, lines in lists.items():
        with open(osp.join(root, f'list_{name}.txt'), 'w') as f:
            f.write('\n'.join(lines) + '\n')


def generate_luperson(root, progress=None):
    """Write the tiny unlabelled LUPerson-format ImageFolder under ``root``."""
    cfg = LUP
    for v in range(cfg['videos']):
        video = f'v{v:05d}'
        for p in range(cfg['ids_per_video']):
            pid = v * cfg['ids_per_video'] + p
            for n in range(cfg['per_id']):
                rng = make_rng('reid', 'luperson', pid, n)
                h = int(rng.integers(100, 161))
                w = max(40, int(h * rng.uniform(0.4, 0.55)))
                img = draw_person(rng, identity_style('luperson', pid),
                                  ('luperson', v), h, w)
                save_image(
                    osp.join(root, 'images', video,
                             f'{video}_{p * 100 + n:06d}_{n}.jpg'), img)
                if progress:
                    progress(1)


def num_images(name):
    if name == 'market1501':
        c = MARKET
        return c['train_ids'] * c['per_train'] + c['test_ids'] * (
            c['queries'] + c['gallery']) + c['distractors'] + c['junk']
    if name == 'msmt17':
        c = MSMT
        return c['train_ids'] * c['per_train'] + c['test_ids'] * (
            c['queries'] + c['gallery'])
    c = LUP
    return c['videos'] * c['ids_per_video'] * c['per_id']


PART_HUES = (0.0, 0.16, 0.33, 0.5, 0.66, 0.83)
NUM_BAND_STYLES = len(PART_HUES) * len(PATTERNS)
PART_BENCHMARK = dict(pretrain_ids=400, per_pretrain=5, test_ids=100, queries=2,
                      gallery=4, share_prob=0.6)
"""The CPU experiment of the PASS spec (f): 400 unlabelled identities x 5 images for
pre-training, 100 unseen identities x 6 images (2 queries, 4 gallery) for retrieval."""


def band_style(index):
    """(hue, saturation, value, pattern) of band style ``index`` (6 hues x 4 patterns)."""
    hue = PART_HUES[index // len(PATTERNS) % len(PART_HUES)]
    return (hue, 0.85, 0.9, PATTERNS[index % len(PATTERNS)])


def part_identities(num_ids, key, share_prob=0.6):
    """``num_ids`` distinct identities, each a (head, torso, legs) tuple of band styles.

    With probability ``share_prob`` a new identity copies an earlier one and redraws a
    single band, so many pairs of identities share two of their three bands and only
    one body part tells them apart (spec (f)).
    """
    rng = make_rng('reid', 'parts', key)
    ids, seen = [], set()
    while len(ids) < num_ids:
        if ids and rng.random() < share_prob:
            style = list(ids[int(rng.integers(len(ids)))])
            style[int(rng.integers(3))] = int(rng.integers(NUM_BAND_STYLES))
        else:
            style = [int(s) for s in rng.integers(0, NUM_BAND_STYLES, 3)]
        style = tuple(style)
        if style not in seen:
            seen.add(style)
            ids.append(style)
    return ids


def generate_part_benchmark(root, progress=None, **sizes):
    """Write the PASS miniature-benchmark persons under ``root``.

    ``root/luperson/images/...`` (unlabelled, LUPerson layout) and
    ``root/market1501/{query,bounding_box_test}`` (unseen identities, Market-1501 names,
    pids 1..N, query cameras 1-2, gallery cameras 3-6) plus
    ``root/market1501/band_styles.json`` = ``{pid: [head, torso, legs]}`` band-style
    indices, so retrieval can also be scored per body part. Identities are drawn by
    :func:`part_identities`; ``sizes`` override :data:`PART_BENCHMARK`.
    """
    cfg = dict(PART_BENCHMARK, **sizes)
    pre = part_identities(cfg['pretrain_ids'], 'pretrain', cfg['share_prob'])
    test = part_identities(cfg['test_ids'], 'test', cfg['share_prob'])
    for pid, style in enumerate(pre):
        video = f'v{pid // 20:05d}'
        for n in range(cfg['per_pretrain']):
            rng = make_rng('reid', 'parts', 'pretrain', pid, n)
            h = int(rng.integers(96, 145))
            w = max(40, int(h * rng.uniform(0.4, 0.55)))
            img = draw_person(rng, [band_style(s) for s in style],
                              ('parts', int(rng.integers(6))), h, w)
            save_image(osp.join(root, 'luperson', 'images', video,
                                f'{video}_{pid:04d}{n:02d}_{n}.jpg'), img)
            if progress:
                progress(1)
    used = set()
    for j, style in enumerate(test):
        pid = j + 1
        views = [('query', 1 + i % 2) for i in range(cfg['queries'])] + \
            [('bounding_box_test', 3 + i % 4) for i in range(cfg['gallery'])]
        for i, (folder, cam) in enumerate(views):
            rng = make_rng('reid', 'parts', 'test', pid, i)
            img = draw_person(rng, [band_style(s) for s in style], ('parts', cam))
            save_image(osp.join(root, 'market1501', folder,
                                _market_name(rng, pid, cam, used)), img)
            if progress:
                progress(1)
    with open(osp.join(root, 'market1501', 'band_styles.json'), 'w') as f:
        json.dump({str(j + 1): list(s) for j, s in enumerate(test)}, f)


GENERATORS = dict(
    market1501=generate_market,
    msmt17=generate_msmt17,
    luperson=generate_luperson)
