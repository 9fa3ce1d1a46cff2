"""tools/test.py evaluates a chosen dataset of a CDCL checkpoint; the visualiser draws each
dataset with its own palette."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from tests.utils import build_model, load_tool

CONFIG = ('configs/cdcl/tiny/'
          'cdcl_pspnet_r18-d8_4xb4-80k_cityscapes-camvid-512x512.py')


def _checkpoint(tmp_path):
    model = build_model(Config.fromfile(CONFIG))
    path = str(tmp_path / 'cdcl.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return path


@pytest.mark.slow
def test_test_tool_evaluates_a_chosen_dataset_and_visualiser_draws_each(
        tiny_data, tmp_path):
    ckpt = _checkpoint(tmp_path)
    opts = ['--cfg-options', 'test_cfg.eval_datasets=[camvid]',
            'test_dataloader.dataset.datasets.0.indices=1',
            'test_dataloader.dataset.datasets.1.indices=1',
            'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False',
            f'experiment_name=cdcl_tool_{tmp_path.name}']
    metrics = load_tool('test').main(
        [CONFIG, ckpt, '--work-dir', str(tmp_path / 'test')] + opts)
    assert 'camvid/mIoU' in metrics and 'mean/mIoU' in metrics
    assert not any(k.startswith('cityscapes/') for k in metrics)

    vis = load_tool('misc/cdcl_vis_predictions')
    written = vis.main([CONFIG, ckpt, '--out-dir', str(tmp_path / 'vis'),
                        '--num-images', '1'])
    folders = sorted(osp.basename(osp.dirname(p)) for p in written)
    assert folders == ['camvid', 'cityscapes']
    assert all(osp.getsize(p) > 0 for p in written)
