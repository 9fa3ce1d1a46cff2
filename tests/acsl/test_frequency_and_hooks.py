"""Frequency groups from LVIS annotations, and the hooks of the decoupled recipe."""
import json
import types

import pytest
import torch
import torch.nn as nn
from mmengine.logging import MMLogger

from tests.acsl.helpers import mmdet_config
from projects.acsl import (ACSLFrequencyHook, ACSLLoss, FreezeAllButHook,
                           freeze_all_but, label_groups_from_image_counts,
                           label_groups_from_lvis, load_lvis_frequencies)

# Non-contiguous category ids, listed out of order in the json.
CATEGORIES = [(42, 'kite', 'c'), (3, 'apple', 'f'), (100, 'zebra', 'r'),
              (17, 'bowl', 'r')]


def _write_lvis(path, categories=CATEGORIES, drop_frequency=False):
    cats = []
    for cid, name, freq in categories:
        cat = dict(id=cid, name=name, synset=f'{name}.n.01',
                   image_count=1, instance_count=1)
        if not drop_frequency:
            cat['frequency'] = freq
        cats.append(cat)
    images, anns = [], []
    for i, (cid, _, _) in enumerate(categories):
        images.append(dict(id=i + 1, file_name=f'{i:012d}.jpg', height=64,
                           width=64, neg_category_ids=[],
                           not_exhaustive_category_ids=[]))
        anns.append(dict(id=i + 1, image_id=i + 1, category_id=cid,
                         bbox=[4, 4, 20, 20], area=400.0,
                         segmentation=[[4, 4, 24, 4, 24, 24, 4, 24]]))
    with open(path, 'w') as f:
        json.dump(dict(images=images, annotations=anns, categories=cats), f)
    return str(path)


def _runner(model, dataset=None):
    return types.SimpleNamespace(
        model=model, logger=MMLogger.get_current_instance(),
        train_dataloader=types.SimpleNamespace(dataset=dataset))


def test_label_groups_follow_dataset_label_indices(tmp_path):
    """mmdet labels are positions in the json's category list, not raw ids."""
    from mmdet.datasets import LVISV05Dataset
    from mmengine.dataset import ClassBalancedDataset
    ann = _write_lvis(tmp_path / 'lvis_v0.5_train.json')
    names = tuple(n for _, n, _ in CATEGORIES)
    dataset = LVISV05Dataset(
        ann_file=ann, data_root=str(tmp_path), data_prefix=dict(img=''),
        metainfo=dict(classes=names), pipeline=[])
    assert list(dataset.cat_ids) == [42, 3, 100, 17]
    assert label_groups_from_lvis(ann, dataset.cat_ids) == ['c', 'f', 'r', 'r']
    assert label_groups_from_lvis(ann, [3, 17, 42]) == ['f', 'r', 'c']

    wrapped = ClassBalancedDataset(dataset=dataset, oversample_thr=1e-3)
    hook = ACSLFrequencyHook()
    assert hook.label_groups(wrapped) == ['c', 'f', 'r', 'r']

    class Heads(nn.Module):
        def __init__(self):
            super().__init__()
            self.stages = nn.ModuleList(ACSLLoss() for _ in range(3))
            self.other = nn.Linear(2, 2)

    model = Heads()
    hook.before_train(_runner(model, wrapped))
    for loss in model.stages:
        assert loss.label_groups.tolist() == [1, 2, 0, 0]


def test_annotation_without_frequency_names_the_file(tmp_path):
    ann = _write_lvis(tmp_path / 'no_freq.json', drop_frequency=True)
    with pytest.raises(ValueError) as err:
        load_lvis_frequencies(ann)
    assert 'no_freq.json' in str(err.value)
    assert 'frequency' in str(err.value)
    with pytest.raises(ValueError, match='no_freq.json'):
        label_groups_from_lvis(ann, [3, 17])
    (tmp_path / 'bad.json').write_text(json.dumps({'images': []}))
    with pytest.raises(ValueError, match='bad.json'):
        load_lvis_frequencies(str(tmp_path / 'bad.json'))


def test_unknown_category_id_is_reported(tmp_path):
    ann = _write_lvis(tmp_path / 'lvis.json')
    with pytest.raises(ValueError, match=r'\[5\]'):
        label_groups_from_lvis(ann, [3, 5])


