"""End to end through tools/train.py and tools/test.py: tiny PASS pre-training on
LUPerson-format data, its teacher fine-tuned on tiny Market-1501, evaluated with the
Market protocol."""
import importlib
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from tests.test_tiny_configs import _last_checkpoint
from tests.utils import (REPO_ROOT, as_cli, build_model, derived_config,
                         load_tool)

importlib.import_module('projects.pass')
PRE = 'configs/pass/tiny/pass_vit-small-p16_8xb128-amp-coslr-100e_luperson.py'
FT = 'configs/pass/tiny/pass-reid_vit-small-p16_1xb64-amp-120e_market1501-256x128.py'


@pytest.mark.slow
def test_pretrain_then_finetune_and_evaluate(tiny_data, tmp_path):
    pre_dir, ft_dir = str(tmp_path / 'pre'), str(tmp_path / 'ft')
    load_tool('train').main([PRE, '--work-dir', pre_dir] + as_cli({
        'experiment_name': 'pass_chain_pre', 'train_cfg.max_epochs': 2}))
    ckpt = _last_checkpoint(pre_dir)
    frozen = load_tool('test').main([PRE, ckpt, '--work-dir', pre_dir] +
                                    as_cli({'experiment_name': 'pass_chain_pre_t'}))
    assert 0 < frozen['reid/mAP'] <= 100

    # the teacher backbone of our own checkpoint loads strictly into the ReID model
    cfg = Config.fromfile(osp.join(REPO_ROOT, FT))
    backbone = build_model(cfg).backbone
    state = torch.load(ckpt, map_location='cpu', weights_only=False)['state_dict']
    teacher = {k[len('teacher.module.0.'):]: v for k, v in state.items()
               if k.startswith('teacher.module.0.')}
    backbone.load_state_dict(teacher, strict=True)

    ft = derived_config(tmp_path, FT, (
        "model = dict(backbone=dict(init_cfg=dict(_delete_=True, "
        f"type='Pretrained', checkpoint={ckpt!r}, "
        "prefix='teacher.module.0.')))"))
    model = load_tool('train').main([ft, '--work-dir', ft_dir] + as_cli(
        {'experiment_name': 'pass_chain_ft', 'train_cfg.max_epochs': 4,
         'train_cfg.val_interval': 4}))
    pretrained = teacher['layers.0.attn.qkv.weight']
    assert not torch.equal(model.backbone.layers[0].attn.qkv.weight.cpu(),
                           pretrained)  # loaded, then fine-tuned
    metrics = load_tool('test').main(
        [ft, _last_checkpoint(ft_dir), '--work-dir', ft_dir] +
        as_cli({'experiment_name': 'pass_chain_ft_t'}))
    assert set(metrics) == {'reid/mAP', 'reid/R1', 'reid/R5', 'reid/R10'}
    print('frozen', frozen, 'fine-tuned', metrics)
    assert metrics['reid/mAP'] > 0
