"""Keypoints through mmdet's pipeline, the COCO keypoint metric and multi-label mAP."""
import json

import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

from mmdet.structures.bbox import HorizontalBoxes
from projects.obj2seq.datasets import (CocoKeypointDataset, CocoKeypointMetric,
                                       KeypointRandomCrop, KeypointRandomFlip,
                                       KeypointResize, LoadKeypointAnnotations,
                                       MultiLabelMAPMetric,
                                       PackKeypointDetInputs)
from projects.obj2seq.datasets.coco_keypoint import COCO_FLIP_INDICES
from projects.obj2seq.datasets.metrics import voc_average_precision


def results_with(boxes, h=100, w=100):
    """Keypoints of instance i: joint j at (x1 + j, y1 + 1), visibility = i + 1
    (used as an instance id to check they stay attached)."""
    boxes = np.asarray(boxes, np.float32)
    kpts = np.zeros((len(boxes), 17, 3), np.float32)
    for i, box in enumerate(boxes):
        kpts[i, :, 0] = box[0] + np.arange(17) * 0.5
        kpts[i, :, 1] = box[1] + 1
        kpts[i, :, 2] = i + 1
    return dict(img=np.zeros((h, w, 3), np.uint8), img_shape=(h, w),
                gt_bboxes=HorizontalBoxes(boxes),
                gt_bboxes_labels=np.zeros(len(boxes), np.int64),
                gt_ignore_flags=np.zeros(len(boxes), bool),
                gt_keypoints=kpts)


def test_flip_mirrors_and_swaps_left_right():
    res = results_with([[10, 20, 40, 60], [50, 5, 90, 30]], w=100)
    orig = res['gt_keypoints'].copy()
    out = KeypointRandomFlip(prob=1.0)(res)
    kpts = out['gt_keypoints']
    assert out['flip'] and kpts.shape == orig.shape
    for j, src in enumerate(COCO_FLIP_INDICES):
        assert np.allclose(kpts[:, j, 0], 100 - orig[:, src, 0])
        assert np.allclose(kpts[:, j, 1:], orig[:, src, 1:])
    boxes = out['gt_bboxes'].numpy()
    for i in range(2):
        assert (kpts[i, :, 0] <= boxes[i, 2] + 1e-4).all()
        assert (kpts[i, :, 0] >= boxes[i, 0] - 1e-4).all()


def test_resize_scales_keypoints():
    res = results_with([[10, 20, 40, 60]], h=100, w=100)
    orig = res['gt_keypoints'].copy()
    out = KeypointResize(scale=(200, 50), keep_ratio=False)(res)
    assert np.allclose(out['gt_keypoints'][..., 0], orig[..., 0] * 2)
    assert np.allclose(out['gt_keypoints'][..., 1], orig[..., 1] * 0.5)
    assert np.allclose(out['gt_keypoints'][..., 2], orig[..., 2])


@pytest.mark.parametrize('seed', range(6))
def test_crop_keeps_keypoints_with_their_instances(seed):
    np.random.seed(seed)
    boxes = np.array([[0, 0, 10, 10], [88, 88, 100, 100], [40, 40, 60, 60]],
                     np.float32)
    res = results_with(boxes)
    orig = res['gt_keypoints'].copy()
    crop = KeypointRandomCrop(crop_size=(30, 30), allow_negative_crop=True)
    out = crop(res)
    kpts, kept = out['gt_keypoints'], out['gt_bboxes'].numpy()
    assert len(kpts) == len(kept) < 3
    oy, ox = crop._last_offset
    for i in range(len(kept)):
        ident = int(kpts[i, 0, 2]) - 1
        expected_box = np.clip(boxes[ident] - [ox, oy, ox, oy], 0, 30)
        assert np.allclose(kept[i], expected_box)
        assert np.allclose(kpts[i, :, 0], orig[ident, :, 0] - ox)  # shifted,
        assert np.allclose(kpts[i, :, 1], orig[ident, :, 1] - oy)  # not clamped
    assert out['gt_bboxes_labels'].shape[0] == len(kpts)


def test_pack_puts_keypoints_in_instances_and_crowd_in_ignored():
    res = results_with([[10, 20, 40, 60], [50, 5, 90, 30]])
    res['gt_ignore_flags'] = np.array([False, True])
    res.update(img_id=0, img_path='x.jpg', ori_shape=(100, 100),
               scale_factor=(1., 1.))
    out = PackKeypointDetInputs(meta_keys=('img_id', 'img_shape'))(res)
    sample = out['data_samples']
    assert sample.gt_instances.keypoints.shape == (1, 17, 3)
    assert sample.gt_instances.keypoints[0, 0, 2] == 1
    assert sample.ignored_instances.keypoints[0, 0, 2] == 2


def keypoint_gt(path):
    """Two images, three persons (one crowd-free, all 17 joints labelled)."""
    rng = np.random.RandomState(0)
    images = [dict(id=1, file_name='a.jpg', width=100, height=80),
              dict(id=2, file_name='b.jpg', width=120, height=90)]
    anns = []
    for aid, (img_id, box) in enumerate([(1, [10, 10, 40, 50]),
                                         (1, [50, 20, 30, 40]),
                                         (2, [20, 15, 60, 70])], start=1):
        x, y, w, h = box
        kp = np.stack([x + rng.rand(17) * w, y + rng.rand(17) * h,
                       np.full(17, 2)], 1)
        anns.append(dict(id=aid, image_id=img_id, category_id=1, bbox=box,
                         area=w * h, iscrowd=0, num_keypoints=17,
                         keypoints=kp.reshape(-1).tolist()))
    data = dict(images=images, annotations=anns,
                categories=[dict(id=1, name='person', supercategory='person')])
    path.write_text(json.dumps(data))
    return data


