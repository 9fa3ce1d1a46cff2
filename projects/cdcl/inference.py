"""CDCL with mmseg's inference APIs (``init_model``, ``inference_model``, ``MMSegInferencer``).

A CDCL model predicts in the label space of one of its datasets at a time (its BatchNorm
branch and classifier). mmseg's APIs expect one test set: a top-level ``test_pipeline``
(``init_model`` / ``inference_model``), ``test_dataloader.dataset.pipeline``
(``MMSegInferencer``), and class names and palette in ``model.dataset_meta``. A CDCL config
tests on a concatenation of its datasets instead, and a checkpoint's ``dataset_meta`` is that
of the first dataset. :func:`dataset_config` narrows a CDCL config to the branch the user picks:

- ``model.test_cfg.dataset_idx`` selects the branch, ``model.dataset_metas`` holds every
  dataset's classes and palette, so ``model.dataset_meta`` is the picked dataset's;
- ``test_pipeline`` and ``test_dataloader.dataset`` are the picked dataset's (its resize and
  its ``SetDatasetIndex`` tag), ``test_cfg`` is mmengine's ``TestLoop``.

Example::

    from mmseg.apis import MMSegInferencer, inference_model, init_model
    from projects.cdcl.inference import dataset_config

    cfg = dataset_config('configs/cdcl/cdcl_pspnet_r18-d8_4xb4-80k_cityscapes-camvid-512x512.py',
                         'camvid')
    model = init_model(cfg, 'iter_80000.pth', device='cpu')
    result = inference_model(model, 'img.png')       # labels of CamVid's 11 classes
    model.dataset_meta['classes']                     # CamVid's class names
    MMSegInferencer(cfg, 'iter_80000.pth')('img.png', out_dir='out')  # CamVid palette
"""
import copy
from typing import List, Optional, Union

from mmengine.config import Config, ConfigDict


def _tag(dataset_cfg) -> dict:
    """The ``SetDatasetIndex`` step of a dataset config's pipeline (``{}`` if none)."""
    for step in dataset_cfg.get('pipeline', []):
        if step.get('type') == 'SetDatasetIndex':
            return step
    return {}


def branch_datasets(cfg: Config) -> List[ConfigDict]:
    """The per-dataset test sets of a CDCL config, in the order of ``model.dataset_names``."""
    names = list(cfg.model.get('dataset_names') or [])
    test_set = cfg.test_dataloader.dataset
    sources = list(test_set.get('datasets', [test_set]))
    ordered = []
    for idx, name in enumerate(names):
        match = [
            d for d in sources
            if _tag(d).get('name') == name or _tag(d).get('idx') == idx
        ]
        if len(match) != 1:
            raise ValueError(
                f'Cannot find the test set of dataset {name!r} (index {idx}) in '
                f'test_dataloader.dataset: expected one dataset whose pipeline '
                f'has SetDatasetIndex(name={name!r}) or (idx={idx}), found '
                f'{len(match)}.')
        ordered.append(match[0])
    return ordered


def dataset_metainfo(dataset_cfg) -> dict:
    """``classes`` and ``palette`` of one mmseg dataset config (its class's METAINFO,
    updated by the config's ``metainfo``)."""
    from mmseg.registry import DATASETS
    cls = DATASETS.get(dataset_cfg['type'])
    if cls is None:
        raise KeyError(
            f"Dataset type {dataset_cfg['type']!r} is not registered in mmseg; "
            'add its module to custom_imports.')
    meta = dict(getattr(cls, 'METAINFO', {}))
    meta.update(dataset_cfg.get('metainfo') or {})
    return dict(classes=tuple(meta.get('classes', ())),
                palette=[list(c) for c in meta.get('palette', [])])


def dataset_config(config: Union[str, Config],
                   dataset: Union[str, int],
                   cfg_options: Optional[dict] = None) -> Config:
    """A CDCL config narrowed to one dataset branch, for mmseg's inference APIs.

    Args:
        config (str | Config): a CDCL config (path or object; the object is not changed).
        dataset (str | int): the branch, by name (an entry of ``model.dataset_names``) or
            by index.
        cfg_options (dict, optional): overrides merged before narrowing.

    Returns:
        Config: the narrowed config (see the module docstring).
    """
    cfg = Config.fromfile(config) if not isinstance(config, Config) \
        else copy.deepcopy(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if cfg.get('custom_imports'):
        from mmengine.utils import import_modules_from_strings
        import_modules_from_strings(**cfg.custom_imports)
    names = list(cfg.model.get('dataset_names') or [])
    if not names:
        raise ValueError(
            'dataset_config needs a CDCL config (model.dataset_names); '
            f'{getattr(config, "filename", config)} has none.')
    if isinstance(dataset, int) and not isinstance(dataset, bool):
        if not 0 <= dataset < len(names):
            raise IndexError(f'dataset={dataset} is out of range for the '
                             f'datasets {names} of this CDCL config.')
        idx = dataset
    elif dataset in names:
        idx = names.index(dataset)
    else:
        raise KeyError(f'dataset={dataset!r} is not one of the datasets {names} '
                       'of this CDCL config; pass one of these names or an index.')
    branches = branch_datasets(cfg)
    branch = copy.deepcopy(branches[idx])
    cfg.model.dataset_metas = [dataset_metainfo(d) for d in branches]
    cfg.model.test_cfg = dict(cfg.model.get('test_cfg') or {}, dataset_idx=idx)
    cfg.test_pipeline = copy.deepcopy(branch.pipeline)
    cfg.test_dataloader = dict(cfg.test_dataloader, dataset=branch)
    cfg.test_cfg = dict(type='TestLoop')
    return cfg
