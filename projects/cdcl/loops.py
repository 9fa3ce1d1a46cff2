"""Validation/test loops that evaluate each dataset of a CDCL model with its own classes.

mmengine's ``ValLoop``/``TestLoop`` own one dataloader and one evaluator, and a
``ConcatDataset`` exposes only its first dataset's metainfo, which would mislabel every
other dataset. These loops take the usual ``val_dataloader`` whose dataset is a
``ConcatDataset`` of the per-dataset val sets (each pipeline ending in ``SetDatasetIndex``),
split it into one dataloader and one evaluator per dataset (metainfo of that dataset, so
``IoUMetric`` uses that dataset's class count), and report metrics prefixed by the dataset
name (``cityscapes/mIoU``) plus their mean over the evaluated datasets (``mean/mIoU``).
"""
import copy
from numbers import Number
from typing import Dict, Optional, Sequence, Union

from mmengine.runner import TestLoop, ValLoop
from mmengine.runner.loops import _parse_losses
from mmseg.registry import LOOPS


class _PerDatasetEvaluation:
    """Shared set-up and run logic of :class:`MultiDatasetValLoop`/``TestLoop``."""

    def __init__(self,
                 runner,
                 dataloader: dict,
                 evaluator: Union[dict, list],
                 fp16: bool = False,
                 dataset_names: Optional[Sequence[str]] = None,
                 eval_datasets: Optional[Sequence[Union[str, int]]] = None):
        super().__init__(runner, dataloader, evaluator, fp16)
        self._setup_datasets(runner, dataloader, evaluator, dataset_names,
                             eval_datasets)

    def _run_stage(self, stage: str) -> dict:
        """One val or test epoch: hooks, per-dataset evaluation, optional losses."""
        self.runner.call_hook(f'before_{stage}')
        self.runner.call_hook(f'before_{stage}_epoch')
        self.runner.model.eval()
        losses = getattr(self, f'{stage}_loss')
        losses.clear()
        metrics = self._evaluate_all()
        if losses:
            metrics.update(_parse_losses(losses, stage))
        self.runner.call_hook(f'after_{stage}_epoch', metrics=metrics)
        self.runner.call_hook(f'after_{stage}')
        return metrics

    def _setup_datasets(self, runner, dataloader, evaluator, dataset_names,
                        eval_datasets):
        concat = self.dataloader.dataset
        if not hasattr(concat, 'datasets') or not isinstance(dataloader, dict):
            raise TypeError(
                f'{type(self).__name__} needs a dataloader config whose '
                'dataset is a ConcatDataset of the per-dataset val sets, got '
                f'{type(concat).__name__}; use dict(type="ConcatDataset", '
                'datasets=[...], ignore_keys=[...]).')
        subsets = list(concat.datasets)
        if dataset_names is None:
            dataset_names = [f'dataset{i}' for i in range(len(subsets))]
        if len(dataset_names) != len(subsets):
            raise ValueError(
                f'dataset_names={list(dataset_names)} has {len(dataset_names)} '
                f'entries for {len(subsets)} datasets in the ConcatDataset.')
        self.dataset_names = list(dataset_names)
        self.eval_indices = self._resolve(eval_datasets)
        if not isinstance(evaluator, (dict, list)):
            raise TypeError(
                f'{type(self).__name__} builds one evaluator per dataset and '
                f'needs an evaluator config (dict or list), got '
                f'{type(evaluator).__name__}.')
        self.loaders, self.evaluators = {}, {}
        loader_cfg = {k: v for k, v in dataloader.items() if k != 'dataset'}
        for i in self.eval_indices:
            cfg = copy.deepcopy(loader_cfg)
            cfg['dataset'] = subsets[i]
            self.loaders[i] = runner.build_dataloader(
                cfg, seed=runner.seed, diff_rank_seed=runner._randomness_cfg.get(
                    'diff_rank_seed', False))
            ev = runner.build_evaluator(copy.deepcopy(evaluator))
            ev.dataset_meta = subsets[i].metainfo
            self.evaluators[i] = ev

    def _resolve(self, eval_datasets) -> list:
        if eval_datasets is None:
            return list(range(len(self.dataset_names)))
        if isinstance(eval_datasets, (str, int)):
            eval_datasets = [eval_datasets]
        indices = []
        for item in eval_datasets:
            if isinstance(item, int) and 0 <= item < len(self.dataset_names):
                indices.append(item)
            elif item in self.dataset_names:
                indices.append(self.dataset_names.index(item))
            else:
                raise ValueError(
                    f'eval_datasets entry {item!r} is not a dataset of this '
                    f'config; choose from {self.dataset_names} (or their '
                    'indices).')
        return indices

    def _evaluate_all(self) -> dict:
        """Run ``run_iter`` over each dataset's loader, evaluate it with its own evaluator
        and merge the prefixed metrics."""
        metrics: Dict[str, Union[Number, object]] = {}
        per_dataset = []
        for i in self.eval_indices:
            self.dataloader = self.loaders[i]
            self.evaluator = self.evaluators[i]
            self.runner.visualizer.dataset_meta = self.dataloader.dataset.metainfo
            for idx, data_batch in enumerate(self.dataloader):
                self.run_iter(idx, data_batch)
            result = self.evaluator.evaluate(len(self.dataloader.dataset))
            per_dataset.append(result)
            name = self.dataset_names[i]
            metrics.update({f'{name}/{k}': v for k, v in result.items()})
        shared = set.intersection(*(set(r) for r in per_dataset))
        for key in sorted(shared):
            values = [r[key] for r in per_dataset]
            if all(isinstance(v, Number) for v in values):
                metrics[f'mean/{key}'] = sum(values) / len(values)
        return metrics


@LOOPS.register_module()
class MultiDatasetValLoop(_PerDatasetEvaluation, ValLoop):
    """Validate every dataset with its own dataloader, evaluator and class list.

    Args:
        runner (Runner): The runner.
        dataloader (dict): Dataloader config; its dataset is a ``ConcatDataset``.
        evaluator (dict | list): Evaluator config, built once per dataset.
        fp16 (bool): Autocast during validation. Defaults to False.
        dataset_names (Sequence[str], optional): Metric prefixes, one per dataset.
        eval_datasets (Sequence[str | int], optional): Evaluate only these datasets
            (names or indices); all when None.
    """

    def run(self) -> dict:
        return self._run_stage('val')


@LOOPS.register_module()
class MultiDatasetTestLoop(_PerDatasetEvaluation, TestLoop):
    """Test every dataset with its own dataloader, evaluator and class list.

    Same arguments as :class:`MultiDatasetValLoop`. Choose datasets at test time with
    ``--cfg-options test_cfg.eval_datasets="[camvid]"``.
    """

    def run(self) -> dict:
        return self._run_stage('test')
