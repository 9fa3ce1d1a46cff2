"""Judging frozen features: weighted k-NN (DINO sec. 4.1, Wu et al. 2018) and a linear probe.

Functions work on feature tensors; the registered pieces plug them into any config::

    test_cfg = dict(type='FrozenFeatureTestLoop', bank_dataloader=train_dataloader)
    test_evaluator = [dict(type='KNNAccuracy'), dict(type='LinearProbeAccuracy')]

:class:`FrozenFeatureTestLoop` runs the model (``extract_feat``) on the labelled bank
(training split) and then on the test split, and hands each metric dicts with ``feat``,
``gt_label`` and ``is_bank``; the metrics fit on the bank and score the test samples.

k-NN (official ``knn_classifier``): l2-normalised features, cosine similarity to the
``k = 20`` nearest bank samples, each voting for its label with weight
``exp(sim / T)``, ``T = 0.07``.
Linear probe: multinomial logistic regression (L-BFGS, l2 penalty) on standardised
features, deterministic (zero initialisation, full batch).
"""
from abc import abstractmethod
from typing import Callable, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmengine.runner import TestLoop, autocast
from mmpretrain.registry import LOOPS, METRICS

FeatureFn = Callable[[object], torch.Tensor]


def pool_features(feats, pool: str = 'auto') -> torch.Tensor:
    """One (B, C) vector per sample from a backbone/neck output.

    Args:
        feats: Tensor or (nested) tuple of tensors; the last element is used.
        pool (str): ``'auto'``: (B, C) as is, (B, N, C) -> token 0 ([CLS]),
            (B, C, H, W) -> spatial mean; ``'mean'``: tokens averaged instead.
    """
    while isinstance(feats, (list, tuple)):
        feats = feats[-1]
    if feats.dim() == 2:
        return feats
    if feats.dim() == 3:
        return feats[:, 0] if pool == 'auto' else feats.mean(1)
    if feats.dim() == 4:
        return feats.mean((2, 3))
    raise ValueError(f'pool_features: cannot pool a feature of shape {tuple(feats.shape)}')


def iter_features(model, dataloader, feature_fn: Optional[FeatureFn] = None,
                  pool: str = 'auto', fp16: bool = False):
    """Yield ``(features (B, C), data_samples, batch)`` for each batch, without gradients.

    ``feature_fn(inputs) -> (B, C)`` overrides the default
    ``pool_features(model.extract_feat(inputs), pool)``.
    """
    for batch in dataloader:
        with torch.no_grad(), autocast(enabled=fp16):
            data = model.data_preprocessor(batch, False)
            inputs = data['inputs']
            feats = feature_fn(inputs) if feature_fn else pool_features(
                model.extract_feat(inputs), pool)
        yield feats.float(), data['data_samples'], batch


def extract_features(model, dataloader, feature_fn: Optional[FeatureFn] = None,
                     pool: str = 'auto') -> Tuple[torch.Tensor, torch.Tensor]:
    """Frozen features (N, C) and labels (N, ) of every sample of ``dataloader``."""
    was_training = model.training
    model.eval()
    feats, labels = [], []
    for out, samples, _ in iter_features(model, dataloader, feature_fn, pool):
        feats.append(out.cpu())
        labels += [int(s.gt_label) for s in samples]
    model.train(was_training)
    return torch.cat(feats), torch.tensor(labels)


@torch.no_grad()
def knn_predict(bank_feats: torch.Tensor, bank_labels: torch.Tensor,
                query_feats: torch.Tensor, num_classes: int, k: int = 20,
                temperature: float = 0.07, chunk: int = 1024) -> torch.Tensor:
    """Class votes (Q, num_classes) of a temperature-weighted cosine k-NN.

    ``votes[q, c] = sum over the k nearest bank samples i with label c of exp(cos(q, i) / T)``.
    """
    if bank_feats.size(0) < k:
        raise ValueError(f'knn_predict: k={k} exceeds the {bank_feats.size(0)} bank samples')
    bank = F.normalize(bank_feats.float(), dim=1)
    votes = []
    for query in F.normalize(query_feats.float(), dim=1).split(chunk):
        sim, idx = (query @ bank.T).topk(k, dim=1)
        weights = (sim / temperature).exp()
        one_hot = F.one_hot(bank_labels[idx], num_classes).float()
        votes.append((one_hot * weights.unsqueeze(-1)).sum(1))
    return torch.cat(votes)