def test_keypoint_dataset_and_loader(tmp_path):
    ann = tmp_path / 'kpts.json'
    gt = keypoint_gt(ann)
    ds = CocoKeypointDataset(ann_file=str(ann), data_root='', lazy_init=False,
                             data_prefix=dict(img=''), pipeline=[],
                             test_mode=True)
    info = ds.get_data_info(0)
    assert len(info['instances']) == 2
    kp = info['instances'][1]['keypoints']
    assert kp.shape == (17, 3)
    assert np.allclose(kp.reshape(-1), gt['annotations'][1]['keypoints'])
    loaded = LoadKeypointAnnotations(with_bbox=True)(dict(info))
    assert loaded['gt_keypoints'].shape == (2, 17, 3)


def test_keypoint_metric_equals_pycocotools(tmp_path):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    ann = tmp_path / 'kpts.json'
    gt = keypoint_gt(ann)
    rng = np.random.RandomState(1)
    metric = CocoKeypointMetric(ann_file=str(ann))
    metric.dataset_meta = dict(classes=('person', ))
    samples = []
    for img_id in (1, 2):
        persons = [a for a in gt['annotations'] if a['image_id'] == img_id]
        kpts, boxes, scores = [], [], []
        for k, a in enumerate(persons):
            kp = np.array(a['keypoints']).reshape(17, 3)[:, :2]
            kpts.append(kp + rng.randn(17, 2) * 2 * k)  # 1st exact, 2nd noisy
            x, y, w, h = a['bbox']
            boxes.append([x, y, x + w, y + h])
            scores.append(0.9 - 0.1 * k)
        samples.append(dict(img_id=img_id, pred_instances=dict(
            bboxes=torch.tensor(boxes), scores=torch.tensor(scores),
            labels=torch.zeros(len(boxes), dtype=torch.long),
            keypoints=torch.tensor(np.stack(kpts)))))
    metric.process({}, samples)
    ours = metric.compute_metrics(metric.results)

    coco = COCO(str(ann))
    kpt_res, _ = CocoKeypointMetric.to_coco_results(metric.results, [1])
    ev = COCOeval(coco, coco.loadRes(kpt_res), 'keypoints')
    ev.params.imgIds = [1, 2]
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    assert ours['keypoints_mAP'] == pytest.approx(round(ev.stats[0], 4))
    assert 0 < ours['keypoints_mAP'] < 1
    assert ours['bbox_mAP'] == pytest.approx(1.0)  # exact boxes


def test_multilabel_map_by_hand():
    assert voc_average_precision(np.array([.9, .8, .7]),
                                 np.array([1, 0, 1])) == pytest.approx(5 / 6)
    metric = MultiLabelMAPMetric()
    scores = [[.9, .1, .5], [.8, .7, .4], [.7, .2, .3]]
    labels = [[0], [1], [0]]
    samples = [dict(multilabel_scores=torch.tensor(s),
                    gt_instances=dict(labels=torch.tensor(lb)),
                    ignored_instances=dict(labels=torch.zeros(0).long()))
               for s, lb in zip(scores, labels)]
    metric.process({}, samples)
    # class 0: AP 5/6, class 1: AP 1, class 2: no positives (excluded)
    assert metric.compute_metrics(metric.results)['mAP'] == pytest.approx(
        round(100 * (5 / 6 + 1) / 2, 2))


def test_visualizer_draws_skeletons(tmp_path):
    from mmdet.structures import DetDataSample
    from projects.obj2seq.datasets import KeypointDetLocalVisualizer
    vis = KeypointDetLocalVisualizer(name='obj2seq_vis_test')
    vis.dataset_meta = dict(classes=('person', ), palette=[(220, 20, 60)])
    image = np.full((64, 64, 3), 255, np.uint8)
    pred = InstanceData(bboxes=torch.tensor([[5., 5., 60., 60.]]),
                        scores=torch.tensor([0.9]),
                        labels=torch.tensor([0]))
    sample = DetDataSample()
    sample.pred_instances = pred
    vis.add_datasample('plain', image, sample, draw_gt=False, show=False)
    plain = vis.get_image().copy()
    pred.keypoints = torch.tensor(
        [[[10. + 2 * j, 10. + 2 * j] for j in range(17)]])
    vis.add_datasample('kpts', image, sample, draw_gt=False, show=False,
                       out_file=str(tmp_path / 'kpts.jpg'))
    drawn = vis.get_image()
    assert (drawn != plain).any()
    assert (tmp_path / 'kpts.png').is_file()  # always written as PNG


def test_pose_training_images_follow_the_official_filter():
    """maskrcnn-benchmark rule: annotations present, some box > 1 px in both
    sides, >= 10 visible joints summed over all persons of the image."""
    from projects.obj2seq.datasets.coco_keypoint import official_keep

    def ann(w, h, visible):
        return dict(bbox=[3, 4, w, h],
                    keypoints=[5, 5, 2] * visible + [0, 0, 0] * (17 - visible))

    assert not official_keep([], 10)
    assert not official_keep([ann(1, 50, 17), ann(40, 1, 17)], 10)
    assert official_keep([ann(1, 50, 6), ann(2, 2, 4)], 10)  # summed persons
    assert not official_keep([ann(30, 30, 9)], 10)
    assert official_keep([dict(bbox=[0, 0, 5, 5])], 10)  # no keypoint task
