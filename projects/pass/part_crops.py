"""Part-aware multi-crop views of PASS (official ``DataAugmentationDINO`` in
``PASS/main_pass.py``).

Two global crops of the whole image, then ``num_local_crops / num_parts`` local crops of
each horizontal body area, area by area: ``[g1, g2, top x3, middle x3, bottom x3]``
(official order; the model routes the locals of area ``k`` to [PART]_k). Areas span the
full width and are cut from the *original* image (before any resize) with ``int()``
truncation: area ``k`` covers rows ``[int(s_k H), int(s_k H) + int(a H))`` with starts
``s = (0, 0.25, 0.5)`` and height ``a = 0.5``, so for odd H the last row belongs to no
area. The local crop scale is relative to the area. Photometric steps and the per-call
blur radius are those of :class:`~projects.common.ssl.multi_crop.MultiCrop`.
"""
import copy
from typing import List, Sequence, Tuple

from mmpretrain.registry import TRANSFORMS

from projects.common.ssl.multi_crop import MultiCrop


def area_rows(height: int, starts: Sequence[float],
              area_height: float) -> List[Tuple[int, int]]:
    """``[(r0, r1), ...]`` rows of each area of an image ``height`` rows tall."""
    size = int(area_height * height)
    return [(int(s * height), int(s * height) + size) for s in starts]


@TRANSFORMS.register_module()
class PASSMultiCrop(MultiCrop):
    """Global crops of the image and local crops of its fixed horizontal areas.

    Args:
        num_parts (int): Number of areas. Defaults to 3.
        area_starts (Sequence[float]): Top row of each area as a fraction of H.
            Defaults to (0, 0.25, 0.5).
        area_height (float): Area height as a fraction of H. Defaults to 0.5.
        global_crop_size: Defaults to (256, 128) (h, w).
        local_crop_size: Defaults to (128, 64).
        num_local_crops (int): Total local crops, a multiple of ``num_parts``.
            Defaults to 9.
        local_crop_scale (tuple): Area range relative to the body area. Defaults to
            (0.1, 0.8) (official script value).
        **kwargs: the other :class:`MultiCrop` arguments (blur, solarize, jitter).
    """

    def __init__(self,
                 num_parts: int = 3,
                 area_starts: Sequence[float] = (0.0, 0.25, 0.5),
                 area_height: float = 0.5,
                 global_crop_size=(256, 128),
                 local_crop_size=(128, 64),
                 num_local_crops: int = 9,
                 local_crop_scale=(0.1, 0.8),
                 **kwargs):
        if num_local_crops % num_parts:
            raise ValueError(
                f'PASSMultiCrop: num_local_crops={num_local_crops} is not a '
                f'multiple of num_parts={num_parts}; every area needs the same '
                'number of local crops.')
        if len(area_starts) != num_parts:
            raise ValueError(
                f'PASSMultiCrop: {len(area_starts)} area_starts for num_parts='
                f'{num_parts}; give one start per area.')
        if not all(0 <= s and s + area_height <= 1 for s in area_starts):
            raise ValueError(
                f'PASSMultiCrop: areas {tuple(area_starts)} of height '
                f'{area_height} leave the image; keep start + height <= 1.')
        self.num_parts = num_parts
        self.area_starts = tuple(area_starts)
        self.area_height = area_height
        self.crops_per_part = num_local_crops // num_parts
        super().__init__(
            global_crop_size=global_crop_size,
            local_crop_size=local_crop_size,
            num_local_crops=num_local_crops,
            local_crop_scale=local_crop_scale,
            **kwargs)

    def transform(self, results: dict) -> dict:
        img = results['img']
        height = img.shape[0]
        areas = area_rows(height, self.area_starts, self.area_height)
        if min(r1 - r0 for r0, r1 in areas) < 1:
            raise ValueError(
                f'PASSMultiCrop: image {results.get("img_path", "")} has '
                f'{height} rows, too few for {self.num_parts} areas of '
                f'{self.area_height} x H rows; use images at least '
                f'{int(1 / self.area_height) + 1} rows high.')
        num_global = len(self.global_blur_probs)
        views = []
        for i, pipeline in enumerate(self.pipelines):
            view = copy.deepcopy(results)
            if i >= num_global:
                r0, r1 = areas[(i - num_global) // self.crops_per_part]
                view['img'] = img[r0:r1]
                view['img_shape'] = view['img'].shape[:2]
            views.append(pipeline(view)['img'])
        results['img'] = views
        return results
