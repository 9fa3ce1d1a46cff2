"""Multi-crop augmentation of DINO (sec. 3.1, app. D; official ``DataAugmentationDINO``).

Two global crops and ``num_local_crops`` small local crops, built from mmpretrain's own
transforms (``RandomResizedCrop``, ``RandomFlip``, ``RandomApply[ColorJitter]``,
``RandomGrayscale``, ``GaussianBlur``, ``Solarize``). Official probabilities: blur 1.0 on
the first global crop, 0.1 on the second, 0.5 on locals; solarisation 0.2 on the second
global crop only. The blur radius is drawn per call, uniformly in ``blur_radius_range``
(mmpretrain's ``GaussianBlur`` with ``magnitude_std='inf'``), unlike mmpretrain's
``DINOMultiCrop``, which fixes one radius at construction and blurs both global crops.

Subclasses change the views by overriding :meth:`view_pipelines` (e.g. a different set of
crops) or :meth:`transform` (e.g. cropping a region before the views, as PASS does).
"""
import copy
from typing import List, Sequence, Tuple

from mmcv.transforms import BaseTransform, Compose
from mmpretrain.registry import TRANSFORMS


@TRANSFORMS.register_module()
class MultiCrop(BaseTransform):
    """Turn ``results['img']`` (HWC) into a list of global then local crops.

    Args:
        global_crop_size (int | tuple): Output size of the global crops. Defaults to 224.
        local_crop_size (int | tuple): Output size of the local crops. Defaults to 96.
        num_local_crops (int): Number of local crops. Defaults to 8.
        global_crop_scale (tuple): Area range of global crops. Defaults to (0.4, 1.0).
        local_crop_scale (tuple): Area range of local crops. Defaults to (0.05, 0.4).
        global_blur_probs (Sequence[float]): Blur probability per global crop; its length
            is the number of global crops. Defaults to (1.0, 0.1).
        global_solarize_probs (Sequence[float]): Solarisation probability per global
            crop. Defaults to (0.0, 0.2).
        local_blur_prob (float): Blur probability of the local crops. Defaults to 0.5.
        blur_radius_range (tuple): Radius range sampled per call. Defaults to (0.1, 2.0).
        color_jitter (dict): ColorJitter strengths, applied with probability
            ``color_jitter_prob``. Defaults to brightness 0.4, contrast 0.4,
            saturation 0.2, hue 0.1 (p 0.8).
        grayscale_prob (float): Defaults to 0.2.
        interpolation (str): Resize interpolation. Defaults to 'bicubic'.
    """

    def __init__(self,
                 global_crop_size=224,
                 local_crop_size=96,
                 num_local_crops: int = 8,
                 global_crop_scale: Tuple[float, float] = (0.4, 1.0),
                 local_crop_scale: Tuple[float, float] = (0.05, 0.4),
                 global_blur_probs: Sequence[float] = (1.0, 0.1),
                 global_solarize_probs: Sequence[float] = (0.0, 0.2),
                 local_blur_prob: float = 0.5,
                 blur_radius_range: Tuple[float, float] = (0.1, 2.0),
                 color_jitter: dict = dict(brightness=0.4, contrast=0.4,
                                           saturation=0.2, hue=0.1),
                 color_jitter_prob: float = 0.8,
                 grayscale_prob: float = 0.2,
                 interpolation: str = 'bicubic') -> None:
        if len(global_blur_probs) != len(global_solarize_probs):
            raise ValueError(
                f'MultiCrop: global_blur_probs {tuple(global_blur_probs)} and '
                f'global_solarize_probs {tuple(global_solarize_probs)} need one value '
                'per global crop each.')
        self.global_crop_size = global_crop_size
        self.local_crop_size = local_crop_size
        self.num_local_crops = num_local_crops
        self.global_crop_scale = tuple(global_crop_scale)
        self.local_crop_scale = tuple(local_crop_scale)
        self.global_blur_probs = tuple(global_blur_probs)
        self.global_solarize_probs = tuple(global_solarize_probs)
        self.local_blur_prob = local_blur_prob
        self.blur_radius_range = tuple(blur_radius_range)
        self.color_jitter = dict(color_jitter)
        self.color_jitter_prob = color_jitter_prob
        self.grayscale_prob = grayscale_prob
        self.interpolation = interpolation
        self.pipelines = [Compose([TRANSFORMS.build(t) for t in view])
                          for view in self.view_pipelines()]

    def photometric(self, blur_prob: float, solarize_prob: float) -> List[dict]:
        """Flip, colour jitter, grayscale, blur (per-call radius) and solarisation."""
        steps = [
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            dict(type='RandomApply', prob=self.color_jitter_prob,
                 transforms=[dict(type='ColorJitter', **self.color_jitter)]),
            dict(type='RandomGrayscale', prob=self.grayscale_prob,
                 keep_channels=True),
        ]
        if blur_prob > 0:
            steps.append(dict(type='GaussianBlur', prob=blur_prob,
                              magnitude_range=self.blur_radius_range,
                              magnitude_std='inf'))
        if solarize_prob > 0:
            steps.append(dict(type='Solarize', thr=128, prob=solarize_prob))
        return steps

    def crop(self, size, scale) -> dict:
        return dict(type='RandomResizedCrop', scale=size, crop_ratio_range=scale,
                    interpolation=self.interpolation, backend='pillow')

    def view_pipelines(self) -> List[List[dict]]:
        """One transform list per output view: global crops first, then locals."""
        views = [[self.crop(self.global_crop_size, self.global_crop_scale)] +
                 self.photometric(blur, sol)
                 for blur, sol in zip(self.global_blur_probs, self.global_solarize_probs)]
        views += [[self.crop(self.local_crop_size, self.local_crop_scale)] +
                  self.photometric(self.local_blur_prob, 0.)
                  for _ in range(self.num_local_crops)]
        return views

    def transform(self, results: dict) -> dict:
        views = [pipeline(copy.deepcopy(results))['img'] for pipeline in self.pipelines]
        results['img'] = views
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(global={len(self.global_blur_probs)}x'
                f'{self.global_crop_size}, local={self.num_local_crops}x'
                f'{self.local_crop_size}, blur_radius_range={self.blur_radius_range})')
