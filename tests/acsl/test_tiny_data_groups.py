"""ACSLFrequencyHook on the real tiny LVIS / Open Images sets built from the twins' configs."""
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from projects.acsl import ACSLFrequencyHook, ACSLLoss, load_lvis_frequencies


def _train_dataset(config):
    from mmdet.registry import DATASETS
    init_default_scope('mmdet')
    cfg = Config.fromfile(config)
    return DATASETS.build(cfg.train_dataloader.dataset), cfg


@pytest.mark.parametrize('version', ['v0.5', 'v1'])
def test_tiny_lvis_groups_follow_annotation(version, tiny_data):
    """The loss reads its groups from the config's annotation (category table only);
    they follow the dataset's label order, as the hook's cat_ids mapping does."""
    dataset, cfg = _train_dataset(
        'configs/acsl/tiny/faster-rcnn_r50_fpn_acsl-tunefc_8xb2-1x_lvis-'
        f'{version}.py')
    loss_cfg = cfg.model.roi_head.bbox_head.loss_cls
    assert loss_cfg.label_groups_file == (
        f'data/tiny/lvis_{version}/annotations/lvis_{version}_val.json')
    assert not any(h['type'] == 'ACSLFrequencyHook' for h in cfg.custom_hooks)
    loss = ACSLLoss(label_groups_file=loss_cfg.label_groups_file)
    assert loss.has_label_groups
    groups = [('r', 'c', 'f')[g] for g in loss.label_groups.tolist()]
    assert len(groups) == cfg.model.roi_head.bbox_head.num_classes == 30
    freqs = load_lvis_frequencies(dataset.ann_file)
    assert groups == [freqs[c] for c in dataset.cat_ids]
    assert groups == ACSLFrequencyHook().label_groups(dataset)
    assert sorted(set(groups)) == ['c', 'f', 'r']


def test_tiny_openimages_groups_from_image_counts(tiny_data):
    dataset, cfg = _train_dataset(
        'configs/acsl/tiny/faster-rcnn_r50_fpn_acsl-tunefc_32xb2-1x_openimages.py')
    hook_cfg = [h for h in cfg.custom_hooks
                if h['type'] == 'ACSLFrequencyHook'][0]
    assert hook_cfg['source'] == 'image_counts'
    groups = ACSLFrequencyHook(source='image_counts').label_groups(dataset)
    assert len(groups) == len(dataset.metainfo['classes']) == 11
    counts = [0] * 11
    for i in range(len(dataset)):
        for label in set(dataset.get_cat_ids(i)):
            counts[label] += 1
    assert groups == ['r' if n <= 10 else 'c' if n <= 100 else 'f'
                      for n in counts]
    with pytest.raises(ValueError, match='cat_ids'):
        ACSLFrequencyHook().label_groups(dataset)
