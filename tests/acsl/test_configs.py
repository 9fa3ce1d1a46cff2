"""Every full ACSL config builds its detector and runs a training and a test forward pass.

The full models (1230 / 1203 / 601 classes, ResNet-101 / ResNeXt-101 backbones) are
built with zero-filled weights (random init of ~100M parameters dominates the cost on
CPU) and fed one small dummy image; the point is the wiring: channels, heads, the ACSL
classifier hooks and the decoupled-recipe hooks' parameter names.
"""
import functools
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from projects.acsl import ACSLFrequencyHook, acsl_losses, freeze_all_but
from tests.acsl.helpers import skip_random_init
from tests.utils import REPO_ROOT, build_model

FULL = sorted(
    osp.relpath(p, REPO_ROOT)
    for p in glob.glob(osp.join(REPO_ROOT, 'configs', 'acsl', '*.py')))


@pytest.fixture(scope='module', autouse=True)
def _cached_external_configs():
    """Resolve each ``mmdet::`` base once: mmengine re-reads ~100 metafiles per lookup."""
    import mmengine.config.config as config_module
    cached = functools.lru_cache(maxsize=None)(
        config_module._get_external_cfg_path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(config_module, '_get_external_cfg_path', cached)
        yield


def _dummy_batch(num_classes):
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    sample = DetDataSample()
    sample.set_metainfo(dict(img_shape=(64, 96), ori_shape=(64, 96),
                             scale_factor=(1.0, 1.0), img_id=0))
    gt = InstanceData()
    gt.bboxes = torch.tensor([[8., 8., 40., 50.]])
    gt.labels = torch.tensor([num_classes - 1])
    sample.gt_instances = gt
    return dict(inputs=[torch.zeros(3, 64, 96, dtype=torch.uint8)],
                data_samples=[sample])


def test_every_full_config_is_listed():
    assert len(FULL) == 16
    for path in FULL:
        assert osp.isfile(osp.join('configs', 'acsl', 'tiny',
                                   osp.basename(path)))


@pytest.mark.parametrize('path', FULL)
def test_full_config_forward(path, monkeypatch):
    skip_random_init(monkeypatch)
    cfg = Config.fromfile(path)
    torch.set_num_threads(1)
    # few proposals and RoIs keep the 1024-wide heads cheap; with zero weights every
    # class passes the test score threshold for every RoI
    train_cfg, test_cfg = cfg.model.train_cfg, cfg.model.test_cfg
    train_cfg.rpn_proposal.update(nms_pre=100, max_per_img=16)
    stages = train_cfg.rcnn if isinstance(train_cfg.rcnn, list) else [
        train_cfg.rcnn]
    for stage in stages:
        stage.sampler.num = 16
    test_cfg.rpn.update(nms_pre=50, max_per_img=5)
    # the LVIS annotations are not here: the groups are set below instead
    heads_cfg = cfg.model.roi_head.bbox_head
    for head_cfg in heads_cfg if isinstance(heads_cfg, list) else [heads_cfg]:
        if head_cfg.loss_cls.get('label_groups_file'):
            assert head_cfg.loss_cls.label_groups_file.endswith('_val.json')
            head_cfg.loss_cls.label_groups_file = None
    model = build_model(cfg)
    heads = model.roi_head.bbox_head
    heads = list(heads) if isinstance(heads, torch.nn.ModuleList) else [heads]
    num_classes = heads[0].num_classes
    expected = {'lvis-v0.5': 1230, 'lvis-v1': 1203, 'openimages': 601}
    assert num_classes == expected[path.rsplit('_', 1)[-1][:-3]]
    assert all(h.fc_cls.out_features == num_classes + 1 for h in heads)

    losses = acsl_losses(model)
    is_acsl = 'acsl' in osp.basename(path)
    assert bool(losses) == is_acsl
    if is_acsl:
        hooks = {h['type']: h for h in cfg.custom_hooks}
        kept = freeze_all_but(model, hooks['FreezeAllButHook']['trainable'])
        assert kept == [n for n, _ in model.named_parameters()
                        if n.endswith(('fc_cls.weight', 'fc_cls.bias'))]
        assert len(kept) == 2 * len(heads)
        # LVIS: groups from the loss config; Open Images: from image counts
        assert ('ACSLFrequencyHook' in hooks) == ('openimages' in path)
        if 'openimages' in path:
            ACSLFrequencyHook(**{k: v for k, v in
                                 hooks['ACSLFrequencyHook'].items()
                                 if k != 'type'})
        groups = ['r', 'c', 'f'] * (num_classes // 3) + ['f'] * (num_classes % 3)
        for loss in losses:
            loss.set_label_groups(groups)
        assert cfg.load_from.startswith('work_dirs/')

    model.train()
    data = model.data_preprocessor(_dummy_batch(num_classes), True)
    out = model.loss(data['inputs'], data['data_samples'])
    cls_keys = [k for k in out if 'loss_cls' in k]
    assert cls_keys and all(torch.isfinite(out[k]) for k in cls_keys)
    if is_acsl:
        assert any('acc_classes' in k for k in out)

    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(_dummy_batch(num_classes), False)
        pred = model.predict(data['inputs'], data['data_samples'])
    labels = pred[0].pred_instances.labels
    assert labels.numel() == 0 or int(labels.max()) < num_classes