def linear_probe(train_feats: torch.Tensor, train_labels: torch.Tensor,
                 test_feats: torch.Tensor, num_classes: int,
                 weight_decay: float = 1e-3, max_iter: int = 100,
                 multi_label: bool = False) -> torch.Tensor:
    """Logits (Q, num_classes) of a logistic regression fitted on frozen features.

    Minimises ``CE(x W + b, y) + weight_decay * ||W||^2`` (bias unpenalised) with full-batch
    L-BFGS from zero, on features standardised with the training mean and std. With
    ``multi_label=True`` the labels are (N, num_classes) multi-hot targets and the loss is the
    per-class binary cross-entropy (one independent logistic regression per class).
    """
    if multi_label and tuple(train_labels.shape) != (train_feats.size(0), num_classes):
        raise ValueError(
            f'linear_probe(multi_label=True) needs (N, num_classes) = '
            f'({train_feats.size(0)}, {num_classes}) multi-hot labels, got '
            f'{tuple(train_labels.shape)}')
    criterion = F.binary_cross_entropy_with_logits if multi_label else F.cross_entropy
    targets = train_labels.float() if multi_label else train_labels
    x = train_feats.float()
    mean, std = x.mean(0), x.std(0, unbiased=False).clamp_min(1e-6)
    x = (x - mean) / std
    weight = torch.zeros(x.size(1), num_classes, requires_grad=True)
    bias = torch.zeros(num_classes, requires_grad=True)
    optimizer = torch.optim.LBFGS([weight, bias], lr=1, max_iter=max_iter,
                                  line_search_fn='strong_wolfe')

    def closure():
        optimizer.zero_grad()
        loss = criterion(x @ weight + bias, targets)
        loss = loss + weight_decay * weight.pow(2).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        optimizer.step(closure)
    with torch.no_grad():
        return ((test_feats.float() - mean) / std) @ weight + bias


def topk_accuracy(scores: torch.Tensor, labels: torch.Tensor,
                  topk: Sequence[int]) -> dict:
    """``{'top{k}': percent}`` of samples whose label is among the k best scores."""
    result = {}
    for k in topk:
        hit = (scores.topk(min(k, scores.size(1)), dim=1).indices
               == labels.unsqueeze(1)).any(1)
        result[f'top{k}'] = 100.0 * hit.float().mean().item()
    return result


