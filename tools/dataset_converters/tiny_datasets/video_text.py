"""Tiny video-text and image-text retrieval sets: moving shapes with templated captions.

A clip shows one shape (circle, square, triangle, cross) of one colour (red, green, blue,
yellow, white) moving left, right, up or down, or standing still, on a dark noisy
background. Captions come from templates with synonyms ("a red disc slides to the left",
"there is a red circle that goes left"), so a retriever must read shape, colour and, from
the frame order only, the direction. Clips are real mp4 files (MPEG-4 part 2, written by
OpenCV) that decord and mmaction2's pipelines decode.

On-disk layouts:

``msrvtt/`` (mmaction2's ``tools/data/video_retrieval`` layout of MSR-VTT)::

    videos/video<i>.mp4
    train_9k.json        {"video<i>.mp4": [caption, ...], ...}   CAPTIONS_PER_TRAIN captions
    test_JSFUSION.json   {"video<i>.mp4": [caption]}             one caption a clip (1k-A)
    vocab.txt            word vocabulary: [PAD] [UNK] [CLS] [SEP] [MASK], then the words

``coco_karpathy/`` (Karpathy's ``dataset_coco.json``, still shapes, captions without motion)::

    train2014/COCO_train2014_<12 digits>.jpg   val2014/COCO_val2014_<12 digits>.jpg
    dataset_coco.json    {"images": [{"filepath", "filename", "split", "sentences": [{"raw"}]}]}
    vocab.txt
"""
import itertools
import os
import os.path as osp

import numpy as np

from .common import dump_json, make_rng, polygon_mask, save_image, shape_polygons

VERSION = 'video-text-1'
SIZE = 32
NUM_FRAMES = 8
FPS = 8
STEP = 2.0
TRAIN_PER_COMBO = 4
TEST_PER_COMBO = 1
CAPTIONS_PER_TRAIN = 5
SPECIAL_TOKENS = ('[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]')

SHAPES = {
    'circle': ('circle', 'disc', 'ball'),
    'square': ('square', 'box', 'block'),
    'triangle': ('triangle', 'wedge'),
    'cross': ('cross', 'plus'),
}
COLOURS = {
    'red': (230, 30, 30),
    'green': (30, 210, 40),
    'blue': (40, 70, 240),
    'yellow': (235, 225, 30),
    'white': (235, 235, 235),
}
COLOUR_WORDS = {
    'red': ('red', 'crimson'),
    'green': ('green', 'lime'),
    'blue': ('blue', 'navy'),
    'yellow': ('yellow', 'golden'),
    'white': ('white', 'pale'),
}
MOTIONS = {
    'left': ((-1, 0), ('moves left', 'slides to the left', 'goes left')),
    'right': ((1, 0), ('moves right', 'slides to the right', 'goes right')),
    'up': ((0, -1), ('moves up', 'rises', 'goes up')),
    'down': ((0, 1), ('moves down', 'falls', 'drops down')),
    'static': ((0, 0), ('stays still', 'does not move', 'rests')),
}
VIDEO_TEMPLATES = ('a {c} {s} {m}', 'the {s} , {c} , {m}',
                   'there is a {c} {s} that {m}',
                   'a {c} {s} {m} on a dark background', '{c} {s} {m}')
IMAGE_TEMPLATES = ('a {c} {s}', 'the {s} is {c}', 'there is a {c} {s}',
                   'a {c} {s} on a dark background', '{c} {s}')


def combos():
    """Every (shape, colour, motion) triple, in a fixed order."""
    return list(itertools.product(SHAPES, COLOURS, MOTIONS))


def caption(rng, shape, colour, motion=None):
    """One templated caption with random synonyms."""
    words = dict(s=str(rng.choice(SHAPES[shape])),
                 c=str(rng.choice(COLOUR_WORDS[colour])))
    if motion is None:
        return str(rng.choice(IMAGE_TEMPLATES)).format(**words)
    words['m'] = str(rng.choice(MOTIONS[motion][1]))
    return str(rng.choice(VIDEO_TEMPLATES)).format(**words)


def render_clip(rng, shape, colour, motion, num_frames=NUM_FRAMES, size=SIZE):
    """(T, size, size, 3) uint8 RGB frames of one moving shape."""
    (dx, dy), _ = MOTIONS[motion]
    radius = rng.uniform(0.12, 0.16) * size
    travel = STEP * (num_frames - 1)
    lo, hi = radius + 1, size - radius - 1

    def start(d):
        if d > 0:
            return rng.uniform(lo, hi - travel)
        if d < 0:
            return rng.uniform(lo + travel, hi)
        return rng.uniform(lo, hi)

    cx, cy = start(dx), start(dy)
    angle = rng.uniform(-0.2, 0.2)
    rgb = np.asarray(COLOURS[colour], np.float32)
    frames = []
    for t in range(num_frames):
        img = rng.normal(20, 6, (size, size, 3)).astype(np.float32)
        mask = polygon_mask(size, size, shape_polygons(
            shape, cx + dx * STEP * t, cy + dy * STEP * t, radius, angle))
        img[mask] = rgb
        frames.append(np.clip(np.rint(img), 0, 255).astype(np.uint8))
    return np.stack(frames)


