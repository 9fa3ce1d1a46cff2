"""MultiCrop: view layout, official probabilities and a blur radius drawn per call."""
import pytest
import numpy as np
from PIL import ImageFilter
from mmpretrain.registry import TRANSFORMS

import projects.common.ssl  # noqa: F401

pytestmark = pytest.mark.usefixtures('mmpretrain_scope')


def _blurs(pipeline):
    return [t for t in pipeline.transforms if type(t).__name__ == 'GaussianBlur']


def test_views_sizes_and_probabilities():
    crop = TRANSFORMS.build(dict(type='MultiCrop', global_crop_size=32,
                                 local_crop_size=16, num_local_crops=3))
    img = np.random.default_rng(0).integers(0, 256, (48, 40, 3), dtype=np.uint8)
    views = crop(dict(img=img))['img']
    assert [v.shape for v in views] == [(32, 32, 3)] * 2 + [(16, 16, 3)] * 3
    assert all(v.dtype == np.uint8 for v in views)
    blur_probs = [_blurs(p)[0].prob for p in crop.pipelines]
    assert blur_probs == [1.0, 0.1, 0.5, 0.5, 0.5]
    solarize = [[t.prob for t in p.transforms if type(t).__name__ == 'Solarize']
                for p in crop.pipelines]
    assert solarize == [[], [0.2], [], [], []]


def test_blur_radius_is_drawn_per_call(monkeypatch):
    radii = []
    real = ImageFilter.GaussianBlur

    def recording(radius=2):
        radii.append(radius)
        return real(radius)

    monkeypatch.setattr(ImageFilter, 'GaussianBlur', recording)
    crop = TRANSFORMS.build(dict(type='MultiCrop', global_crop_size=16,
                                 num_local_crops=0, global_blur_probs=(1.0, ),
                                 global_solarize_probs=(0.0, )))
    img = np.full((24, 24, 3), 100, np.uint8)
    np.random.seed(0)
    for _ in range(6):
        crop(dict(img=img.copy()))
    assert len(radii) == 6
    assert len(set(radii)) == 6  # a new radius every call (DINOMultiCrop: one forever)
    assert all(0.1 <= r <= 2.0 for r in radii)