class FrozenFeatureMetric(BaseMetric):
    """Collects ``feat`` / ``gt_label`` / ``is_bank`` dicts; subclasses define :meth:`scores`.

    Args:
        topk (Sequence[int]): Accuracies reported. Defaults to (1, ).
        num_classes (int, optional): Defaults to the largest label seen + 1.
    """

    def __init__(self, topk: Sequence[int] = (1, ), num_classes: Optional[int] = None,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.topk = tuple(topk)
        self.num_classes = num_classes

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'feat' not in sample:
                raise KeyError(
                    f'{type(self).__name__} needs frozen features in each sample; run it '
                    "with test_cfg=dict(type='FrozenFeatureTestLoop', bank_dataloader=...)")
            self.results.append(dict(feat=sample['feat'].float().cpu().reshape(-1),
                                     label=int(sample['gt_label']),
                                     is_bank=bool(sample['is_bank'])))

    def compute_metrics(self, results: List[dict]) -> dict:
        bank = [r for r in results if r['is_bank']]
        query = [r for r in results if not r['is_bank']]
        if not bank or not query:
            raise ValueError(f'{type(self).__name__}: got {len(bank)} bank and '
                             f'{len(query)} test samples; both must be non-empty')
        bank_feats = torch.stack([r['feat'] for r in bank])
        bank_labels = torch.tensor([r['label'] for r in bank])
        query_feats = torch.stack([r['feat'] for r in query])
        query_labels = torch.tensor([r['label'] for r in query])
        num_classes = self.num_classes or int(
            max(bank_labels.max(), query_labels.max())) + 1
        scores = self.scores(bank_feats, bank_labels, query_feats, num_classes)
        return topk_accuracy(scores, query_labels, self.topk)

    @abstractmethod
    def scores(self, bank_feats, bank_labels, query_feats, num_classes) -> torch.Tensor:
        """Class scores (Q, num_classes) of the query features."""


@METRICS.register_module()
class KNNAccuracy(FrozenFeatureMetric):
    """Top-k accuracy of the weighted cosine k-NN classifier (:func:`knn_predict`).

    Args:
        k (int): Neighbours. Defaults to 20.
        temperature (float): Vote temperature T. Defaults to 0.07.
        Other args: see :class:`FrozenFeatureMetric`.
    """

    default_prefix = 'knn'

    def __init__(self, k: int = 20, temperature: float = 0.07, **kwargs) -> None:
        super().__init__(**kwargs)
        self.k = k
        self.temperature = temperature

    def scores(self, bank_feats, bank_labels, query_feats, num_classes):
        return knn_predict(bank_feats, bank_labels, query_feats, num_classes,
                           k=self.k, temperature=self.temperature)


@METRICS.register_module()
class LinearProbeAccuracy(FrozenFeatureMetric):
    """Top-k accuracy of a logistic-regression probe fitted on the bank (:func:`linear_probe`).

    Args:
        weight_decay (float): l2 penalty on the weights. Defaults to 1e-3.
        max_iter (int): L-BFGS iterations. Defaults to 100.
        Other args: see :class:`FrozenFeatureMetric`.
    """

    default_prefix = 'linear'

    def __init__(self, weight_decay: float = 1e-3, max_iter: int = 100, **kwargs) -> None:
        super().__init__(**kwargs)
        self.weight_decay = weight_decay
        self.max_iter = max_iter

    def scores(self, bank_feats, bank_labels, query_feats, num_classes):
        return linear_probe(bank_feats, bank_labels, query_feats, num_classes,
                            weight_decay=self.weight_decay, max_iter=self.max_iter)


@LOOPS.register_module()
class FrozenFeatureTestLoop(TestLoop):
    """Test loop feeding frozen-feature metrics: bank (labelled train split) first, then test.

    Args:
        runner: The runner.
        dataloader: Test dataloader (config or object).
        evaluator: Metrics, e.g. ``[KNNAccuracy, LinearProbeAccuracy]``.
        bank_dataloader: Dataloader of the labelled bank (usually the training split
            with the test pipeline).
        pool (str): See :func:`pool_features`. Defaults to 'auto'.
        fp16 (bool): Autocast the forward. Defaults to False.

    In distributed runs each split is padded by its sampler to a multiple of the world
    size, so up to ``world_size - 1`` samples per split may be counted twice.
    """

    def __init__(self, runner, dataloader, evaluator, bank_dataloader,
                 pool: str = 'auto', fp16: bool = False) -> None:
        super().__init__(runner, dataloader, evaluator, fp16=fp16)
        if isinstance(bank_dataloader, dict):
            bank_dataloader = runner.build_dataloader(
                bank_dataloader, seed=runner.seed, diff_rank_seed=runner._randomness_cfg.get(
                    'diff_rank_seed', False))
        self.bank_dataloader = bank_dataloader
        self.pool = pool

    def _model(self):
        from mmengine.model import is_model_wrapper
        model = self.runner.model
        return model.module if is_model_wrapper(model) else model

    def _feed(self, dataloader, is_bank: bool) -> None:
        for feats, samples, batch in iter_features(self._model(), dataloader,
                                                   pool=self.pool, fp16=self.fp16):
            outputs = [dict(feat=f, gt_label=s.gt_label, is_bank=is_bank)
                       for f, s in zip(feats, samples)]
            self.evaluator.process(data_samples=outputs, data_batch=batch)

    def run(self) -> dict:
        self.runner.call_hook('before_test')
        self.runner.call_hook('before_test_epoch')
        self.runner.model.eval()
        self._feed(self.bank_dataloader, True)
        self._feed(self.dataloader, False)
        size = len(self.bank_dataloader.dataset) + len(self.dataloader.dataset)
        metrics = self.evaluator.evaluate(size)
        self.runner.call_hook('after_test_epoch', metrics=metrics)
        self.runner.call_hook('after_test')
        return metrics
