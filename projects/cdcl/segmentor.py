"""CDCL segmentor: routes every sample through its dataset's branches (DSBN + classifier).

Implements Dataset Alternation Training (DAT, paper Sec. 3.3) with interval t = 1: the
batch holds sub-batches of every dataset; each sub-batch runs a separate forward pass with
its dataset's DSBN branch and classifier, giving ``L_i``; the losses are summed,
``L = sum_i w_i L_i`` (paper Eq. for the global loss, ``w_i = 1``), and mmengine's
``parse_losses`` turns the dict into one scalar, so there is one backward pass and one
optimiser update per iteration.
"""
from collections import OrderedDict
from typing import List, Optional, Sequence

import torch
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.utils import add_prefix
from torch import Tensor

from .dsbn import dataset_aware_modules

MISSING_IDX_HINT = (
    "add SetDatasetIndex(idx=<i>) or SetDatasetIndex(name=<name>) to that "
    "dataset's pipeline and 'dataset_idx', 'dataset_name' to "
    "PackSegInputs(meta_keys=...)")


def has_dataset_tag(meta: dict) -> bool:
    return 'dataset_idx' in meta or 'dataset_name' in meta


def get_dataset_idx(meta: dict, position: int,
                    dataset_names: Sequence[str]) -> int:
    """The dataset index of one sample, from the ``dataset_idx`` or ``dataset_name`` that
    ``SetDatasetIndex`` stamped into its metainfo."""
    if 'dataset_idx' in meta:
        return int(meta['dataset_idx'])
    path = meta.get('img_path', '<no image path>')
    if 'dataset_name' in meta:
        name = meta['dataset_name']
        if name not in dataset_names:
            raise KeyError(
                f'Sample {position} ({path}) comes from dataset {name!r}, '
                f'which is not in the model dataset_names {list(dataset_names)}; '
                'add it there (with its num_classes entries) or fix the '
                'SetDatasetIndex name.')
        return list(dataset_names).index(name)
    raise KeyError(
        f'Sample {position} ({path}) has no "dataset_idx" in its metainfo, '
        f'so CDCL cannot choose its BatchNorm branch and classifier; '
        f'{MISSING_IDX_HINT}.')


