"""Image as a one-frame clip, so image-text pairs (COCO, CC3M) share the video pipeline.

Frozen in Time (and MAC, "omnivorous") treat an image as a video of T = 1 frame: only the
first temporal embedding row is used and time attention sees groups of one token.
"""
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS


@TRANSFORMS.register_module()
class MACLoadImageClip(BaseTransform):
    """Read ``img_path`` (RGB, like decord frames) into ``imgs = [frame]`` with clip keys set.

    Sets ``imgs``, ``clip_len = num_clips = 1``, ``frame_inds``, ``original_shape``,
    ``img_shape`` and ``modality``, the keys mmaction2's crop, flip and ``FormatShape``
    transforms expect after ``DecordDecode``.
    """

    def transform(self, results: dict) -> dict:
        path = results['img_path']
        img = mmcv.imread(path, channel_order='rgb')
        if img is None:
            raise IOError(f'{path} is not a readable image; re-encode it or '
                          'remove it from the annotation file')
        results['imgs'] = [img]
        results['clip_len'] = 1
        results['num_clips'] = 1
        results['frame_inds'] = np.zeros(1, np.int64)
        results['total_frames'] = 1
        results['original_shape'] = img.shape[:2]
        results['img_shape'] = img.shape[:2]
        results['modality'] = 'RGB'
        return results
