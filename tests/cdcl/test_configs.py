"""Every full CDCL config: the model runs a training loss and a prediction on dummy input."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from projects.cdcl import CDCLEncoderDecoder, DatasetSpecificBatchNorm
from tests.cdcl.helpers import make_batch
from tests.utils import REPO_ROOT, build_model

CONFIGS = sorted(
    osp.relpath(p, REPO_ROOT)
    for p in glob.glob(osp.join(REPO_ROOT, 'configs', 'cdcl', '*.py')))


def test_all_paper_configs_are_present():
    names = [osp.basename(p) for p in CONFIGS]
    assert len([n for n in names if n.startswith('cdcl_')]) == 5
    assert len([n for n in names if n.startswith('pspnet_')]) == 4


@pytest.mark.parametrize('path', CONFIGS)
def test_full_config_model_forward(path):
    cfg = Config.fromfile(path)
    torch.manual_seed(0)
    model = build_model(cfg)
    assert model.backbone.init_cfg['checkpoint'] == 'open-mmlab://resnet18_v1c'
    assert cfg.optim_wrapper.optimizer.lr == 0.01
    assert cfg.param_scheduler[0]['power'] == 0.9
    if isinstance(model, CDCLEncoderDecoder):
        n = model.num_datasets
        num_classes = model.decode_head.dataset_num_classes
        assert list(num_classes) == list(
            model.auxiliary_head.dataset_num_classes)
        dsbn = [m for m in model.modules()
                if isinstance(m, DatasetSpecificBatchNorm)]
        assert dsbn and all(m.num_datasets == n for m in dsbn)
        ids = [d for d in range(n) for _ in range(2)]
    else:
        num_classes = (model.decode_head.num_classes, )
        ids = [0, 0]
    inputs, samples = make_batch(ids, num_classes, size=64)
    model.train()
    losses = model.loss(inputs, samples)
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)
    model.eval()
    with torch.no_grad():
        for d in sorted(set(ids)):
            out = model.predict(*make_batch([d], num_classes, size=64))
            assert out[0].seg_logits.data.shape == (num_classes[d], 64, 64)