def write_mp4(path, frames, fps=FPS):
    """Encode RGB frames as an MPEG-4 mp4 with OpenCV; fail loudly if nothing was written."""
    import cv2
    os.makedirs(osp.dirname(path), exist_ok=True)
    h, w = frames.shape[1:3]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (w, h))
    if not writer.isOpened():
        raise RuntimeError(f'OpenCV cannot open an mp4v writer for {path}; '
                           'install opencv-python with its bundled FFmpeg')
    for frame in frames:
        writer.write(np.ascontiguousarray(frame[:, :, ::-1]))
    writer.release()
    if not osp.isfile(path) or osp.getsize(path) == 0:
        raise RuntimeError(f'OpenCV wrote no data to {path}')


def write_vocab(path, texts):
    """Word vocabulary of ``texts`` (the tokenizer's basic split), special tokens first."""
    words = set()
    for text in texts:
        words.update(text.lower().replace(',', ' , ').split())
    tokens = list(SPECIAL_TOKENS) + sorted(words - set(SPECIAL_TOKENS))
    with open(path, 'w') as f:
        f.write('\n'.join(tokens) + '\n')


def generate_msrvtt(root, progress=None, train_per_combo=TRAIN_PER_COMBO,
                    test_per_combo=TEST_PER_COMBO):
    """Write the MSR-VTT-layout clips and annotations under ``root``."""
    items = [('train', c, i) for c in combos() for i in range(train_per_combo)]
    items += [('test', c, i) for c in combos() for i in range(test_per_combo)]
    order = make_rng('msrvtt', 'order').permutation(len(items))
    ann = {'train': {}, 'test': {}}
    for vid, j in enumerate(order):
        split, (shape, colour, motion), i = items[j]
        rng = make_rng('msrvtt', split, shape, colour, motion, i)
        name = f'video{vid}.mp4'
        write_mp4(osp.join(root, 'videos', name),
                  render_clip(rng, shape, colour, motion))
        n_caps = CAPTIONS_PER_TRAIN if split == 'train' else 1
        ann[split][name] = [caption(rng, shape, colour, motion)
                            for _ in range(n_caps)]
        if progress:
            progress(1)
    dump_json(osp.join(root, 'train_9k.json'), ann['train'])
    dump_json(osp.join(root, 'test_JSFUSION.json'), ann['test'])
    write_vocab(osp.join(root, 'vocab.txt'),
                [caption for caps in ann['train'].values() for caption in caps]
                + [c for caps in ann['test'].values() for c in caps]
                + _all_template_words())


def _all_template_words():
    """Every word any template can produce, so held-out captions are never [UNK]."""
    words = list(SHAPES) + [w for v in SHAPES.values() for w in v]
    words += [w for v in COLOUR_WORDS.values() for w in v]
    words += [p for _, phrases in MOTIONS.values() for p in phrases]
    words += list(VIDEO_TEMPLATES) + list(IMAGE_TEMPLATES)
    return [w.replace('{c}', '').replace('{s}', '').replace('{m}', '')
            for w in words]


def generate_coco(root, progress=None, train_per_combo=10, test_per_combo=2):
    """Write the Karpathy-split image-text set under ``root``."""
    images = []
    still = list(itertools.product(SHAPES, COLOURS))
    for split, per in (('train', train_per_combo), ('test', test_per_combo)):
        folder = 'train2014' if split == 'train' else 'val2014'
        for (shape, colour), i in itertools.product(still, range(per)):
            rng = make_rng('coco_karpathy', split, shape, colour, i)
            image_id = len(images) + 1
            name = f'COCO_{folder}_{image_id:012d}.jpg'
            frame = render_clip(rng, shape, colour, 'static', num_frames=1)[0]
            save_image(osp.join(root, folder, name), frame)
            images.append(dict(
                filepath=folder, filename=name, split=split, cocoid=image_id,
                sentences=[dict(raw=caption(rng, shape, colour))
                           for _ in range(CAPTIONS_PER_TRAIN)]))
            if progress:
                progress(1)
    dump_json(osp.join(root, 'dataset_coco.json'), dict(images=images))
    write_vocab(osp.join(root, 'vocab.txt'),
                [s['raw'] for im in images for s in im['sentences']]
                + _all_template_words())


def num_videos(train_per_combo=TRAIN_PER_COMBO, test_per_combo=TEST_PER_COMBO):
    return len(combos()) * (train_per_combo + test_per_combo)


def num_images(train_per_combo=10, test_per_combo=2):
    return len(SHAPES) * len(COLOURS) * (train_per_combo + test_per_combo)
