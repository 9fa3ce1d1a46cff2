"""Each compat fix repairs a breakage that is really there without it."""
import json
import sys

import numpy as np
import pytest
import torch
import torch.nn as nn


class _ToyModel(nn.Module):

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.fc(inputs)
        if mode == 'loss':
            return dict(loss=(out - data_samples).pow(2).mean())
        return out


def _toy_runner(work_dir, max_epochs, resume=False):
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    class ToyModel(BaseModel):

        def __init__(self):
            super().__init__()
            self.net = _ToyModel()

        def forward(self, inputs, data_samples=None, mode='tensor'):
            return self.net(inputs, data_samples, mode)

    data = [(torch.tensor([float(i), 1.0]), torch.tensor([float(i)]))
            for i in range(8)]
    return Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=data, sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=4, collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
        resume=resume,
        experiment_name=f'toy_{work_dir.name}_{max_epochs}_{resume}')


def test_runner_checkpoint_resumes(tmp_path):
    """A Runner checkpoint pickles HistoryBuffer/numpy, which torch>=2.6's default
    ``weights_only=True`` refuses; with the allowlist, ``resume`` works (weights-only)."""
    runner = _toy_runner(tmp_path, max_epochs=1)
    runner.train()
    ckpt = tmp_path / 'epoch_1.pth'
    assert ckpt.is_file()
    # The breakage the fix addresses: torch's default allowlist lacks these.
    allowed = torch.serialization.get_safe_globals()
    torch.serialization.clear_safe_globals()
    try:
        unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(ckpt)
    finally:
        torch.serialization.add_safe_globals(allowed)
    assert 'mmengine.logging.history_buffer.HistoryBuffer' in unsafe
    resumed = _toy_runner(tmp_path, max_epochs=2, resume=True)
    resumed.train()
    assert resumed.train_loop.epoch == 2
    assert (tmp_path / 'epoch_2.pth').is_file()


def test_checkpoint_written_atomically(tmp_path, monkeypatch):
    """An interrupted save leaves no partial file behind the final name."""
    from mmengine.runner import checkpoint as ckpt_mod

    target = tmp_path / 'epoch_1.pth'
    target.write_bytes(b'previous complete checkpoint')

    def failing_save(obj, f, *args, **kwargs):
        f.write(b'partial')
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, 'save', failing_save)
    with pytest.raises(KeyboardInterrupt):
        ckpt_mod.save_checkpoint({'a': 1}, str(target))
    assert target.read_bytes() == b'previous complete checkpoint'
    assert [p.name for p in tmp_path.iterdir()] == ['epoch_1.pth']


def _lvis_files(tmp_path):
    cats = [dict(id=i, name=f'c{i}', synset=f'c{i}.n.01', synonyms=[f'c{i}'],
                 def_='', frequency=f, image_count=1, instance_count=1)
            for i, f in ((1, 'f'), (2, 'c'), (3, 'r'))]
    images = [dict(id=i, width=64, height=64, neg_category_ids=[],
                   not_exhaustive_category_ids=[], file_name=f'{i}.jpg')
              for i in (1, 2)]
    anns = [dict(id=1, image_id=1, category_id=1, bbox=[4, 4, 20, 20],
                 area=400, segmentation=[[4, 4, 24, 4, 24, 24, 4, 24]]),
            dict(id=2, image_id=2, category_id=3, bbox=[10, 10, 30, 30],
                 area=900, segmentation=[[10, 10, 40, 10, 40, 40, 10, 40]])]
    gt = tmp_path / 'gt.json'
    gt.write_text(json.dumps(dict(images=images, annotations=anns,
                                  categories=cats)))
    dets = [dict(image_id=1, category_id=1, bbox=[4, 4, 20, 20], score=0.9),
            dict(image_id=2, category_id=3, bbox=[10, 10, 30, 30], score=0.8)]
    return str(gt), dets


def test_lvis_evaluation_accumulates(tmp_path):
    """lvis 0.5.3 uses ``np.float``; the fix gives only lvis a numpy with it."""
    import lvis.eval
    from lvis import LVIS, LVISEval, LVISResults

    assert not hasattr(np, 'float'), 'the alias must not leak into numpy'
    assert lvis.eval.np.float is float
    gt_file, dets = _lvis_files(tmp_path)
    gt = LVIS(gt_file)
    lvis_eval = LVISEval(gt, LVISResults(gt, dets), 'bbox')
    lvis_eval.run()
    assert lvis_eval.results['AP'] == pytest.approx(1.0)
    assert lvis_eval.results['APr'] == pytest.approx(1.0)


def test_lvis_breaks_without_fix(tmp_path, monkeypatch):
    import lvis.eval
    from lvis import LVIS, LVISEval, LVISResults

    monkeypatch.setattr(lvis.eval, 'np', np)
    gt_file, dets = _lvis_files(tmp_path)
    gt = LVIS(gt_file)
    lvis_eval = LVISEval(gt, LVISResults(gt, dets), 'bbox')
    with pytest.raises(AttributeError, match='float'):
        lvis_eval.run()


def test_mmaction_imports():
    """The mmaction2 1.2.0 wheel lacks localizers/drn; the placeholder lets it import."""
    import mmaction.models  # noqa: F401
    from mmaction.registry import METRICS, MODELS
    assert MODELS.get('CLIPSimilarity') is not None
    assert METRICS.get('RetrievalMetric') is not None
    drn = sys.modules['mmaction.models.localizers.drn']
    with pytest.raises(ImportError, match='drn'):
        drn.DRN()


def test_pkg_resources_available():
    """mmengine's ``mmdet::`` base configs need pkg_resources (setuptools < 81)."""
    from mmengine.config import Config
    import pkg_resources  # noqa: F401
    cfg = Config.fromfile('configs/baselines/faster-rcnn_r50_fpn_1x_coco.py')
    assert cfg.model.type == 'FasterRCNN'


def test_collate_fn_scope_tag_is_dropped():
    """Configs inheriting ``mmpretrain::`` bases tag collate_fn with ``_scope_``; the
    Runner must not pass it on to the collate function."""
    from mmengine.runner import Runner
    data = [(torch.tensor([1.0]), 0)] * 4
    loader = Runner.build_dataloader(dict(
        dataset=data, batch_size=2, sampler=dict(type='DefaultSampler',
                                                 shuffle=False),
        collate_fn=dict(type='default_collate', _scope_='mmpretrain')))
    batch = next(iter(loader))
    assert batch[0].shape == (2, 1)
