"""End to end: a tiny UniVIP pre-training run (proposals JSON of the tiny scenes) is judged
by the 20-NN evaluator and feeds the tiny linear probe, through ``tools/train.py`` and
``tools/test.py`` (the chain documented in the tiny configs)."""
import glob
import json
import math

import pytest
import torch

from tests.test_tiny_configs import _last_checkpoint
from tests.utils import as_cli, load_tool

PRE = 'configs/univip/tiny/univip_resnet50_8xb64-amp-coslr-800e_coco.py'
PROBE = 'configs/univip/tiny/resnet50_8xb512-linear-coslr-90e_in1k.py'


@pytest.mark.slow
def test_pretrain_then_linear_probe(tiny_data, tmp_path):
    pre_dir, probe_dir = str(tmp_path / 'pre'), str(tmp_path / 'probe')
    load_tool('train').main([PRE, '--work-dir', pre_dir] + as_cli({
        'experiment_name': 'univip_chain_pre',
        'train_cfg.max_epochs': 1,
        'train_dataloader.dataset.indices': 64,
    }))
    logs = [json.loads(line) for path in glob.glob(f'{pre_dir}/*/vis_data/scalars.json')
            for line in open(path)]
    assert logs, 'no training log written'
    for log in logs:
        for key in ('loss_scene', 'loss_scene_instance', 'loss_instance'):
            assert math.isfinite(log[key]), (key, log)
        # every scene's proposals hold its 2-4 objects: most instances are proposals
        assert 0 <= log['instance_fallback'] < 0.5, log
    ckpt = _last_checkpoint(pre_dir)
    metrics = load_tool('test').main([PRE, ckpt, '--work-dir', pre_dir] + as_cli({
        'experiment_name': 'univip_chain_pre_t',
        'test_dataloader.dataset.indices': 20,
    }))
    assert 0 <= metrics['knn/top1'] <= 100

    probe = load_tool('train').main([PROBE, '--work-dir', probe_dir] + as_cli({
        'experiment_name': 'univip_chain_probe',
        'load_from': ckpt,
        'train_cfg.max_epochs': 1,
        'train_dataloader.dataset.indices': 128,
        'val_dataloader.dataset.indices': 10,
    }))
    pre_state = torch.load(ckpt, map_location='cpu', weights_only=False)['state_dict']
    probe_state = probe.state_dict()
    for key in ('backbone.conv1.weight', 'backbone.layer4.1.conv2.weight',
                'backbone.layer4.1.bn2.running_mean'):
        # the frozen backbone holds exactly the pre-trained online encoder
        assert torch.equal(probe_state[key], pre_state[key]), key
    metrics = load_tool('test').main(
        [PROBE, _last_checkpoint(probe_dir), '--work-dir', probe_dir] + as_cli({
            'experiment_name': 'univip_chain_probe_t',
            'test_dataloader.dataset.indices': 10,
        }))
    assert 0 <= metrics['accuracy/top1'] <= 100