def test_image_count_groups():
    assert label_groups_from_image_counts([0, 10, 11, 100, 101, 5000]) == [
        'r', 'r', 'c', 'c', 'f', 'f']
    with pytest.raises(ValueError, match='rare_max'):
        label_groups_from_image_counts([1], rare_max=10, common_max=5)


def _tiny_faster_rcnn(num_classes=4):
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    from mmengine.config import Config
    register_all_modules()
    cfg = Config.fromfile(mmdet_config('_base_/models/faster-rcnn_r50_fpn.py'))
    model = cfg.model
    model.backbone.update(depth=18, base_channels=8, init_cfg=None)
    model.neck.update(in_channels=[8, 16, 32, 64], out_channels=16)
    model.rpn_head.update(in_channels=16, feat_channels=16)
    model.roi_head.bbox_roi_extractor.out_channels = 16
    model.roi_head.bbox_head.update(
        in_channels=16, fc_out_channels=32, num_classes=num_classes)
    model.roi_head.bbox_head.loss_cls = dict(type='ACSLLoss',
                                             bg_mode='adaptive')
    model.train_cfg.rcnn.sampler.num = 64
    return MODELS.build(model)


def _batch(num_classes=4):
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    sample = DetDataSample()
    sample.set_metainfo(dict(img_shape=(64, 64), ori_shape=(64, 64),
                             pad_shape=(64, 64), scale_factor=(1.0, 1.0),
                             batch_input_shape=(64, 64)))
    gt = InstanceData()
    gt.bboxes = torch.tensor([[4., 4., 30., 30.], [30., 20., 60., 60.]])
    gt.labels = torch.tensor([0, num_classes - 1])
    sample.gt_instances = gt
    return dict(inputs=[torch.randint(0, 255, (3, 64, 64)).byte()],
                data_samples=[sample])


def test_freeze_all_but_classifier_changes_only_fc_cls():
    from mmengine.optim import build_optim_wrapper
    torch.manual_seed(0)
    model = _tiny_faster_rcnn()
    model.train()
    hook = FreezeAllButHook(trainable=['roi_head.bbox_head.fc_cls'])
    hook.before_train(_runner(model))
    optim = build_optim_wrapper(model, dict(
        optimizer=dict(type='SGD', lr=0.5, momentum=0.9, weight_decay=0.1),
        clip_grad=dict(max_norm=35, norm_type=2)))
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    for _ in range(2):
        model.train_step(_batch(), optim)
    changed = {k for k, v in model.named_parameters()
               if not torch.equal(v, before[k])}
    assert changed == {'roi_head.bbox_head.fc_cls.weight',
                       'roi_head.bbox_head.fc_cls.bias'}
    trainable = {k for k, v in model.named_parameters() if v.requires_grad}
    assert trainable == changed


def test_freeze_patterns_and_errors():
    model = _tiny_faster_rcnn()
    kept = freeze_all_but(model, ['roi_head.bbox_head.*.weight'])
    assert set(kept) == {'roi_head.bbox_head.fc_cls.weight',
                         'roi_head.bbox_head.fc_reg.weight',
                         'roi_head.bbox_head.shared_fcs.0.weight',
                         'roi_head.bbox_head.shared_fcs.1.weight'}
    with pytest.raises(ValueError, match="'roi_head.bbox_head.fc_clss'"):
        freeze_all_but(model, ['roi_head.bbox_head.fc_clss'])
    with pytest.raises(ValueError, match='at least one'):
        FreezeAllButHook(trainable=[])


