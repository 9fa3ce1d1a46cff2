import copy

import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import projects.univip  # noqa: F401

K = 3
DIM = 16


def _cfg(**kwargs):
    cfg = dict(
        type='UniVIP',
        num_instances=K,
        embed_dim=DIM,
        backbone=dict(type='ResNet', depth=18, base_channels=8, stem_channels=8,
                      norm_cfg=dict(type='BN')),
        neck=dict(type='NonLinearNeck', in_channels=64, hid_channels=32,
                  out_channels=DIM, num_layers=2, with_avg_pool=True),
        head=dict(type='LatentPredictHead',
                  loss=dict(type='CosineSimilarityLoss'),
                  predictor=dict(type='NonLinearNeck', in_channels=DIM,
                                 hid_channels=32, out_channels=DIM, num_layers=2,
                                 with_avg_pool=False)),
        data_preprocessor=dict(type='SelfSupDataPreprocessor', mean=[0, 0, 0],
                               std=[1, 1, 1]))
    cfg.update(kwargs)
    return cfg


def _inputs(batch=2, two_views=True, seed=0):
    gen = torch.Generator().manual_seed(seed)
    scenes = [torch.randn(batch, 3, 32, 32, generator=gen) for _ in range(2)]
    views = K * (2 if two_views else 1)
    return scenes + [torch.randn(batch, 3, 16, 16, generator=gen) for _ in range(views)]


def _samples(batch=2, fallback=(1, 0)):
    samples = [DataSample() for _ in range(batch)]
    for sample, n in zip(samples, fallback):
        sample.set_field(n, 'num_fallback_instances', field_type='metainfo')
    return samples


def test_three_losses_backward_and_target_untouched():
    torch.manual_seed(0)
    model = MODELS.build(_cfg())
    losses = model(_inputs(), _samples(), mode='loss')
    assert set(losses) == {'loss_scene', 'loss_scene_instance', 'loss_instance',
                           'instance_fallback'}
    assert losses['instance_fallback'].item() == pytest.approx(1 / (2 * K))
    assert -2 <= losses['loss_scene'].item() <= 2
    assert -1 <= losses['loss_instance'].item() <= 1
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert all(p.grad is None for p in model.target_net.parameters())
    assert model.instance_fuse.weight.grad.abs().sum() > 0
    assert model.backbone.conv1.weight.grad.abs().sum() > 0


def test_fuse_layer_gets_gradients_only_from_scene_instance():
    torch.manual_seed(0)
    model = MODELS.build(_cfg())
    losses = model(_inputs(two_views=False), [], mode='loss')
    assert 'instance_fallback' not in losses
    (losses['loss_scene'] + losses['loss_instance']).backward()
    assert model.instance_fuse.weight.grad is None
    losses = model(_inputs(two_views=False), [], mode='loss')
    losses['loss_scene_instance'].backward()
    assert model.instance_fuse.weight.grad.abs().sum() > 0


def test_permuting_instances_keeps_instance_loss_changes_scene_instance():
    torch.manual_seed(0)
    model = MODELS.build(_cfg())
    model.eval()  # BN on running statistics so batches do not couple
    inputs = _inputs()
    perm = [2, 0, 1]
    permuted = inputs[:2] + [inputs[2 + i] for i in perm] + [inputs[2 + K + i] for i in perm]
    a = model(inputs, [], mode='loss')
    b = model(permuted, [], mode='loss')
    torch.testing.assert_close(a['loss_instance'], b['loss_instance'])
    torch.testing.assert_close(a['loss_scene'], b['loss_scene'])
    assert not torch.isclose(a['loss_scene_instance'], b['loss_scene_instance'])


def test_scene_term_alone_is_half_mmpretrain_byol():
    torch.manual_seed(0)
    model = MODELS.build(_cfg(loss_weights=dict(scene_instance=0, instance=0)))
    byol_cfg = {k: v for k, v in _cfg().items() if k not in ('num_instances', 'embed_dim')}
    byol = MODELS.build(dict(byol_cfg, type='BYOL', base_momentum=0.01))
    missing, unexpected = model.load_state_dict(byol.state_dict(), strict=False)
    assert sorted(missing) == ['instance_fuse.bias', 'instance_fuse.weight']
    assert not unexpected
    inputs = _inputs(two_views=False)
    ours = model(copy.deepcopy(inputs), [], mode='loss')
    assert set(ours) == {'loss_scene'}
    ref = byol(inputs[:2], [], mode='loss')['loss']
    torch.testing.assert_close(2 * ours['loss_scene'], ref)


def test_uniform_ot_weights_change_only_the_instance_loss():
    torch.manual_seed(0)
    model = MODELS.build(_cfg())
    uniform = MODELS.build(_cfg(ot_weights='uniform'))
    uniform.load_state_dict(model.state_dict())
    a, b = model(_inputs(), [], mode='loss'), uniform(_inputs(), [], mode='loss')
    torch.testing.assert_close(a['loss_scene'], b['loss_scene'])
    assert not torch.isclose(a['loss_instance'], b['loss_instance'])


@pytest.mark.parametrize('kwargs,match', [
    (dict(ot_weights='gt'), 'ot_weights'),
    (dict(loss_weights=dict(scene_scene=1)), 'loss_weights'),
    (dict(base_momentum=0.99), 'momentum'),
])
def test_bad_config_raises(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(_cfg(**kwargs))


def test_wrong_number_of_views_names_the_fix():
    model = MODELS.build(_cfg())
    with pytest.raises(ValueError, match='num_instances'):
        model(_inputs()[:4], [], mode='loss')


def test_dataset_pipeline_to_losses_counts_fallback(tmp_path):
    import json

    import mmcv
    import numpy as np
    from mmengine.dataset import default_collate
    from mmpretrain.registry import DATASETS

    rng = np.random.RandomState(0)
    data_list = []
    for i, proposals in enumerate([[], [[0, 0, 40, 40], [20, 20, 60, 60]] * 3]):
        mmcv.imwrite(rng.randint(0, 255, (64, 64, 3), np.uint8), str(tmp_path / f'{i}.png'))
        data_list.append(dict(img_path=f'{i}.png', proposals=proposals))
    (tmp_path / 'ann.json').write_text(json.dumps(dict(metainfo={}, data_list=data_list)))
    flip = [dict(type='RandomFlip', prob=0.5)]
    dataset = DATASETS.build(dict(
        type='UniVIPProposalDataset', data_root=str(tmp_path), ann_file='ann.json',
        data_prefix=dict(img_path=''),
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='UniVIPSceneInstanceSampler', num_instances=K, scene_size=32,
                 instance_size=16, min_overlap=16, min_size=16),
            dict(type='UniVIPViewAugment', scene_pipelines=[flip, flip],
                 instance_pipelines=[flip, flip]),
            dict(type='PackInputs', algorithm_keys=['num_fallback_instances'])]))
    model = MODELS.build(_cfg())
    data = model.data_preprocessor(default_collate([dataset[0], dataset[1]]), True)
    assert len(data['inputs']) == 2 + 2 * K
    losses = model(**data, mode='loss')
    assert set(losses) >= {'loss_scene', 'loss_scene_instance', 'loss_instance'}
    assert all(torch.isfinite(v) for v in losses.values())
    # the image without proposals is filled entirely with random boxes
    assert losses['instance_fallback'].item() >= 0.5
