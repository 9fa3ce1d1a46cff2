"""Keypoint-aware versions of mmdet's loading, resize, flip, crop and packing.

mmdet 3 transforms ignore keypoints (``RandomCrop`` even drops instances without
telling). Keypoints live in ``results['gt_keypoints']``, an (n, K, 3) float array in
pixels (x, y, visibility), row i belonging to ``results['gt_bboxes'][i]``.
"""
from typing import Sequence

import numpy as np

from mmdet.datasets.transforms import (LoadAnnotations, PackDetInputs,
                                       RandomCrop, RandomFlip, Resize)
from mmdet.registry import TRANSFORMS

from .coco_keypoint import COCO_FLIP_INDICES


@TRANSFORMS.register_module()
class LoadKeypointAnnotations(LoadAnnotations):
    """LoadAnnotations that also reads ``instances[i]['keypoints']`` into
    ``results['gt_keypoints']`` (n, K, 3).

    Args:
        num_keypoints (int): K, used for images without instances. Defaults to 17.
    """

    def __init__(self, *args, num_keypoints: int = 17, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.num_keypoints = num_keypoints

    def transform(self, results: dict) -> dict:
        results = super().transform(results)
        kpts = [inst['keypoints'] for inst in results.get('instances', [])]
        if kpts:
            arr = np.stack([np.asarray(k, np.float32).reshape(-1, 3)
                            for k in kpts])
        else:
            arr = np.zeros((0, self.num_keypoints, 3), np.float32)
        results['gt_keypoints'] = arr
        return results


@TRANSFORMS.register_module()
class KeypointResize(Resize):
    """Resize that scales ``gt_keypoints`` x/y by the step's scale factor."""

    def transform(self, results: dict) -> dict:
        results = super().transform(results)
        if results.get('gt_keypoints', None) is not None:
            w_scale, h_scale = results['scale_factor']
            kpts = results['gt_keypoints'].copy()
            kpts[..., 0] *= w_scale
            kpts[..., 1] *= h_scale
            results['gt_keypoints'] = kpts
        return results


@TRANSFORMS.register_module()
class KeypointRandomFlip(RandomFlip):
    """RandomFlip that mirrors keypoints (x -> w - x) and swaps left/right joints.

    Args:
        flip_indices (sequence[int]): joint i takes joint ``flip_indices[i]``
            after a horizontal flip. Defaults to COCO's 17 joints.
    """

    def __init__(self, *args,
                 flip_indices: Sequence[int] = COCO_FLIP_INDICES,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.flip_indices = list(flip_indices)

    def _flip(self, results: dict) -> None:
        super()._flip(results)
        kpts = results.get('gt_keypoints', None)
        if kpts is None:
            return
        if results['flip_direction'] != 'horizontal':
            raise ValueError(
                f"flip_direction={results['flip_direction']!r} is not supported "
                "for keypoints; use direction='horizontal'.")
        if kpts.shape[1] != len(self.flip_indices):
            raise ValueError(
                f'{kpts.shape[1]} keypoints but flip_indices has '
                f'{len(self.flip_indices)} entries; pass flip_indices= for K.')
        w = results['img_shape'][1]
        kpts = kpts[:, self.flip_indices].copy()
        kpts[..., 0] = w - kpts[..., 0]
        results['gt_keypoints'] = kpts


@TRANSFORMS.register_module()
class KeypointRandomCrop(RandomCrop):
    """RandomCrop that shifts keypoints with the crop and keeps them attached to
    the instances the crop keeps. Keypoints are not clamped (as in the official
    pipeline); joints that leave the image are masked by the losses."""

    def _rand_offset(self, margin):
        offset = super()._rand_offset(margin)
        self._last_offset = offset
        return offset

    def _crop_data(self, results: dict, crop_size, allow_negative_crop: bool):
        kpts = results.get('gt_keypoints', None)
        bboxes = results.get('gt_bboxes', None)
        orig = bboxes.clone() if bboxes is not None else None
        results = super()._crop_data(results, crop_size, allow_negative_crop)
        if results is None or kpts is None or orig is None:
            return results
        offset_h, offset_w = self._last_offset
        orig.translate_([-offset_w, -offset_h])
        img_shape = results['img_shape'][:2]
        if self.bbox_clip_border:
            orig.clip_(img_shape)
        valid = orig.is_inside(img_shape).numpy()
        kpts = kpts[valid].copy()
        kpts[..., 0] -= offset_w
        kpts[..., 1] -= offset_h
        results['gt_keypoints'] = kpts
        return results


@TRANSFORMS.register_module()
class PackKeypointDetInputs(PackDetInputs):
    """PackDetInputs that also packs ``gt_keypoints`` into
    ``gt_instances.keypoints`` (and ``ignored_instances`` for crowd rows)."""

    mapping_table = dict(PackDetInputs.mapping_table,
                         gt_keypoints='keypoints')
