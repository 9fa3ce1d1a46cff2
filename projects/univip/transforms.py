"""UniVIP data pipeline: scene windows that share K instances, and per-view augments.

Implements Algorithm 1 of UniVIP (CVPR 2022; spec sections 1.3 and 5).
"""
import math
from typing import List, Sequence

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform, Compose
from mmpretrain.datasets.transforms import RandomResizedCrop
from mmpretrain.registry import TRANSFORMS

INSTANCE_SELECT = ('rank', 'random')


def box_iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """IoU of one xyxy box (4,) with boxes (N, 4); (N,)."""
    if len(boxes) == 0:
        return np.zeros(0, dtype=np.float32)
    lt = np.maximum(box[:2], boxes[:, :2])
    rb = np.minimum(box[2:], boxes[:, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=1)
    area = np.prod(box[2:] - box[:2])
    areas = np.prod(boxes[:, 2:] - boxes[:, :2], axis=1)
    return inter / np.maximum(area + areas - inter, 1e-12)


def boxes_inside(boxes: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Mask (N,) of xyxy boxes lying fully inside the xyxy ``window``."""
    return ((boxes[:, 0] >= window[0]) & (boxes[:, 1] >= window[1])
            & (boxes[:, 2] <= window[2]) & (boxes[:, 3] <= window[3]))


def shape_filter(boxes: np.ndarray, min_size: float, max_ratio: float) -> np.ndarray:
    """Mask (N,) of xyxy boxes with min side >= ``min_size`` and aspect ratio in
    [1 / max_ratio, max_ratio] (the selective-search filter of spec 1.2)."""
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    ratio = w / np.maximum(h, 1e-12)
    return ((np.minimum(w, h) >= min_size) & (ratio <= max_ratio)
            & (ratio >= 1.0 / max_ratio))


def filter_proposals(boxes: np.ndarray, min_size: float, max_ratio: float,
                     iou_thr: float) -> np.ndarray:
    """Selective-search filter of spec 1.2 on ranked (N, 4) xyxy boxes.

    Keeps boxes passing :func:`shape_filter`, then walks them in rank order and drops
    a box whose IoU with any already kept box exceeds ``iou_thr``; (M, 4) float32.
    """
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    kept = []
    for box in boxes[shape_filter(boxes, min_size, max_ratio)]:
        if not kept or box_iou(box, np.stack(kept)).max() <= iou_thr:
            kept.append(box)
    return np.stack(kept) if kept else np.zeros((0, 4), np.float32)


@TRANSFORMS.register_module()
class UniVIPSceneInstanceSampler(BaseTransform):
    """Two random-resized-crop scene windows sharing ``num_instances`` proposals.

    Algorithm 1: up to ``max_tries`` times, draw two windows with mmpretrain's
    ``RandomResizedCrop`` distribution and keep the first pair whose overlap (at least
    ``min_overlap`` px per side) contains ``num_instances`` proposals. If every try
    fails, the pair with the largest overlap is used (the first window twice if none
    overlap) and random boxes inside the overlap that obey the size, ratio and IoU
    constraints fill up to K (the authors' fallback, spec 1.3). Boxes smaller than
    the filter allow are used for tiny overlaps (side ``min(min_size, overlap side)``).

    Required keys: ``img`` (H, W, C), ``proposals`` (M, 4) float32 xyxy in image
    pixels, M may be 0. Writes ``img`` = [scene1, scene2, instance_1..instance_K]
    (scenes ``scene_size``, instances ``instance_size`` cropped from the ORIGINAL
    image), ``scene_boxes`` (2, 4), ``instance_boxes`` (K, 4) and
    ``num_fallback_instances`` (how many of the K boxes are random fill).

    Args:
        num_instances (int): K. Defaults to 4.
        max_tries (int): Window pairs tried. Defaults to 20.
        scene_size (int): Scene output side. Defaults to 224.
        instance_size (int): Instance output side. Defaults to 96.
        crop_ratio_range, aspect_ratio_range: RandomResizedCrop distribution
            (BYOL: (0.08, 1.0), (3/4, 4/3)).
        interpolation (str): Resize interpolation. Defaults to 'bicubic'.
        min_overlap (int): Least overlap side before proposals are counted.
            Defaults to 64 [INF].
        min_size (float), max_ratio (float), iou_thr (float): Box constraints for
            proposals and fallback boxes. Defaults to 64, 3, 0.5.
        instance_select (str): 'rank' (first K in proposal order, default) or
            'random' [INF].
    """

    def __init__(self,
                 num_instances: int = 4,
                 max_tries: int = 20,
                 scene_size: int = 224,
                 instance_size: int = 96,
                 crop_ratio_range: Sequence[float] = (0.08, 1.0),
                 aspect_ratio_range: Sequence[float] = (3. / 4., 4. / 3.),
                 interpolation: str = 'bicubic',
                 min_overlap: int = 64,
                 min_size: float = 64,
                 max_ratio: float = 3.0,
                 iou_thr: float = 0.5,
                 instance_select: str = 'rank',
                 fallback_attempts: int = 50) -> None:
        if num_instances < 1 or max_tries < 1:
            raise ValueError(f'num_instances={num_instances}, max_tries={max_tries}: '
                             'both must be >= 1 (UniVIP: K 4, 20 tries).')
        if instance_select not in INSTANCE_SELECT:
            raise ValueError(f'instance_select={instance_select!r} is not one of '
                             f'{INSTANCE_SELECT}.')
        if max_ratio < 1:
            raise ValueError(f'max_ratio={max_ratio} must be >= 1 (UniVIP: 3).')
        self.num_instances = num_instances
        self.max_tries = max_tries
        self.scene_size = scene_size
        self.instance_size = instance_size
        self.interpolation = interpolation
        self.min_overlap = min_overlap
        self.min_size = min_size
        self.max_ratio = max_ratio
        self.iou_thr = iou_thr
        self.instance_select = instance_select
        self.fallback_attempts = fallback_attempts
        self.window_sampler = RandomResizedCrop(
            scale=scene_size, crop_ratio_range=crop_ratio_range,
            aspect_ratio_range=aspect_ratio_range, interpolation=interpolation)

    def _window(self, img: np.ndarray) -> np.ndarray:
        top, left, height, width = self.window_sampler.rand_crop_params(img)
        return np.array([left, top, left + width, top + height], dtype=np.float32)

    def _choose(self, candidates: np.ndarray) -> np.ndarray:
        if self.instance_select == 'random':
            order = np.random.permutation(len(candidates))[:self.num_instances]
            return candidates[np.sort(order)]
        return candidates[:self.num_instances]

    def _random_box(self, overlap: np.ndarray) -> np.ndarray:
        ow, oh = overlap[2:] - overlap[:2]
        low = min(self.min_size, ow, oh)
        w = np.random.uniform(low, min(ow, self.max_ratio * oh))
        h = np.random.uniform(max(low, w / self.max_ratio), min(oh, w * self.max_ratio))
        x1 = overlap[0] + np.random.uniform(0, ow - w)
        y1 = overlap[1] + np.random.uniform(0, oh - h)
        box = np.array([x1, y1, x1 + w, y1 + h], dtype=np.float32)
        return np.clip(box, np.tile(overlap[:2], 2), np.tile(overlap[2:], 2))

    def _fill(self, kept: np.ndarray, overlap: np.ndarray) -> np.ndarray:
        boxes = list(kept)
        while len(boxes) < self.num_instances:
            box = self._random_box(overlap)
            for _ in range(self.fallback_attempts):
                if not len(boxes) or box_iou(box, np.stack(boxes)).max() <= self.iou_thr:
                    break
                box = self._random_box(overlap)
            boxes.append(box)
        return np.stack(boxes).astype(np.float32)

    def sample(self, img: np.ndarray, proposals: np.ndarray):
        """Scene windows (2, 4), instance boxes (K, 4) and the fallback count."""
        h, w = img.shape[:2]
        proposals = np.asarray(proposals, dtype=np.float32).reshape(-1, 4)
        proposals = np.clip(proposals, 0, [w, h, w, h])
        proposals = proposals[shape_filter(proposals, self.min_size, self.max_ratio)]
        best = None
        for _ in range(self.max_tries):
            windows = np.stack([self._window(img), self._window(img)])
            overlap = np.concatenate([windows[:, :2].max(0), windows[:, 2:].min(0)])
            side = overlap[2:] - overlap[:2]
            if side.min() <= 0:
                continue
            if best is None or side.prod() > np.prod(best[1][2:] - best[1][:2]):
                best = (windows, overlap)
            if side.min() < self.min_overlap:
                continue
            inside = proposals[boxes_inside(proposals, overlap)]
            if len(inside) >= self.num_instances:
                return windows, self._choose(inside), 0
        if best is None:
            window = self._window(img)
            best = (np.stack([window, window]), window)
        windows, overlap = best
        inside = self._choose(proposals[boxes_inside(proposals, overlap)])
        boxes = self._fill(inside, overlap)
        return windows, boxes, self.num_instances - len(inside)

    def _crop(self, img: np.ndarray, box: np.ndarray, size: int) -> np.ndarray:
        x1, y1 = int(math.floor(box[0])), int(math.floor(box[1]))
        x2 = max(int(math.ceil(box[2])), x1 + 1)
        y2 = max(int(math.ceil(box[3])), y1 + 1)
        return mmcv.imresize(img[y1:y2, x1:x2], (size, size),
                             interpolation=self.interpolation)

    def transform(self, results: dict) -> dict:
        img = results['img']
        windows, boxes, num_fallback = self.sample(img, results.get(
            'proposals', np.zeros((0, 4), np.float32)))
        scenes = [self._crop(img, win, self.scene_size) for win in windows]
        instances = [self._crop(img, box, self.instance_size) for box in boxes]
        results['img'] = scenes + instances
        results['scene_boxes'] = windows
        results['instance_boxes'] = boxes
        results['num_fallback_instances'] = num_fallback
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_instances={self.num_instances}, '
                f'max_tries={self.max_tries}, scene_size={self.scene_size}, '
                f'instance_size={self.instance_size}, '
                f'instance_select={self.instance_select!r})')


@TRANSFORMS.register_module()
class UniVIPViewAugment(BaseTransform):
    """Per-view augmentations of the sampler's output (spec section 5).

    ``img`` = [scene1, scene2, instance_1..instance_K] becomes
    [T1(scene1), T2(scene2), Ti(instance_1)..Ti(instance_K)] and, with
    ``instance_two_views``, a second independently augmented copy of every instance
    for the target network is appended (2 + 2K views). Without it the target sees the
    same augmented instance as the online network (the identical-input variant).

    Args:
        scene_pipelines (list[list[dict]]): [T1, T2] for the two scenes.
        instance_pipelines (list[list[dict]]): [online] or [online, target]
            augmentation for instances; with one entry it is used for both.
        instance_two_views (bool): Separate target augmentation. Defaults to True
            [INF].
    """

    def __init__(self,
                 scene_pipelines: List[List[dict]],
                 instance_pipelines: List[List[dict]],
                 instance_two_views: bool = True) -> None:
        if len(scene_pipelines) != 2:
            raise ValueError(f'UniVIPViewAugment needs 2 scene_pipelines (T1, T2), '
                             f'got {len(scene_pipelines)}.')
        if len(instance_pipelines) not in (1, 2):
            raise ValueError('instance_pipelines must hold 1 or 2 pipelines '
                             f'(online[, target]), got {len(instance_pipelines)}.')
        self.scene_pipelines = [Compose(p) for p in scene_pipelines]
        self.instance_pipelines = [Compose(p) for p in instance_pipelines]
        self.instance_two_views = instance_two_views

    @staticmethod
    def _apply(pipeline: Compose, img: np.ndarray) -> np.ndarray:
        return pipeline(dict(img=img, img_shape=img.shape[:2],
                             ori_shape=img.shape[:2]))['img']

    def transform(self, results: dict) -> dict:
        views = results['img']
        scenes = [self._apply(p, v) for p, v in zip(self.scene_pipelines, views[:2])]
        online = [self._apply(self.instance_pipelines[0], v) for v in views[2:]]
        results['img'] = scenes + online
        if self.instance_two_views:
            target = self.instance_pipelines[-1]
            results['img'] += [self._apply(target, v) for v in views[2:]]
        return results

