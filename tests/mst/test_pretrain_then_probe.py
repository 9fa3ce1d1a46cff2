"""End to end: a tiny MST pre-training run is judged by 20-NN (``tools/test.py`` on the
pre-training config) and feeds the tiny linear probe, through ``tools/train.py``."""
import pytest
import torch

from tests.test_tiny_configs import _last_checkpoint
from tests.utils import as_cli, load_tool

PRE = 'configs/mst/tiny/mst_deit-small-p16_16xb64-amp-coslr-100e_in1k.py'
PROBE = 'configs/mst/tiny/vit-small-p16_8xb128-linear-coslr-90e_in1k.py'


@pytest.mark.slow
def test_pretrain_knn_then_linear_probe(tiny_data, tmp_path):
    pre_dir, probe_dir = str(tmp_path / 'pre'), str(tmp_path / 'probe')
    load_tool('train').main([PRE, '--work-dir', pre_dir] + as_cli({
        'experiment_name': 'mst_chain_pre',
        'train_cfg.max_epochs': 1,
        'train_dataloader.dataset.indices': 32,
    }))
    ckpt = _last_checkpoint(pre_dir)
    state = torch.load(ckpt, map_location='cpu', weights_only=False)['state_dict']
    assert 'backbone.mask_token' in state and 'teacher.module.0.mask_token' in state
    assert 'decoder.layers.0.weight' in state
    metrics = load_tool('test').main([PRE, ckpt, '--work-dir', pre_dir] + as_cli({
        'experiment_name': 'mst_chain_pre_t',
        'test_dataloader.dataset.indices': 20,
    }))
    assert set(metrics) == {'knn/top1', 'knn/top5'}
    assert 0 <= metrics['knn/top1'] <= metrics['knn/top5'] <= 100

    probe = load_tool('train').main([PROBE, '--work-dir', probe_dir] + as_cli({
        'experiment_name': 'mst_chain_probe',
        'load_from': ckpt,
        'train_cfg.max_epochs': 1,
        'train_dataloader.dataset.indices': 64,
        'val_dataloader.dataset.indices': 8,
    }))
    probe_state = probe.state_dict()
    for key in ('backbone.layers.0.attn.qkv.weight', 'backbone.ln1.weight',
                'backbone.patch_embed.projection.weight'):
        assert torch.equal(probe_state[key], state[key]), key
