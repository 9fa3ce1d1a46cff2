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


def test_quality_merge_reports_hand_made_runs(tmp_path):
    from projects.common import benchmark as hb
    tool = load_tool('analysis_tools/mst_benchmark')
    store = hb.RunStore(str(tmp_path / 'kept'), dict(epochs=5, train_images=32))
    for seed, knn in ((3, 40.0), (4, 44.0)):
        store.put('mst', seed, dict(metrics=dict(knn_top1=knn, linear_top1=50.0,
                                                 dense_acc=80.0, dense_miou=30.0 + seed),
                                    curve=[[1, 1.0]], train_s=12.0))
    rep = tool.main(['quality', '--merge', str(tmp_path / 'kept'), '--epochs', '9',
                     '--work-dir', str(tmp_path / 'out')])
    text = rep.markdown()
    # knn (40, 44): mean 42, sample std 2 sqrt(2); dense mIoU (33, 34): 33.5 ± 0.7
    assert '| MST | 2 | 5 | 12 | 42.0 ± 2.8 | 50.0 ± 0.0 | 80.0 ± 0.0 | 33.5 ± 0.7 |' in text
    assert 'n seeds of [3, 4]' in text
    assert (tmp_path / 'out' / 'mst_quality.md').is_file()


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
    # the kept runs are reported again without training, with the settings they ran at
    again = tool.main(['quality', '--merge', str(tmp_path), '--work-dir',
                       str(tmp_path / 'merged')])
    assert again.data['results'] == data['results']
    assert again.data['args']['epochs'] == 2 and again.data['args']['train_images'] == 16
    rep = tool.main(['speed', '--batch-size', '2', '--repeats', '1',
                     '--work-dir', str(tmp_path)])
    assert 'ratio to DINO' in rep.markdown() and (tmp_path / 'mst_speed.md').exists()
