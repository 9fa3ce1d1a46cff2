"""Tests of the tiny-dataset generator and of the tiny dataset base configs.

The datasets are generated into ``data/tiny`` (where the configs expect them; generation
is idempotent) and loaded with the real host dataset classes; every real evaluator is run
on ground truth turned into perfect predictions and must score (near) 1.0.
"""
import hashlib
import json
import os
import os.path as osp
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
GEN_DIR = osp.join(REPO, 'tools', 'dataset_converters')
SCRIPT = osp.join(GEN_DIR, 'make_tiny_datasets.py')
CFG_DIR = osp.join(REPO, 'configs', '_base_', 'datasets')
DATA = osp.join(REPO, 'data', 'tiny')
sys.path.insert(0, GEN_DIR)

import make_tiny_datasets as mtd  # noqa: E402
from tiny_datasets import common, lvis  # noqa: E402


@pytest.fixture(scope='module')
def tiny_root():
    mtd.make_datasets(out=DATA, quiet=True)
    return DATA


def _load_cfg(name):
    cfg = Config.fromfile(osp.join(CFG_DIR, f'tiny_{name}.py'))
    for loader in ('train_dataloader', 'val_dataloader'):
        ds = cfg[loader].dataset
        ds.data_root = osp.join(REPO, ds.data_root)
    for key in ('val_evaluator', ):
        ev = cfg[key]
        if 'ann_file' in ev:
            ev.ann_file = osp.join(REPO, ev.ann_file)
    return cfg


def _build(scope, ds_cfg):
    from mmengine.registry import init_default_scope
    init_default_scope(scope)
    if scope == 'mmdet':
        from mmdet.registry import DATASETS
    elif scope == 'mmseg':
        from mmseg.registry import DATASETS
    else:
        from mmpretrain.registry import DATASETS
    return DATASETS.build(ds_cfg)


def _tree_digest(root):
    digest = hashlib.sha256()
    for dirpath, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for name in sorted(files):
            path = osp.join(dirpath, name)
            digest.update(osp.relpath(path, root).encode())
            with open(path, 'rb') as f:
                digest.update(f.read())
    return digest.hexdigest()


# ---------------------------------------------------------------- generator behaviour


def test_deterministic_same_bytes(tmp_path, tiny_root):
    """A fresh run writes byte-identical files to the shared data/tiny copy."""
    names = ['coco', 'camvid', 'openimages']
    mtd.make_datasets(names, out=str(tmp_path), quiet=True)
    for name in names:
        folder = mtd.DATASETS[name][0]
        assert _tree_digest(tmp_path / folder) == \
            _tree_digest(osp.join(tiny_root, folder)), name


def test_idempotent_and_force(tmp_path):
    root, made = mtd.make_dataset('openimages', str(tmp_path), quiet=True)
    assert made and osp.isfile(osp.join(root, common.MARKER))
    stamp = os.stat(osp.join(root, common.MARKER)).st_mtime_ns
    assert mtd.make_dataset('openimages', str(tmp_path), quiet=True) == \
        (root, False)
    assert os.stat(osp.join(root, common.MARKER)).st_mtime_ns == stamp
    _, made = mtd.make_dataset('openimages', str(tmp_path), force=True,
                               quiet=True)
    assert made


def test_incomplete_or_outdated_folder_is_regenerated(tmp_path):
    root = tmp_path / 'OpenImages'
    (root / 'annotations').mkdir(parents=True)
    (root / 'stale.txt').write_text('half-written')
    _, made = mtd.make_dataset('openimages', str(tmp_path), quiet=True)
    assert made and not (root / 'stale.txt').exists()
    assert len(list((root / 'OpenImages' / 'validation').glob('*.jpg'))) == 20
    marker = root / common.MARKER
    marker.write_text(json.dumps(dict(version='old')))
    _, made = mtd.make_dataset('openimages', str(tmp_path), quiet=True)
    assert made and json.loads(marker.read_text())['version'] != 'old'


