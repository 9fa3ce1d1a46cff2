"""CDCL through mmseg's own inference APIs on a chosen dataset branch."""
import glob
import os.path as osp

import pytest
import torch

from tests.utils import REPO_ROOT

CONFIG = osp.join(REPO_ROOT, 'configs/cdcl/tiny/'
                  'cdcl_pspnet_r18-d8_4xb4-80k_cityscapes-camvid-512x512.py')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    """A CDCL checkpoint as training writes it: its dataset_meta is the first dataset's
    (the concatenated training set reports Cityscapes' classes)."""
    from mmengine.config import Config
    from mmseg.datasets import CityscapesDataset

    import projects.cdcl  # noqa: F401
    from tests.utils import build_model
    cfg = Config.fromfile(CONFIG)
    torch.manual_seed(0)
    model = build_model(cfg)
    path = str(tmp_path_factory.mktemp('cdcl') / 'cdcl.pth')
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(dataset_meta=dict(CityscapesDataset.METAINFO))),
               path)
    return path


def _camvid_image(tiny_data):
    return sorted(glob.glob(osp.join(tiny_data, 'camvid', 'val', '*.png')))[0]


def test_init_and_inference_model_use_the_chosen_branch(checkpoint, tiny_data):
    from mmseg.apis import inference_model, init_model

    from projects.cdcl import CamVidDataset
    from projects.cdcl.inference import dataset_config
    cfg = dataset_config(CONFIG, 'camvid')
    model = init_model(cfg, checkpoint, device='cpu')
    assert model.dataset_meta['classes'] == CamVidDataset.METAINFO['classes']
    assert model.dataset_meta['palette'] == [
        list(c) for c in CamVidDataset.METAINFO['palette']]
    result = inference_model(model, _camvid_image(tiny_data))
    assert result.seg_logits.data.shape[0] == 11  # CamVid's classifier
    assert result.metainfo['dataset_name'] == 'camvid'
    city = init_model(dataset_config(CONFIG, 0), checkpoint, device='cpu')
    assert len(city.dataset_meta['classes']) == 19
    assert inference_model(city, _camvid_image(tiny_data)).seg_logits.data.shape[0] == 19


def test_mmseg_inferencer_classes_palette_and_png(checkpoint, tiny_data,
                                                  tmp_path):
    import mmcv
    import numpy as np
    from mmseg.apis import MMSegInferencer

    from projects.cdcl import CamVidDataset
    from projects.cdcl.inference import dataset_config
    inferencer = MMSegInferencer(dataset_config(CONFIG, 'camvid'), checkpoint,
                                 device='cpu')
    out = inferencer(_camvid_image(tiny_data), out_dir=str(tmp_path))
    assert out['predictions'].max() < 11
    meta = inferencer.visualizer.dataset_meta
    assert tuple(meta['classes']) == CamVidDataset.METAINFO['classes']
    vis = glob.glob(str(tmp_path / 'vis' / '*'))
    assert len(vis) == 1
    assert mmcv.imread(vis[0]).shape[:2] == out['predictions'].shape
    assert np.array_equal(np.array(meta['palette']),
                          np.array(CamVidDataset.METAINFO['palette']))


def test_unknown_branch_names_the_choices():
    from projects.cdcl.inference import dataset_config
    with pytest.raises(KeyError, match=r"'kitti'.*\['cityscapes', 'camvid'\]"):
        dataset_config(CONFIG, 'kitti')


@pytest.mark.slow
def test_every_cdcl_config_narrows_to_each_branch():
    """Every multi-dataset CDCL config gives each of its datasets' test pipeline, branch
    index and classes."""
    from mmengine.config import Config
    from mmseg.registry import DATASETS

    from projects.cdcl.inference import dataset_config
    for path in sorted(glob.glob(osp.join(REPO_ROOT, 'configs/cdcl/cdcl_*.py'))):
        base = Config.fromfile(path)
        names = base.model.dataset_names
        assert len(names) >= 2, path
        for idx, name in enumerate(names):
            cfg = dataset_config(base, name)
            tag = [t for t in cfg.test_pipeline if t.type == 'SetDatasetIndex']
            assert tag and tag[0].get('name', names[tag[0].get('idx', -1)]) == name
            assert cfg.model.test_cfg.dataset_idx == idx
            dataset = DATASETS.get(cfg.test_dataloader.dataset.type)
            classes = cfg.model.dataset_metas[idx]['classes']
            assert classes == tuple(dataset.METAINFO['classes']), (path, name)
            assert len(classes) == base.model.decode_head.num_classes[idx]
