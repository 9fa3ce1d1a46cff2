"""Tests of tools/misc/browse_dataset.py on the tiny dataset base configs."""
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'misc'))
sys.path.insert(0, osp.join(REPO, 'tools', 'dataset_converters'))

import browse_dataset as bd  # noqa: E402
import make_tiny_datasets as mtd  # noqa: E402

CFG = osp.join(REPO, 'configs', '_base_', 'datasets')


@pytest.fixture(autouse=True)
def in_repo(monkeypatch):
    mtd.make_datasets(['coco', 'cityscapes', 'imagenet'],
                      out=osp.join(REPO, 'data', 'tiny'), quiet=True)
    monkeypatch.chdir(REPO)


@pytest.mark.parametrize('name,phase', [('tiny_coco_instance', 'val'),
                                        ('tiny_cityscapes', 'val')])
def test_writes_annotated_pngs(tmp_path, name, phase):
    written = bd.main([osp.join(CFG, f'{name}.py'), '--output-dir',
                       str(tmp_path), '--not-show', '--num', '3',
                       '--phase', phase])
    assert len(written) == 3 and all(osp.isfile(p) for p in written)
    cfg = Config.fromfile(osp.join(CFG, f'{name}.py'))
    scope, dataset = bd.build_dataset(cfg, phase)
    item = dataset[0]
    raw = bd.to_rgb_image(item['inputs'])
    drawn = np.asarray(Image.open(written[0]).convert('RGB'))
    assert drawn.shape == raw.shape
    # the annotations (boxes + masks, or the label overlay) change many pixels
    changed = (np.abs(drawn.astype(int) - raw.astype(int)).sum(2) > 30).mean()
    assert changed > 0.02, changed


@pytest.mark.parametrize('name,scope', [('tiny_coco_detection', 'mmdet'),
                                        ('tiny_cityscapes', 'mmseg'),
                                        ('tiny_imagenet', 'mmpretrain')])
def test_scope_is_inferred_without_default_scope(name, scope):
    cfg = Config.fromfile(osp.join(CFG, f'{name}.py'))
    assert 'default_scope' not in cfg
    assert bd.infer_scope(cfg, cfg.train_dataloader.dataset) == scope


def test_classification_sample_is_drawn_larger_with_label(tmp_path):
    written = bd.main([osp.join(CFG, 'tiny_imagenet.py'), '--output-dir',
                       str(tmp_path), '--not-show', '--num', '1'])
    img = np.asarray(Image.open(written[0]))
    assert img.shape[0] == 224 and img.shape[1] == 224


def test_multi_view_inputs_side_by_side_and_bgr_to_rgb():
    a = torch.zeros(3, 8, 6, dtype=torch.uint8)
    a[0] = 255  # blue channel in BGR
    b = torch.zeros(3, 6, 5, dtype=torch.uint8)
    img = bd.to_rgb_image([a, b])
    assert img.shape == (8, 6 + 4 + 5, 3)
    assert (img[:, :6, 2] == 255).all() and (img[:, :6, 0] == 0).all()


def test_keypoints_are_drawn_only_where_visible():
    from mmdet.visualization import DetLocalVisualizer
    from mmengine.structures import InstanceData
    vis = DetLocalVisualizer(name='kp_test_visualizer')
    image = np.zeros((40, 40, 3), np.uint8)
    gt = InstanceData(keypoints=torch.tensor([[[10., 10., 2.], [30., 30., 0.],
                                               [10., 30., 1.]]]))
    out = bd.draw_keypoints(vis, image, gt, skeleton=[[1, 2], [1, 3]])
    assert out[10, 10].sum() > 0 and out[30, 10].sum() > 0
    assert out[30, 30].sum() == 0  # not labelled: no point, no limb to it
    assert out[20, 10].sum() > 0  # the visible limb 1-3 is drawn


def test_missing_phase_names_the_fix():
    cfg = Config(dict(train_dataloader=dict(dataset=dict(type='CocoDataset'))))
    with pytest.raises(KeyError, match='--phase'):
        bd.build_dataset(cfg, 'test')


def test_test_pipeline_boxes_are_scaled_to_the_drawn_image():
    from mmdet.structures.bbox import HorizontalBoxes
    from mmdet.structures.mask import BitmapMasks
    from mmengine.structures import InstanceData
    cfg = Config.fromfile(osp.join(CFG, 'tiny_coco_instance.py'))
    assert not bd.annotations_after_resize(cfg.train_dataloader.dataset)
    assert bd.annotations_after_resize(cfg.val_dataloader.dataset)
    mask = np.zeros((1, 100, 50), np.uint8)
    mask[0, 10:20, 5:15] = 1
    gt = InstanceData(bboxes=HorizontalBoxes(torch.tensor([[5., 10., 15.,
                                                            20.]])),
                      masks=BitmapMasks(mask, 100, 50))
    meta = dict(scale_factor=(2.0, 2.0), ori_shape=(100, 50),
                img_shape=(200, 100))
    bd._instances_to_image_scale(gt, meta, (200, 100), at_original=True)
    assert gt.bboxes.tolist() == [[10., 20., 30., 40.]]
    assert gt.masks.shape == (1, 200, 100) and gt.masks.dtype == bool
    assert gt.masks[0, 20:40, 10:30].all() and gt.masks.sum() == 400
    gt = InstanceData(bboxes=HorizontalBoxes(torch.tensor([[5., 10., 15.,
                                                            20.]])))
    bd._instances_to_image_scale(gt, meta, (200, 100), at_original=False)
    assert gt.bboxes.tolist() == [[5., 10., 15., 20.]]
