"""Offline selective-search proposals for UniVIP pre-training (spec sections 1.2 and 5).

Runs OpenCV's selective search ("fast" mode, ``cv2.ximgproc``) once per image, keeps
boxes with min side >= ``--min-size`` and aspect ratio within [1/r, r], drops boxes whose
IoU with an already kept (higher-ranked) box exceeds ``--iou-thr``, and writes the
``UniVIPProposalDataset`` JSON. Images come from a folder or a COCO annotation file.

The run is resumable: each finished image is appended to ``<out>.partial.jsonl``; a killed
run started again with the same arguments skips those images, and the partial file is
removed once the JSON is written.

Example::

    python tools/dataset_converters/univip_proposals.py data/coco/train2017 \
        data/coco/annotations/univip_proposals_train2017.json \
        --coco data/coco/annotations/instances_train2017.json
"""
import argparse
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

from projects.univip.transforms import filter_proposals  # noqa: E402

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('img_dir', help='folder the image paths are relative to')
    parser.add_argument('out', help='proposals JSON to write')
    parser.add_argument('--coco', help='COCO annotation file listing the images '
                        '(default: every image under img_dir)')
    parser.add_argument('--min-size', type=float, default=64.)
    parser.add_argument('--max-ratio', type=float, default=3.)
    parser.add_argument('--iou-thr', type=float, default=0.5)
    parser.add_argument('--mode', choices=('fast', 'quality', 'single'), default='fast',
                        help='selective-search strategy (ORL/UniVIP: fast)')
    return parser.parse_args(argv)


def list_images(img_dir: str, coco: str = None):
    """Relative image paths, from a COCO file's ``images`` or a folder walk."""
    if coco:
        with open(coco) as f:
            images = json.load(f).get('images')
        if not images:
            raise ValueError(f'{coco} has no "images" list; pass a COCO instances or '
                             'image_info file.')
        return [img['file_name'] for img in images]
    paths = []
    for root, _, files in os.walk(img_dir):
        for name in files:
            if name.lower().endswith(IMG_EXTENSIONS):
                paths.append(osp.relpath(osp.join(root, name), img_dir))
    if not paths:
        raise FileNotFoundError(f'no images ({", ".join(IMG_EXTENSIONS)}) under {img_dir}.')
    return sorted(paths)


def filter_boxes(boxes_xywh: np.ndarray, min_size: float, max_ratio: float,
                 iou_thr: float) -> np.ndarray:
    """Spec 1.2 filter of ranked (N, 4) xywh boxes; returns kept boxes as xyxy."""
    boxes = np.asarray(boxes_xywh, dtype=np.float32).reshape(-1, 4)
    xyxy = np.concatenate([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]], axis=1)
    return filter_proposals(xyxy, min_size, max_ratio, iou_thr)


def selective_search(img: np.ndarray, mode: str = 'fast') -> np.ndarray:
    """Ranked (N, 4) xywh boxes from OpenCV selective search."""
    search = cv2.ximgproc.segmentation.createSelectiveSearchSegmentation()
    search.setBaseImage(img)
    {'fast': search.switchToSelectiveSearchFast,
     'quality': search.switchToSelectiveSearchQuality,
     'single': search.switchToSingleStrategy}[mode]()
    return search.process()


def load_partial(path: str) -> dict:
    """Finished entries of a previous run, keyed by image path."""
    done = {}
    if osp.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    break  # the line a killed run was writing
                done[entry['img_path']] = entry
    return done


def main(argv=None):
    args = parse_args(argv)
    if not hasattr(cv2, 'ximgproc'):
        sys.exit('cv2.ximgproc is missing: install opencv-contrib-python(-headless).')
    images = list_images(args.img_dir, args.coco)
    partial = args.out + '.partial.jsonl'
    done = load_partial(partial)
    with open(partial, 'w') as f:  # rewrite without a torn last line
        for entry in done.values():
            f.write(json.dumps(entry) + '\n')
    todo = [p for p in images if p not in done]
    with open(partial, 'a') as f:
        for rel in tqdm(todo, desc='selective search', initial=len(images) - len(todo),
                        total=len(images)):
            img = cv2.imread(osp.join(args.img_dir, rel))
            if img is None:
                sys.exit(f'cannot read image {osp.join(args.img_dir, rel)} (listed by '
                         f'{args.coco or args.img_dir}); fix or remove it and rerun.')
            boxes = filter_boxes(selective_search(img, args.mode), args.min_size,
                                 args.max_ratio, args.iou_thr)
            entry = dict(img_path=rel, width=img.shape[1], height=img.shape[0],
                         proposals=boxes.round(2).tolist())
            done[rel] = entry
            f.write(json.dumps(entry) + '\n')
            f.flush()
    empty = sum(not done[p]['proposals'] for p in images)
    result = dict(metainfo=dict(proposal_format='xyxy',
                                filters=dict(min_size=args.min_size,
                                             max_ratio=args.max_ratio,
                                             iou_thr=args.iou_thr)),
                  data_list=[done[p] for p in images])
    tmp = args.out + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(result, f)
    os.replace(tmp, args.out)
    os.remove(partial)
    print(f'{len(images)} images, {empty} without proposals (the sampler falls back to '
          f'random boxes for them) -> {args.out}')


if __name__ == '__main__':
    main()
