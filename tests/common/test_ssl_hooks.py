"""DINO schedule hooks on a single CPU process (no DDP wrapper) through mmengine's Runner."""
import math

import pytest
import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner

import projects.common.ssl  # noqa: F401
from projects.common.ssl import CenteredCrossEntropyLoss, DINOProjectionHead

pytestmark = pytest.mark.usefixtures('mmpretrain_scope')


class ToyDistiller(BaseModel):
    def __init__(self):
        super().__init__()
        self.norm = nn.LayerNorm(4)
        self.head = DINOProjectionHead(4, 8, hidden_channels=8, bottleneck_channels=4,
                                       num_layers=2, norm_last_layer=False)
        self.loss = CenteredCrossEntropyLoss(8, warmup_teacher_temp=0.04,
                                             teacher_temp=0.07,
                                             warmup_teacher_temp_epochs=3)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        x = self.head(self.norm(torch.stack(inputs)))
        if mode != 'loss':
            return x
        return dict(loss=self.loss([x, 0.5 * x], [x.detach()]))


class Recorder(Hook):
    priority = 'LOWEST'

    def __init__(self):
        self.wd, self.temps, self.protos = [], [], []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        groups = runner.optim_wrapper.optimizer.param_groups
        self.wd.append([g['weight_decay'] for g in groups])
        self.temps.append(runner.model.loss.current_teacher_temp)

    def after_train_epoch(self, runner):
        model = runner.model
        self.protos.append((model.head.last_layer.direction.detach().clone(),
                            model.head.mlp[0].weight.detach().clone()))


def test_hooks_on_a_single_process(tmp_path):
    torch.manual_seed(0)
    model = ToyDistiller()
    init_proto = model.head.last_layer.direction.detach().clone()
    init_mlp = model.head.mlp[0].weight.detach().clone()
    recorder = Recorder()
    runner = Runner(
        model=model, work_dir=str(tmp_path), default_scope='mmpretrain',
        train_dataloader=dict(
            dataset=[dict(inputs=torch.randn(4)) for _ in range(4)], batch_size=2,
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='pseudo_collate')),
        train_cfg=dict(by_epoch=True, max_epochs=4),
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=0.01, weight_decay=0.04),
                           paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.)),
        custom_hooks=[dict(type='TeacherTempScheduleHook'),
                      dict(type='FreezeLastLayerHook', freeze_epochs=1),
                      dict(type='CosineWeightDecayHook', end_weight_decay=0.4), recorder],
        default_hooks=dict(checkpoint=None, logger=None), log_level='WARNING')
    runner.train()
    # teacher temperature: official per-epoch linspace 0.04 -> 0.07 over 3 epochs
    assert recorder.temps == pytest.approx([0.04] * 2 + [0.055] * 2 + [0.07] * 4)
    # prototypes untouched during epoch 0 while the MLP trains; updated from epoch 1
    assert torch.equal(recorder.protos[0][0], init_proto)
    assert not torch.equal(recorder.protos[0][1], init_mlp)
    assert not torch.equal(recorder.protos[1][0], init_proto)
    # weight decay: cosine 0.04 -> 0.4 for decayed groups, zero-decay groups stay 0
    groups = runner.optim_wrapper.optimizer.param_groups
    decayed = [i for i, g in enumerate(groups) if g['initial_weight_decay'] > 0]
    zero = [i for i, g in enumerate(groups) if g['initial_weight_decay'] == 0]
    assert decayed and zero
    for it, wds in enumerate(recorder.wd):
        expected = 0.4 + (0.04 - 0.4) * (1 + math.cos(math.pi * it / 8)) / 2
        assert all(wds[i] == pytest.approx(expected) for i in decayed)
        assert all(wds[i] == 0 for i in zero)


def test_hooks_fail_loudly_without_their_targets():
    from projects.common.ssl import CosineWeightDecayHook
    with pytest.raises(ValueError, match='exactly one'):
        CosineWeightDecayHook()
