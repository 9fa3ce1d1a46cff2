"""End to end: a tiny SAIM pre-training run feeds the tiny official (SGD) linear probe,
through ``tools/train.py`` and ``tools/test.py`` (the chain documented in the tiny configs)."""
import pytest
import torch

from tests.test_tiny_configs import _last_checkpoint
from tests.utils import as_cli, load_tool

PRE = 'configs/saim/tiny/saim_vit-base-p16_32xb64-amp-coslr-300e_in1k.py'
PROBE = 'configs/saim/tiny/vit-base-p16_32xb64-linear-sgd-coslr-90e_in1k.py'


@pytest.mark.slow
def test_pretrain_then_linear_probe(tiny_data, tmp_path):
    pre_dir, probe_dir = str(tmp_path / 'pre'), str(tmp_path / 'probe')
    load_tool('train').main([PRE, '--work-dir', pre_dir] + as_cli({
        'experiment_name': 'saim_chain_pre',
        'train_cfg.max_epochs': 1,
        'train_dataloader.dataset.indices': 64,
    }))
    ckpt = _last_checkpoint(pre_dir)
    metrics = load_tool('test').main([PRE, ckpt, '--work-dir', pre_dir] +
                                     as_cli({
                                         'experiment_name': 'saim_chain_pre_t',
                                         'test_dataloader.dataset.indices': 8,
                                     }))
    assert 0 < metrics['reconstruction/mse'] < 10

    probe = load_tool('train').main([PROBE, '--work-dir', probe_dir] + as_cli({
        'experiment_name': 'saim_chain_probe',
        'load_from': ckpt,
        'train_cfg.max_epochs': 1,
        'train_dataloader.dataset.indices': 128,
        'val_dataloader.dataset.indices': 8,
    }))
    pre_state = torch.load(ckpt, map_location='cpu',
                           weights_only=False)['state_dict']
    probe_state = probe.state_dict()
    for key in ('backbone.layers.0.attn.qkv.weight', 'backbone.ln1.weight',
                'backbone.pos_embed', 'backbone.cls_token'):
        # the frozen backbone holds exactly the pre-trained weights
        assert torch.equal(probe_state[key], pre_state[key]), key
    metrics = load_tool('test').main(
        [PROBE, _last_checkpoint(probe_dir), '--work-dir', probe_dir] +
        as_cli({
            'experiment_name': 'saim_chain_probe_t',
            'test_dataloader.dataset.indices': 8,
        }))
    assert 0 <= metrics['accuracy/top1'] <= 100
