"""A NaN / Inf loss stops training at once with a message that names the iteration and
the loss terms; the last good checkpoint is kept and no NaN checkpoint is written."""
import math

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner

from projects.common.nan_guard import NonFiniteLossError
from projects.common.safe_load import safe_load
from tests.utils import as_cli, load_tool


class _Toy(BaseModel):

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(1, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.fc(inputs)
        if mode == 'loss':
            return dict(loss_fit=(out - data_samples).pow(2).mean(),
                        loss_aux=out.abs().mean() * 0)
        return out


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path):
    # Batch 3 (iteration 3) holds an infinite target.
    targets = [1.0, 2.0, 3.0, 4.0, math.inf, 1.0, 2.0, 3.0]
    data = [(torch.tensor([1.0]), torch.tensor([t])) for t in targets]
    runner = Runner(
        model=_Toy(), work_dir=str(tmp_path),
        train_dataloader=dict(
            dataset=data, sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2, collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=False, max_iters=4),
        default_hooks=dict(checkpoint=dict(
            type='DurableCheckpointHook', interval=1, by_epoch=False,
            max_keep_ckpts=1)),
        custom_hooks=[dict(type='FiniteLossHook')],
        experiment_name='nan_guard_toy')
    with pytest.raises(NonFiniteLossError) as info:
        runner.train()
    msg = str(info.value)
    assert 'iteration 3' in msg and 'loss_fit' in msg and 'loss_aux' in msg
    assert 'iter_2.pth' in msg
    assert sorted(p.name for p in tmp_path.glob('*.pth')) == ['iter_2.pth']
    state = safe_load(tmp_path / 'iter_2.pth')['state_dict']
    assert all(torch.isfinite(v).all() for v in state.values())


@pytest.mark.slow
def test_train_tool_exits_on_nan(capsys, tmp_path, tiny_data):
    opts = {
        'train_cfg.max_epochs': 2, 'train_dataloader.dataset.indices': 32,
        'train_dataloader.batch_size': 8,
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'optim_wrapper.optimizer.lr': 1e6,
    }
    with pytest.raises(SystemExit) as info:
        load_tool('train').main(
            ['configs/baselines/tiny/resnet18_8xb32_in1k.py', '--work-dir',
             str(tmp_path), '--no-validate'] + as_cli(opts))
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert 'Non-finite loss' in err and 'iteration' in err and 'loss' in err
    assert not list(tmp_path.glob('*.pth'))