@MODELS.register_module()
class CDCLEncoderDecoder(EncoderDecoder):
    """EncoderDecoder trained jointly on several datasets with dataset-aware blocks.

    Args:
        num_datasets (int): Number of datasets N; every DSBN layer and dataset-aware head
            must have N branches.
        dataset_names (Sequence[str], optional): Names used to prefix the loss keys
            (``cityscapes.decode.loss_ce``). Defaults to ``dataset0``, ``dataset1``, ...
        loss_weights (Sequence[float], optional): ``w_i`` of the global loss. Defaults to
            all ones (paper setting).
        dataset_metas (Sequence[dict], optional): ``classes`` and ``palette`` of each
            dataset; with ``test_cfg.dataset_idx`` set, ``dataset_meta`` (what mmseg's
            inferencers and visualisers read) is that dataset's. Filled by
            :func:`projects.cdcl.inference.dataset_config`.
        **kwargs: Everything else of :class:`mmseg.models.segmentors.EncoderDecoder`.
            ``test_cfg.dataset_idx`` (optional) selects the branch for inputs whose
            samples carry no dataset index (deployment on one chosen label space).
    """

    def __init__(self,
                 num_datasets: int,
                 dataset_names: Optional[Sequence[str]] = None,
                 loss_weights: Optional[Sequence[float]] = None,
                 dataset_metas: Optional[Sequence[dict]] = None,
                 **kwargs):
        super().__init__(**kwargs)
        if dataset_metas is not None and len(dataset_metas) != num_datasets:
            raise ValueError(
                f'dataset_metas has {len(dataset_metas)} entries but '
                f'num_datasets={num_datasets}; give one per dataset.')
        self.dataset_metas = None if dataset_metas is None else [
            dict(m) for m in dataset_metas
        ]
        if not isinstance(num_datasets, int) or num_datasets < 1:
            raise ValueError(
                f'CDCLEncoderDecoder needs num_datasets >= 1, got '
                f'{num_datasets!r}.')
        self.num_datasets = num_datasets
        if dataset_names is None:
            dataset_names = [f'dataset{i}' for i in range(num_datasets)]
        if len(dataset_names) != num_datasets:
            raise ValueError(
                f'dataset_names={list(dataset_names)!r} has '
                f'{len(dataset_names)} entries but num_datasets='
                f'{num_datasets}; give one name per dataset.')
        self.dataset_names = list(dataset_names)
        if loss_weights is None:
            loss_weights = [1.0] * num_datasets
        if len(loss_weights) != num_datasets:
            raise ValueError(
                f'loss_weights={list(loss_weights)!r} needs {num_datasets} '
                'entries (one w_i per dataset).')
        self.loss_weights = [float(w) for w in loss_weights]
        self._aware = dataset_aware_modules(self)
        for name, module in self.named_modules():
            n = getattr(module, 'num_datasets', None)
            if module in self._aware and n != num_datasets:
                raise ValueError(
                    f'{name or "model"} ({type(module).__name__}) has '
                    f'{n} dataset branches but the segmentor has '
                    f'num_datasets={num_datasets}; set num_datasets in '
                    'norm_cfg and one num_classes entry per dataset in the '
                    'heads.')
        self.dataset_idx = 0

    @property
    def dataset_meta(self) -> Optional[dict]:
        """Classes and palette: those of the ``test_cfg.dataset_idx`` branch when
        ``dataset_metas`` is given, else whatever was assigned (checkpoint meta)."""
        idx = (self.test_cfg or {}).get('dataset_idx', None)
        if self.dataset_metas is not None and idx is not None:
            return self.dataset_metas[int(idx)]
        return self.__dict__.get('_dataset_meta')

    @dataset_meta.setter
    def dataset_meta(self, meta: Optional[dict]) -> None:
        self.__dict__['_dataset_meta'] = meta

    def set_dataset_idx(self, idx: int) -> None:
        """Select dataset ``idx`` in every DSBN layer and head (call before a forward)."""
        if not 0 <= idx < self.num_datasets:
            raise IndexError(
                f'dataset_idx={idx} is out of range for a CDCL model with '
                f'num_datasets={self.num_datasets} ({self.dataset_names}).')
        for module in self._aware:
            module.set_dataset_idx(idx)
        self.dataset_idx = idx
        self.num_classes = self.decode_head.num_classes
        self.out_channels = self.decode_head.out_channels

    def group_by_dataset(self, data_samples) -> 'OrderedDict[int, List[int]]':
        """Sample positions of each dataset present in the batch (ascending index,
        stable order inside a group)."""
        groups = OrderedDict()
        for pos, sample in enumerate(data_samples):
            idx = get_dataset_idx(sample.metainfo, pos, self.dataset_names)
            if not 0 <= idx < self.num_datasets:
                raise IndexError(
                    f'Sample {pos} has dataset_idx={idx} but the model has '
                    f'num_datasets={self.num_datasets}; check the '
                    'SetDatasetIndex(idx=...) values of the pipelines.')
            groups.setdefault(idx, []).append(pos)
        return OrderedDict(sorted(groups.items()))

    def loss(self, inputs: Tensor, data_samples) -> dict:
        """Sum of per-dataset losses (DAT, t = 1), keys prefixed by dataset name."""
        losses = dict()
        for idx, positions in self.group_by_dataset(data_samples).items():
            self.set_dataset_idx(idx)
            sub_inputs = inputs[torch.as_tensor(positions,
                                                device=inputs.device)]
            sub_samples = [data_samples[p] for p in positions]
            sub_losses = super().loss(sub_inputs, sub_samples)
            weight = self.loss_weights[idx]
            if weight != 1.0:
                sub_losses = {
                    k: v * weight if 'loss' in k else v
                    for k, v in sub_losses.items()
                }
            losses.update(add_prefix(sub_losses, self.dataset_names[idx]))
        return losses

    def _batch_dataset_idx(self, batch_img_metas) -> int:
        """The single dataset index of an inference batch (mixed batches raise)."""
        tagged = [has_dataset_tag(m) for m in batch_img_metas]
        if tagged and all(tagged):
            found = {
                get_dataset_idx(m, i, self.dataset_names)
                for i, m in enumerate(batch_img_metas)
            }
            if len(found) != 1:
                raise ValueError(
                    f'Inference batch mixes datasets {sorted(found)}; CDCL '
                    'predicts one dataset per batch. Evaluate each dataset '
                    'with its own dataloader (MultiDatasetValLoop does).')
            return found.pop()
        default = (self.test_cfg or {}).get('dataset_idx', None)
        if default is None or any(tagged):
            where = (f'sample {tagged.index(False)} has' if tagged else
                     'the batch has no data samples and so')
            raise KeyError(
                f'Cannot choose a dataset branch: {where} no dataset index. '
                f'For inference on a chosen dataset set model.test_cfg.'
                f'dataset_idx (0..{self.num_datasets - 1} for '
                f'{self.dataset_names}); for evaluation {MISSING_IDX_HINT}.')
        return int(default)

    def predict(self, inputs: Tensor, data_samples=None):
        metas = None if data_samples is None else [
            s.metainfo for s in data_samples
        ]
        self.set_dataset_idx(self._batch_dataset_idx(metas or []))
        return super().predict(inputs, data_samples)

    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict]):
        if batch_img_metas and has_dataset_tag(batch_img_metas[0]):
            self.set_dataset_idx(self._batch_dataset_idx(batch_img_metas))
        return super().encode_decode(inputs, batch_img_metas)

    def _forward(self, inputs: Tensor, data_samples=None,
                 dataset_idx: Optional[int] = None) -> Tensor:
        """Raw logits of one dataset (tracing / FLOPs); ``dataset_idx`` defaults to the
        samples' index, then ``test_cfg.dataset_idx``, then 0."""
        if dataset_idx is None:
            if data_samples is not None:
                dataset_idx = self._batch_dataset_idx(
                    [s.metainfo for s in data_samples])
            else:
                dataset_idx = (self.test_cfg or {}).get('dataset_idx', 0)
        self.set_dataset_idx(dataset_idx)
        return super()._forward(inputs, data_samples)
