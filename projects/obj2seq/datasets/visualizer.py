"""Detections with keypoint skeletons drawn on images (used by ``--show-dir``)."""
import os.path as osp

import numpy as np
from mmengine.structures import InstanceData

from mmdet.registry import VISUALIZERS
from mmdet.visualization import DetLocalVisualizer

from .coco_keypoint import COCO_SKELETON


@VISUALIZERS.register_module()
class KeypointDetLocalVisualizer(DetLocalVisualizer):
    """DetLocalVisualizer that also draws ``instances.keypoints`` and the skeleton,
    and saves PNG files (``out_file`` gets a ``.png`` extension).

    Args:
        skeleton (sequence[tuple[int, int]]): joint pairs to connect. Defaults
            to COCO's 19 limbs.
        keypoint_color (tuple): RGB colour of joints and limbs.
        radius (int): joint marker size.
    """

    def __init__(self, name: str = 'visualizer', skeleton=COCO_SKELETON,
                 keypoint_color=(255, 128, 0), radius: int = 3,
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.skeleton = [tuple(p) for p in skeleton]
        self.keypoint_color = keypoint_color
        self.radius = radius

    def add_datasample(self, name, image, data_sample=None, *args,
                       out_file=None, **kwargs) -> None:
        if out_file is not None:
            out_file = osp.splitext(out_file)[0] + '.png'
        super().add_datasample(name, image, data_sample, *args,
                               out_file=out_file, **kwargs)

    def _draw_instances(self, image: np.ndarray, instances: InstanceData,
                        classes, palette) -> np.ndarray:
        image = super()._draw_instances(image, instances, classes, palette)
        if 'keypoints' not in instances or len(instances) == 0:
            return image
        self.set_image(image)
        kpts = instances.keypoints
        kpts = kpts.cpu().numpy() if hasattr(kpts, 'cpu') else np.asarray(kpts)
        for person in kpts:
            xy = person[:, :2]
            vis = person[:, 2] > 0 if person.shape[1] == 3 else \
                np.ones(len(person), bool)
            for i, j in self.skeleton:
                if i < len(xy) and j < len(xy) and vis[i] and vis[j]:
                    self.draw_lines(
                        np.array([xy[i, 0], xy[j, 0]]),
                        np.array([xy[i, 1], xy[j, 1]]),
                        colors=self.keypoint_color, line_widths=1)
            if vis.any():
                self.draw_points(xy[vis], colors=self.keypoint_color,
                                 sizes=np.full(int(vis.sum()),
                                               self.radius**2))
        return self.get_image()
