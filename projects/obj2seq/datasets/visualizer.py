"""Detections with keypoint skeletons and multi-label scores drawn on images
(``--show-dir``, ``DetInferencer``)."""
import os.path as osp

import numpy as np
from mmengine.structures import InstanceData

from mmdet.registry import VISUALIZERS
from mmdet.visualization import DetLocalVisualizer

from .coco_keypoint import COCO_SKELETON


@VISUALIZERS.register_module()
class KeypointDetLocalVisualizer(DetLocalVisualizer):
    """DetLocalVisualizer that also draws ``instances.keypoints`` and the skeleton, the
    top class-presence scores of a data sample's ``multilabel_scores`` (C,) (the prompt
    indicator of the MLC model), and saves PNG files (``out_file`` gets ``.png``).

    Args:
        skeleton (sequence[tuple[int, int]]): joint pairs to connect. Defaults
            to COCO's 19 limbs.
        keypoint_color (tuple): RGB colour of joints and limbs.
        radius (int): joint marker size.
        multilabel_topk (int): how many classes of ``multilabel_scores`` to list.
    """

    def __init__(self, name: str = 'visualizer', skeleton=COCO_SKELETON,
                 keypoint_color=(255, 128, 0), radius: int = 3,
                 multilabel_topk: int = 5, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.skeleton = [tuple(p) for p in skeleton]
        self.keypoint_color = keypoint_color
        self.radius = radius
        self.multilabel_topk = multilabel_topk
        self._multilabel_scores = None

    def add_datasample(self, name, image, data_sample=None, *args,
                       out_file=None, **kwargs) -> None:
        if out_file is not None:
            out_file = osp.splitext(out_file)[0] + '.png'
        self._multilabel_scores = None if data_sample is None else \
            data_sample.get('multilabel_scores')
        try:
            super().add_datasample(name, image, data_sample, *args,
                                   out_file=out_file, **kwargs)
        finally:
            self._multilabel_scores = None

    def _draw_multilabel_scores(self, image: np.ndarray, classes):
        """List the top ``multilabel_topk`` classes and their scores, top left."""
        scores = self._multilabel_scores
        scores = scores.cpu().numpy() if hasattr(scores, 'cpu') else \
            np.asarray(scores)
        self.set_image(image)
        order = np.argsort(-scores)[:self.multilabel_topk]
        texts = [
            f'{classes[i] if classes and i < len(classes) else i}: '
            f'{scores[i]:.2f}' for i in order
        ]
        size = max(8, min(image.shape[:2]) // 16)
        positions = np.array([[2, 2 + k * (size + 3)]
                              for k in range(len(texts))])
        self.draw_texts(texts, positions, colors=self.text_color,
                        font_sizes=size,
                        bboxes=[dict(facecolor='black', alpha=0.6, pad=0.5,
                                     edgecolor='none')] * len(texts))
        return self.get_image()

    def _draw_instances(self, image: np.ndarray, instances: InstanceData,
                        classes, palette) -> np.ndarray:
        image = super()._draw_instances(image, instances, classes, palette)
        if self._multilabel_scores is not None:
            image = self._draw_multilabel_scores(image, classes)
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
