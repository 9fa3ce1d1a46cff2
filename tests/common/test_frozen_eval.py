"""k-NN and linear probe on frozen features, checked on hand-computed cases."""
import math

import pytest
import torch
from mmpretrain.registry import METRICS

import projects.common.ssl  # noqa: F401
from projects.common.ssl import knn_predict, linear_probe, topk_accuracy

pytestmark = pytest.mark.usefixtures('mmpretrain_scope')


def test_knn_votes_by_hand():
    bank = torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0], [-1.0, 0.0]])
    labels = torch.tensor([0, 1, 1, 2])
    query = torch.tensor([[2.0, 0.0]])
    votes = knn_predict(bank, labels, query, num_classes=3, k=2, temperature=0.5)
    # neighbours: bank 0 (cos 1) and bank 2 (cos 1/sqrt 2)
    expected = torch.tensor([[math.exp(1 / 0.5), math.exp(2 ** -0.5 / 0.5), 0.0]])
    assert torch.allclose(votes, expected)
    # with 3 neighbours class 1 gathers two votes and wins despite the closer class 0
    votes3 = knn_predict(bank, labels, torch.tensor([[1.0, 3.0]]), 3, k=3, temperature=1.)
    cos = lambda a: float(torch.nn.functional.cosine_similarity(  # noqa: E731
        torch.tensor([[1.0, 3.0]]), torch.tensor([a])))
    assert votes3[0, 1] == pytest.approx(math.exp(cos([0., 2.])) + math.exp(cos([1., 1.])),
                                         rel=1e-5)
    assert votes3[0, 0] == pytest.approx(math.exp(cos([1., 0.])), rel=1e-5)
    with pytest.raises(ValueError, match='k=5'):
        knn_predict(bank, labels, query, 3, k=5)


def test_linear_probe_hand_cases():
    # constant features: the optimum is the bias alone, softmax(b) = class frequencies
    feats = torch.ones(8, 3)
    labels = torch.tensor([0, 0, 0, 0, 0, 0, 1, 2])
    logits = linear_probe(feats, labels, torch.ones(1, 3), 3)
    assert torch.allclose(logits.softmax(1), torch.tensor([[0.75, 0.125, 0.125]]),
                          atol=1e-3)
    # separable classes along one axis are classified exactly
    x = torch.tensor([[-2.0, 0.3], [-1.5, -0.2], [1.5, 0.1], [2.0, -0.4]])
    y = torch.tensor([0, 0, 1, 1])
    pred = linear_probe(x, y, torch.tensor([[-1.0, 0.0], [1.0, 0.0]]), 2,
                        weight_decay=0.).argmax(1)
    assert pred.tolist() == [0, 1]


def test_metrics_split_bank_and_test_samples():
    bank = [dict(feat=torch.tensor(f), gt_label=torch.tensor([c]), is_bank=True)
            for f, c in (([1.0, 0.0], 0), ([0.9, 0.1], 0), ([0.0, 1.0], 1),
                         ([0.1, 0.9], 1))]
    query = [dict(feat=torch.tensor([0.8, 0.3]), gt_label=torch.tensor([0]),
                  is_bank=False),
             dict(feat=torch.tensor([0.2, 0.7]), gt_label=torch.tensor([0]),
                  is_bank=False)]
    for cfg, prefix in ((dict(type='KNNAccuracy', k=2), 'knn'),
                        (dict(type='LinearProbeAccuracy'), 'linear')):
        metric = METRICS.build(cfg)
        metric.process(None, bank + query)
        assert metric.evaluate(6) == {f'{prefix}/top1': 50.0}
    with pytest.raises(KeyError, match='FrozenFeatureTestLoop'):
        METRICS.build(dict(type='KNNAccuracy')).process(None, [dict(gt_label=0)])


def test_topk_accuracy():
    scores = torch.tensor([[0.1, 0.5, 0.4], [0.7, 0.2, 0.1]])
    assert topk_accuracy(scores, torch.tensor([2, 0]), (1, 2)) == {'top1': 50.0,
                                                                   'top2': 100.0}


@pytest.mark.slow
def test_frozen_feature_test_loop_from_a_config(tiny_data, tmp_path):
    from mmengine.config import Config
    from mmengine.runner import Runner

    from projects.common.ssl import extract_features
    cfg = Config.fromfile('configs/baselines/tiny/resnet18_8xb32_in1k.py')
    cfg.work_dir = str(tmp_path)
    cfg.log_level = 'WARNING'
    bank = dict(cfg.test_dataloader, sampler=dict(type='DefaultSampler', shuffle=False))
    bank['dataset'] = dict(bank['dataset'], split='train')
    cfg.test_cfg = dict(type='FrozenFeatureTestLoop', bank_dataloader=bank)
    cfg.test_evaluator = [dict(type='KNNAccuracy', topk=(1, 5)),
                          dict(type='LinearProbeAccuracy', max_iter=20)]
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    assert set(metrics) == {'knn/top1', 'knn/top5', 'linear/top1'}
    # the loop fed the train split as bank and scored only the val split
    model = runner.model
    bank_x, bank_y = extract_features(model, runner.build_dataloader(bank))
    test_x, test_y = extract_features(model, runner.test_dataloader)
    votes = knn_predict(bank_x, bank_y, test_x, 10)
    assert metrics['knn/top1'] == pytest.approx(
        topk_accuracy(votes, test_y, (1, ))['top1'])
    assert metrics['knn/top1'] > 10  # above chance on learnable tiny ImageNet


def test_multi_label_probe_fits_each_class_and_checks_label_shape():
    # two independent binary labels: label 0 follows x0 > 0, label 1 follows x1 > 0
    x = torch.tensor([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]]).repeat(4, 1)
    y = torch.stack([(x[:, 0] > 0), (x[:, 1] > 0)], 1).float()
    test = torch.tensor([[2.0, -2.0], [-2.0, 2.0]])
    logits = linear_probe(x, y, test, 2, multi_label=True)
    assert (logits > 0).tolist() == [[True, False], [False, True]]
    with pytest.raises(ValueError, match='multi-hot'):
        linear_probe(x, y[:, 0].long(), test, 2, multi_label=True)
