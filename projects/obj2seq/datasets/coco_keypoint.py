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
        min_visible_keypoints (int): in training (``filter_cfg`` set), drop images
            whose persons have fewer visible joints in total (official rule: 10).
            Defaults to 0.
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
        return data_info

    def filter_data(self) -> List[dict]:
        data_list = super().filter_data()
        if self.test_mode or self.min_visible_keypoints <= 0:
            return data_list
        kept = []
        for info in data_list:
            num_vis = sum(int((inst['keypoints'][:, 2] > 0).sum())
                          for inst in info['instances']
                          if not inst['ignore_flag'])
            if num_vis >= self.min_visible_keypoints:
                kept.append(info)
        return kept
