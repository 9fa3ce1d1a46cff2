"""COCO person keypoints as an mmdet detection dataset (each instance gets its joints)."""
from typing import List, Union

import numpy as np

from mmdet.datasets import CocoDataset
from mmdet.registry import DATASETS

COCO_FLIP_INDICES = (0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15)
COCO_SKELETON = ((15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11),
                 (6, 12), (5, 6), (5, 7), (6, 8), (7, 9), (8, 10), (1, 2),
                 (0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6))


@DATASETS.register_module()
class CocoKeypointDataset(CocoDataset):
    """``person_keypoints_*.json`` with ``instances[i]['keypoints']`` of shape (K, 3).

    Args:
        min_visible_keypoints (int): when > 0, training (``test_mode=False``)
            keeps an image only under the official (maskrcnn-benchmark) rule,
            which replaces ``filter_cfg``: it has annotations, one of them
            (crowd included) has a box wider and taller than 1 px, and all its
            annotations together have at least this many visible joints
            (official: 10). 0 uses mmdet's ``filter_cfg`` alone. Defaults to 0.
    """

    METAINFO = dict(
        classes=('person', ),
        palette=[(220, 20, 60)],
        flip_indices=COCO_FLIP_INDICES,
        skeleton=COCO_SKELETON)

    def __init__(self, *args, min_visible_keypoints: int = 0, **kwargs) -> None:
        self.min_visible_keypoints = min_visible_keypoints
        super().__init__(*args, **kwargs)

    def _kept(self, ann: dict, img_w: int, img_h: int) -> bool:
        """The instance filter of ``CocoDataset.parse_data_info``."""
        if ann.get('ignore', False):
            return False
        x1, y1, w, h = ann['bbox']
        inter_w = max(0, min(x1 + w, img_w) - max(x1, 0))
        inter_h = max(0, min(y1 + h, img_h) - max(y1, 0))
        if inter_w * inter_h == 0 or ann['area'] <= 0 or w < 1 or h < 1:
            return False
        return ann['category_id'] in self.cat_ids

    def parse_data_info(self, raw_data_info: dict) -> Union[dict, List[dict]]:
        data_info = super().parse_data_info(raw_data_info)
        img = raw_data_info['raw_img_info']
        kept = [ann for ann in raw_data_info['raw_ann_info']
                if self._kept(ann, img['width'], img['height'])]
        if len(kept) != len(data_info['instances']):
            raise RuntimeError(
                f'image {img["id"]}: {len(kept)} kept annotations but '
                f'{len(data_info["instances"])} instances; the CocoDataset '
                'filter changed, update CocoKeypointDataset._kept.')
        for inst, ann in zip(data_info['instances'], kept):
            kpts = ann.get('keypoints', [])
            inst['keypoints'] = np.asarray(kpts, dtype=np.float32).reshape(-1, 3)
        data_info['official_keep'] = official_keep(
            raw_data_info['raw_ann_info'], self.min_visible_keypoints)
        return data_info

    def filter_data(self) -> List[dict]:
        if self.test_mode or self.min_visible_keypoints <= 0:
            return super().filter_data()
        return [info for info in self.data_list if info['official_keep']]


def official_keep(anns: List[dict], min_visible: int) -> bool:
    """The official training image rule on all annotations of one image."""
    if not anns:
        return False
    if all(min(ann['bbox'][2:]) <= 1 for ann in anns):
        return False
    if 'keypoints' not in anns[0]:
        return True
    visible = sum(1 for ann in anns for v in ann['keypoints'][2::3] if v > 0)
    return visible >= min_visible
