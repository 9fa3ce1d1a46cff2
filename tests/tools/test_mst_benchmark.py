"""tools/analysis_tools/mst_benchmark.py: the arms differ as named and both modes report."""
import json

import pytest

from tests.utils import load_tool


def test_arms_map_onto_the_model_options(tmp_path):
    from projects.common import benchmark as hb
    tool = load_tool('analysis_tools/mst_benchmark')
    cfgs = {n: hb.load_config(a, str(tmp_path), 0, epochs=7) for n, a in tool.ARMS.items()}
    assert cfgs['dino'].model.masker.low_attn_ratio == 0
    assert cfgs['dino'].model.head.restore_loss.loss_weight == 0
    assert cfgs['dino-randmask'].model.masker.guidance == 'random'
    assert cfgs['mst'].model.masker.guidance == 'attention'
    assert cfgs['mst'].model.head.restore_loss.loss_weight == 1.0
    assert cfgs['mst-nodec'].model.head.restore_loss.loss_weight == 0
    assert cfgs['mst-noguide'].model.head.restore_loss.loss_weight == 1.0
    assert all(c.param_scheduler[1].end == 7 for c in cfgs.values())
    # every arm pre-trains and is judged on the shape scenes with per-pixel labels
    for c in cfgs.values():
        assert c.train_dataloader.dataset.data_root == 'data/tiny/shapes/'
        assert c.train_dataloader.dataset.pipeline[1].type == 'MSTMultiCrop'
        assert c.test_cfg.bank_dataloader.dataset.ann_file == 'meta/train.txt'
        assert c.shapes_dense_test_cfg.num_classes == 7


@pytest.mark.slow
def test_quality_and_speed_reports(tiny_data, tmp_path):
    tool = load_tool('analysis_tools/mst_benchmark')
    rep = tool.main(['quality', '--arms', 'dino', 'mst', '--seeds', '0', '--epochs', '2',
                     '--train-images', '16', '--work-dir', str(tmp_path)])
    data = json.loads((tmp_path / 'mst_quality.json').read_text())['data']
    assert set(data['results']) == {'dino', 'mst'}
    for runs in data['results'].values():
        assert 0 <= runs[0]['metrics']['knn_top1'] <= 100 and runs[0]['curve']
        assert all(0 < runs[0]['metrics'][k] <= 100 for k in ('dense_acc', 'dense_miou'))
    assert '20-NN top-1' in rep.markdown() and 'dense patch mIoU' in rep.markdown()
    # the kept per-run results are reported again without training; other settings are not
    again = tool.main(['quality', '--arms', 'dino', 'mst', '--seeds', '0', '--epochs', '2',
                       '--train-images', '16', '--kept-only', '--work-dir', str(tmp_path)])
    assert again.data['results'] == data['results']
    with pytest.raises(SystemExit, match='no kept results'):
        tool.main(['quality', '--arms', 'dino', '--seeds', '0', '--epochs', '3',
                   '--train-images', '16', '--kept-only', '--work-dir', str(tmp_path)])
    rep = tool.main(['speed', '--batch-size', '2', '--repeats', '1',
                     '--work-dir', str(tmp_path)])
    assert 'ratio to DINO' in rep.markdown() and (tmp_path / 'mst_speed.md').exists()