def test_concurrent_publish_keeps_the_first_complete_copy(tmp_path):
    root, _ = mtd.make_dataset('openimages', str(tmp_path), quiet=True)
    version = mtd.DATASETS['openimages'][1]
    stamp = os.stat(osp.join(root, common.MARKER)).st_mtime_ns
    late = tmp_path / '.tmp-OpenImages-999999'
    (late / 'annotations').mkdir(parents=True)
    common.publish(str(late), root, version)
    assert not late.exists()
    assert os.stat(osp.join(root, common.MARKER)).st_mtime_ns == stamp
    assert osp.isdir(osp.join(root, 'OpenImages', 'train'))


def test_interrupted_run_leaves_nothing_complete(tmp_path, monkeypatch):
    folder, version, generate, total = mtd.DATASETS['camvid']

    def broken(root, progress=None):
        os.makedirs(osp.join(root, 'train'))
        raise KeyboardInterrupt

    monkeypatch.setitem(mtd.DATASETS, 'camvid', (folder, version, broken, total))
    with pytest.raises(KeyboardInterrupt):
        mtd.make_dataset('camvid', str(tmp_path), quiet=True)
    assert os.listdir(tmp_path) == []


def test_cli_only_and_unknown_name(tmp_path):
    out = subprocess.run(
        [sys.executable, SCRIPT, '--out', str(tmp_path), '--only',
         'imagenet', '--quiet'], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert sorted(os.listdir(tmp_path)) == ['imagenet']
    out = subprocess.run(
        [sys.executable, SCRIPT, '--out', str(tmp_path), '--only', 'lvis'],
        capture_output=True, text=True, cwd=REPO)
    assert out.returncode != 0 and 'lvis_v0.5' in out.stderr


def test_lvis_frequency_thresholds():
    assert [lvis.frequency_of(n) for n in (1, 3, 4, 12, 13, 40)] == \
        ['r', 'r', 'c', 'c', 'f', 'f']


# ------------------------------------------------- host dataset classes + real metrics


def _det_predictions(dataset, with_mask=False):
    """Ground truth of every image of an mmdet dataset as perfect predictions."""
    from pycocotools import mask as mask_utils
    samples = []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        inst = [x for x in info['instances'] if not x.get('ignore_flag', 0)]
        h, w = info['height'], info['width']
        pred = dict(
            bboxes=torch.tensor([x['bbox'] for x in inst],
                                dtype=torch.float32).reshape(-1, 4),
            scores=torch.ones(len(inst)),
            labels=torch.tensor([x['bbox_label'] for x in inst],
                                dtype=torch.long))
        if with_mask:
            masks = [
                mask_utils.decode(
                    mask_utils.merge(mask_utils.frPyObjects(x['mask'], h, w)))
                for x in inst
            ]
            pred['masks'] = torch.from_numpy(
                np.stack(masks).astype(bool)) if masks else \
                torch.zeros((0, h, w), dtype=torch.bool)
        samples.append(dict(img_id=info['img_id'], ori_shape=(h, w),
                            pred_instances=pred, instances=inst))
    return samples


def _evaluate(metric, dataset, samples):
    metric.dataset_meta = dataset.metainfo
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_imagenet_loads_and_accuracy_is_perfect(tiny_root):
    from mmpretrain.evaluation import Accuracy
    cfg = _load_cfg('imagenet')
    train = _build('mmpretrain', cfg.train_dataloader.dataset)
    val = _build('mmpretrain', cfg.val_dataloader.dataset)
    assert len(train) == 400 and len(val) == 100
    assert Counter(train.get_gt_labels().tolist()) == {k: 40 for k in range(10)}
    assert Counter(val.get_gt_labels().tolist()) == {k: 10 for k in range(10)}
    assert tuple(val.metainfo['classes']) == cfg.tiny_imagenet_classes
    first = train.get_data_info(0)['img_path']
    assert first.endswith('.JPEG') and osp.basename(
        osp.dirname(first)) == 'n01440764'
    assert osp.basename(osp.dirname(val.get_data_info(0)['img_path'])) == 'val'
    assert tuple(val[0]['inputs'].shape) == (3, 64, 64)
    samples = [
        dict(pred_score=torch.nn.functional.one_hot(
            torch.tensor(int(label)), 10).float(),
             gt_label=torch.tensor([int(label)]))
        for label in val.get_gt_labels()
    ]
    res = _evaluate(Accuracy(topk=(1, 5)), val, samples)
    assert res['accuracy/top1'] == pytest.approx(100.0)


@pytest.mark.parametrize('kind', ['detection', 'instance'])
def test_coco_loads_and_coco_metric_is_perfect(tiny_root, kind):
    import projects  # noqa: F401
    from mmdet.evaluation import CocoMetric
    cfg = _load_cfg(f'coco_{kind}')
    train = _build('mmdet', cfg.train_dataloader.dataset)
    val = _build('mmdet', cfg.val_dataloader.dataset)
    assert len(train) == 64 and len(val) == 24
    with open(cfg.val_evaluator.ann_file) as f:
        assert len(json.load(f)['categories']) == 80
    assert tuple(train.metainfo['classes']) == cfg.tiny_coco_classes
    labels = [x['bbox_label'] for i in range(len(train))
              for x in train.get_data_info(i)['instances']]
    assert set(labels) == set(range(8))
    sizes = {(train.get_data_info(i)['height'], train.get_data_info(i)['width'])
             for i in range(len(train))}
    assert all(128 <= s <= 192 for hw in sizes for s in hw) and len(sizes) > 10
    counts = Counter(len(val.get_data_info(i)['instances'])
                     for i in range(len(val)))
    assert set(counts) <= {1, 2, 3, 4}
    item = train[0]
    assert len(item['data_samples'].gt_instances) > 0
    metric = CocoMetric(ann_file=cfg.val_evaluator.ann_file,
                        metric=cfg.val_evaluator.metric)
    res = _evaluate(metric, val,
                    _det_predictions(val, with_mask=kind == 'instance'))
    assert res['coco/bbox_mAP'] > 0.99
    if kind == 'instance':
        assert res['coco/segm_mAP'] > 0.99


def test_coco_keypoints_format_and_perfect_oks(tiny_root):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    from tiny_datasets.categories import COCO_KEYPOINTS
    cfg = _load_cfg('coco_keypoints')
    train = _build('mmdet', cfg.train_dataloader.dataset)
    ann_file = osp.join(tiny_root, 'coco', 'annotations',
                        'person_keypoints_val2017.json')
    with open(ann_file) as f:
        data = json.load(f)
    (person, ) = data['categories']
    assert person['id'] == 1 and person['keypoints'] == COCO_KEYPOINTS
    assert len(person['skeleton']) == 19
    per_image = Counter(a['image_id'] for a in data['annotations'])
    assert set(per_image.values()) <= {1, 2, 3}
    assert len(train) > 30  # the images with persons
    vis, facing = Counter(), Counter()
    for ann in data['annotations']:
        kps = np.array(ann['keypoints']).reshape(17, 3)
        vis.update(kps[:, 2].tolist())
        assert ann['num_keypoints'] == int((kps[:, 2] > 0).sum())
        assert ann['category_id'] == 1 and ann['iscrowd'] == 0
        x, y, w, h = ann['bbox']
        on = kps[kps[:, 2] > 0]
        assert (on[:, 0] >= x - 1).all() and (on[:, 0] <= x + w + 1).all()
        assert (on[:, 1] >= y - 1).all() and (on[:, 1] <= y + h + 1).all()
        # person's left shoulder on the image right = facing the camera
        facing[bool(kps[5, 0] > kps[6, 0])] += 1
    assert set(vis) == {0, 1, 2} and vis[2] > vis[1] > 0
    assert facing[True] > 0 and facing[False] > 0
    gt = COCO(ann_file)
    dets = gt.loadRes([
        dict(image_id=a['image_id'], category_id=1, score=1.0,
             keypoints=a['keypoints']) for a in data['annotations']
    ])
    ev = COCOeval(gt, dets, 'keypoints')
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    assert ev.stats[0] > 0.99


@pytest.mark.parametrize('version', ['v0.5', 'v1'])
def test_lvis_loads_long_tail_and_lvis_metric_is_perfect(tiny_root, version):
    import projects  # noqa: F401  (lvis np.float fix)
    from mmdet.evaluation import LVISMetric
    cfg = _load_cfg(f'lvis_{version}')
    train = _build('mmdet', cfg.train_dataloader.dataset)
    val = _build('mmdet', cfg.val_dataloader.dataset)
    assert len(train) == 120 and len(val) == 40
    assert osp.isfile(val.get_data_info(0)['img_path'])
    assert tuple(val.metainfo['classes']) == cfg.tiny_lvis_classes
    ann_dir = osp.join(tiny_root, f'lvis_{version}', 'annotations')
    with open(osp.join(ann_dir, f'lvis_{version}_train.json')) as f:
        data = json.load(f)
    cats = {c['id']: c for c in data['categories']}
    assert sorted(cats) == list(range(1, 31))
    assert Counter(c['frequency'] for c in cats.values()) == \
        dict(r=10, c=10, f=10)
    image_count = Counter()
    by_image = {}
    for a in data['annotations']:
        by_image.setdefault(a['image_id'], set()).add(a['category_id'])
    for ids in by_image.values():
        image_count.update(ids)
    for cid, cat in cats.items():
        assert cat['image_count'] == image_count[cid]
        assert cat['frequency'] == lvis.frequency_of(image_count[cid])
        assert {'synset', 'synonyms', 'def', 'instance_count'} <= set(cat)
    rare = [image_count[c] for c in cats if cats[c]['frequency'] == 'r']
    assert min(rare) >= 1 and max(rare) <= 3
    for img in data['images']:
        assert 'neg_category_ids' in img and \
            'not_exhaustive_category_ids' in img
        assert ('file_name' in img) == (version == 'v0.5')
        assert img['coco_url'].startswith(
            'http://images.cocodataset.org/train2017/')
    val_cats = {x['bbox_label'] for i in range(len(val))
                for x in val.get_data_info(i)['instances']}
    assert val_cats == set(range(30))
    metric = LVISMetric(ann_file=cfg.val_evaluator.ann_file, metric='bbox')
    res = _evaluate(metric, val, _det_predictions(val))
    for key in ('bbox_AP', 'bbox_APr', 'bbox_APc', 'bbox_APf'):
        assert res[f'lvis/{key}'] > 0.99, key


SEG = dict(cityscapes=(19, 10), bdd100k=(19, 10), coco_stuff164k=(171, 10))


@pytest.mark.parametrize('name', sorted(SEG))
def test_segmentation_loads_and_iou_metric_is_perfect(tiny_root, name):
    from mmseg.evaluation import IoUMetric
    num_classes, min_present = SEG[name]
    cfg = _load_cfg(name)
    train = _build('mmseg', cfg.train_dataloader.dataset)
    val = _build('mmseg', cfg.val_dataloader.dataset)
    assert len(train) == 24 and len(val) == 8
    assert len(val.metainfo['classes']) == num_classes
    item = train[0]
    assert tuple(item['inputs'].shape) == (3, 128, 128)
    samples, present = [], set()
    for i in range(len(val)):
        info = val.get_data_info(i)
        label = np.asarray(Image.open(info['seg_map_path']))
        assert label.shape == (128, 256)
        img = Image.open(info['img_path'])
        assert img.size == (256, 128) and img.mode == 'RGB'
        ids = set(np.unique(label).tolist()) - {255}
        assert max(ids) < num_classes
        present |= ids
        t = torch.from_numpy(label.astype(np.int64))[None]
        samples.append(dict(pred_sem_seg=dict(data=t), gt_sem_seg=dict(data=t),
                            img_path=info['img_path']))
    assert len(present) >= min_present
    res = _evaluate(IoUMetric(iou_metrics=['mIoU']), val, samples)
    assert res['mIoU'] == pytest.approx(100.0)


def test_camvid_segnet_layout(tiny_root):
    from mmseg.datasets import BaseSegDataset
    from tiny_datasets.categories import CAMVID_CLASSES
    root = osp.join(tiny_root, 'camvid')
    counts = {}
    for split in ('train', 'val', 'test'):
        ds = BaseSegDataset(
            data_root=root, img_suffix='.png', seg_map_suffix='.png',
            metainfo=dict(classes=CAMVID_CLASSES),
            data_prefix=dict(img_path=split, seg_map_path=f'{split}annot'),
            lazy_init=False)
        counts[split] = len(ds)
        for i in range(len(ds)):
            ids = np.unique(np.asarray(Image.open(
                ds.get_data_info(i)['seg_map_path'])))
            assert set(ids.tolist()) <= set(range(11)) | {255}
    assert counts == dict(train=24, val=8, test=8)
    # and through the CamVid dataset class of the tiny_camvid.py base config
    import projects  # noqa: F401
    from mmengine.utils import import_modules_from_strings
    from mmseg.evaluation import IoUMetric
    cfg = _load_cfg('camvid')
    import_modules_from_strings(**cfg.custom_imports)
    val = _build('mmseg', cfg.val_dataloader.dataset)
    assert len(val) == 8 and len(val.metainfo['classes']) == 11
    assert [c.lower() for c in val.metainfo['classes'][:4]] == \
        [c.lower() for c in CAMVID_CLASSES[:4]]
    samples = []
    for i in range(len(val)):
        label = np.asarray(Image.open(val.get_data_info(i)['seg_map_path']))
        t = torch.from_numpy(label.astype(np.int64))[None]
        samples.append(dict(pred_sem_seg=dict(data=t), gt_sem_seg=dict(data=t)))
    res = _evaluate(IoUMetric(iou_metrics=['mIoU']), val, samples)
    assert res['mIoU'] == pytest.approx(100.0)


def test_segmentation_domains_differ(tiny_root):
    """Road pixels have clearly different colour statistics in each dataset."""
    roads = dict(cityscapes=0, bdd100k=0, camvid=3, coco_stuff164k=137)
    means = {}
    for name, road in roads.items():
        labels = sorted(p for p in _files(osp.join(tiny_root, name))
                        if p.endswith('.png') and ('gtFine' in p or 'annot' in p
                                                   or 'masks' in p or
                                                   'annotations' in p))
        pix = []
        for lab in labels[:8]:
            img = _image_of(name, lab)
            mask = np.asarray(Image.open(lab)) == road
            pix.append(np.asarray(Image.open(img), np.float32)[mask])
        means[name] = np.concatenate(pix).mean(0)
    names = list(means)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert np.linalg.norm(means[a] - means[b]) > 8, (a, b, means)


def _files(root):
    for dirpath, _, names in os.walk(root):
        for n in names:
            yield osp.join(dirpath, n)


def _image_of(name, label_path):
    if name == 'cityscapes':
        return label_path.replace('/gtFine/', '/leftImg8bit/').replace(
            '_gtFine_labelTrainIds.png', '_leftImg8bit.png')
    if name == 'bdd100k':
        return label_path.replace('labels/sem_seg/masks', 'images/10k').replace(
            '.png', '.jpg')
    if name == 'camvid':
        return label_path.replace('annot/', '/')
    return label_path.replace('/annotations/', '/images/').replace(
        '_labelTrainIds.png', '.jpg')


def test_openimages_loads_and_metric_is_perfect(tiny_root):
    from mmdet.evaluation import OpenImagesMetric
    cfg = _load_cfg('openimages')
    for key in ('train_dataloader', 'val_dataloader'):
        ds = cfg[key].dataset
        for f in ('label_file', 'hierarchy_file', 'meta_file'):
            ds[f] = osp.join(ds.data_root, ds[f])
    train = _build('mmdet', cfg.train_dataloader.dataset)
    val = _build('mmdet', cfg.val_dataloader.dataset)
    assert len(train) == 60 and len(val) == 20
    assert tuple(val.metainfo['classes']) == cfg.tiny_openimages_classes
    rel = val.metainfo['RELATION_MATRIX']
    car = cfg.tiny_openimages_classes.index('Car')
    assert rel[car].nonzero()[0].tolist() == [1, 2, 3]  # Vehicle, Land vehicle
    groups = [x['is_group_of'] for i in range(len(train))
              for x in train.get_data_info(i)['instances']]
    assert any(groups) and not all(groups)
    assert len(val.get_data_info(0)['image_level_labels']) > 0
    samples = _det_predictions(val)
    for s, i in zip(samples, range(len(val))):
        s['image_level_labels'] = val.get_data_info(i)['image_level_labels']
    metric = OpenImagesMetric(**{k: v for k, v in cfg.val_evaluator.items()
                                 if k != 'type'})
    res = _evaluate(metric, val, samples)
    assert res['openimages/mAP'] > 0.99