def test_acsl_head_integration():
    """fc_cls has C + 1 outputs; predictions use sigmoid scores and labels < C."""
    torch.manual_seed(0)
    model = _tiny_faster_rcnn(num_classes=4)
    assert model.roi_head.bbox_head.fc_cls.out_features == 5
    model.train()
    data = model.data_preprocessor(_batch(), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert 'loss_cls' in losses and 'acc_classes' in losses
    assert losses['loss_cls'].requires_grad
    model.eval()
    model.test_cfg.rcnn.score_thr = 0.0
    with torch.no_grad():
        data = model.data_preprocessor(_batch(), False)
        preds = model.predict(data['inputs'], data['data_samples'])
    inst = preds[0].pred_instances
    assert len(inst) > 0
    assert int(inst.labels.max()) < 4
    assert float(inst.scores.max()) <= 1.0


@pytest.mark.parametrize('categories_first', [False, True])
@pytest.mark.parametrize('chunk_size', [7, 64, 1 << 20])
def test_category_table_is_read_alone(tmp_path, categories_first, chunk_size):
    """The ``categories`` array is found and decoded across chunk boundaries, with
    the key before or after the annotations."""
    from projects.acsl import read_lvis_categories
    cats = [dict(id=cid, name=name, frequency=freq)
            for cid, name, freq in CATEGORIES]
    anns = [dict(id=i, category_id=3, bbox=[1, 2, 3, 4]) for i in range(50)]
    body = dict(categories=cats, annotations=anns) if categories_first else \
        dict(info={'description': 'x'}, annotations=anns, categories=cats)
    path = tmp_path / 'ann.json'
    path.write_text(json.dumps(body, indent=1))
    assert read_lvis_categories(str(path), chunk_size=chunk_size) == cats


def test_label_groups_file_forms(tmp_path):
    from projects.acsl import load_label_groups_file
    ann = _write_lvis(tmp_path / 'lvis_v1_val.json')
    # an LVIS annotation: label i = i-th category of the list (mmdet's cat_ids)
    assert load_label_groups_file(ann) == ['c', 'f', 'r', 'r']
    (tmp_path / 'list.json').write_text(json.dumps(['f', 'r', 'c']))
    assert load_label_groups_file(str(tmp_path / 'list.json')) == ['f', 'r', 'c']
    (tmp_path / 'dict.json').write_text(
        json.dumps(dict(category_ids=[1, 2], label_groups=['r', 'f'])))
    assert load_label_groups_file(str(tmp_path / 'dict.json')) == ['r', 'f']
    # read when first needed: building needs no file
    loss = ACSLLoss(label_groups_file=str(tmp_path / 'later.json'))
    assert loss.get_cls_channels(4) == 5
    with pytest.raises(FileNotFoundError, match='later.json'):
        loss.has_label_groups
    loss = ACSLLoss(label_groups_file=ann)
    assert loss.has_label_groups
    assert loss.label_groups.tolist() == [1, 2, 0, 0]
    with pytest.raises(ValueError, match='num_classes=3'):
        loss.get_cls_channels(3)
    with pytest.raises(ValueError, match='keep one of them'):
        ACSLLoss(label_groups=['r'], label_groups_file=ann)
    (tmp_path / 'empty.json').write_text(json.dumps({'label_groups': []}))
    with pytest.raises(ValueError, match='empty.json'):
        ACSLLoss(label_groups_file=str(tmp_path / 'empty.json')).has_label_groups
    nofreq = _write_lvis(tmp_path / 'nofreq.json', drop_frequency=True)
    with pytest.raises(ValueError, match='frequency'):
        ACSLLoss(label_groups_file=nofreq).has_label_groups


def test_groups_file_is_read_at_the_first_official_step(tmp_path):
    ann = _write_lvis(tmp_path / 'lvis.json')
    loss = ACSLLoss(label_groups_file=ann)
    logits = torch.randn(200, 5)
    labels = torch.full((200, ), 4)
    assert torch.isfinite(loss(logits, labels))
    assert loss.label_groups.tolist() == [1, 2, 0, 0]


def test_hook_leaves_configured_losses_alone(tmp_path):
    """Losses with groups from the config are not touched; the dataset is not read."""

    class Heads(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = ACSLLoss(label_groups=['f', 'f', 'r', 'c'])
            self.b = ACSLLoss()

    model = Heads()
    ann = _write_lvis(tmp_path / 'lvis.json')
    from mmdet.datasets import LVISV05Dataset
    dataset = LVISV05Dataset(
        ann_file=ann, data_root=str(tmp_path), data_prefix=dict(img=''),
        metainfo=dict(classes=tuple(n for _, n, _ in CATEGORIES)), pipeline=[])
    ACSLFrequencyHook().before_train(_runner(model, dataset))
    assert model.a.label_groups.tolist() == [2, 2, 0, 1]
    assert model.b.label_groups.tolist() == [1, 2, 0, 0]
    model = Heads()
    model.b.set_label_groups(['r'] * 4)
    # every loss is configured: the hook returns before touching the dataset
    ACSLFrequencyHook().before_train(_runner(model, dataset=None))
    assert model.b.label_groups.tolist() == [0] * 4
