"""Scene images with offline object proposals for UniVIP (spec sections 1.2 and 5).

Annotation file (mmengine BaseDataset JSON)::

    {"metainfo": {"proposal_format": "xyxy",
                  "filters": {"min_size": 64, "max_ratio": 3, "iou_thr": 0.5}},
     "data_list": [{"img_path": "000001.jpg", "proposals": [[x1, y1, x2, y2], ...],
                    "width": 640, "height": 480}, ...]}

Proposals are in rank order and original-image pixels; an image may have none (the
sampler then falls back to random boxes).
"""
import os.path as osp

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log
from mmpretrain.registry import DATASETS


@DATASETS.register_module()
class UniVIPProposalDataset(BaseDataset):
    """Images plus ``proposals`` (M, 4) float32 xyxy arrays.

    Boxes reaching outside a known ``width``/``height`` are clipped to the image and
    boxes left empty are dropped; how many images were affected is logged. Every
    image path is checked when the dataset is built (``check_files``), and the first
    missing one is named together with the ``data_prefix`` used.
    """

    METAINFO = dict(proposal_format='xyxy')

    def __init__(self, *args, check_files: bool = True, **kwargs) -> None:
        self.check_files = check_files
        self._clipped = 0
        super().__init__(*args, **kwargs)

    def parse_data_info(self, raw_data_info: dict) -> dict:
        info = super().parse_data_info(dict(raw_data_info))
        img_path = info['img_path']
        boxes = np.asarray(info.get('proposals', []), dtype=np.float32)
        if boxes.size == 0:
            boxes = np.zeros((0, 4), np.float32)
        if boxes.ndim != 2 or boxes.shape[1] != 4:
            raise ValueError(
                f'{self.ann_file}: proposals of {img_path} have shape {boxes.shape}; '
                'expected a list of [x1, y1, x2, y2] boxes.')
        if not np.isfinite(boxes).all():
            raise ValueError(f'{self.ann_file}: proposals of {img_path} contain NaN '
                             'or inf; regenerate them with univip_proposals.py.')
        if 'width' in info and 'height' in info:
            limit = np.array([info['width'], info['height']] * 2, np.float32)
            clipped = np.clip(boxes, 0, limit)
            if not np.array_equal(clipped, boxes):
                self._clipped += 1
            boxes = clipped
        keep = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
        info['proposals'] = boxes[keep]
        return info

    def load_data_list(self):
        self._clipped = 0
        data_list = super().load_data_list()
        if self._clipped:
            print_log(f'{self.ann_file}: proposals of {self._clipped} images reached '
                      'outside the image and were clipped.', logger='current')
        if self.check_files:
            for info in data_list:
                if not osp.exists(info['img_path']):
                    raise FileNotFoundError(
                        f'{self.ann_file}: image {info["img_path"]} does not exist '
                        f'(data_prefix={self.data_prefix}). Point data_root / '
                        'data_prefix at the folder the proposals were made from.')
        return data_list
