"""Checks of the training data that would otherwise fail late or silently.

* An empty training set (wrong ``data_root``/``ann_file``, or every image filtered out)
  stops with one paragraph instead of a traceback deep in the loop.
* A detector or segmentor head whose ``num_classes`` differs from the dataset's class
  list stops with both numbers (mmdet and mmseg heads, per dataset for CDCL's
  ``dataset_num_classes``; mmpretrain's ImageNet keeps its 1000 names for any subset,
  so classifiers are not compared).
* COCO-style annotation files: annotations that mmdet's ``CocoDataset.parse_data_info``
  drops without a word (a ``category_id`` the file does not define, a box of
  non-positive width or height) are counted and reported with the first offending image
  file and annotation id.

:func:`check_training_data` runs them on a Runner (``tools/train.py`` calls it before
training); :class:`TrainingDataCheckHook` does the same from a config.
"""
import json
import os.path as osp

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import HOOKS


class DatasetError(ValueError):
    """Unusable training data; the message names the dataset and the fix."""


def leaf_datasets(dataset):
    """The datasets below mmengine / mmdet wrappers (``.dataset``, ``.datasets``)."""
    if hasattr(dataset, 'datasets'):
        return [leaf for sub in dataset.datasets for leaf in leaf_datasets(sub)]
    inner = getattr(dataset, 'dataset', None)
    if inner is not None and inner is not dataset:
        return leaf_datasets(inner)
    return [dataset]


def _describe(dataset):
    parts = [type(dataset).__name__]
    for key in ('data_root', 'ann_file'):
        value = getattr(dataset, key, None)
        if value:
            parts.append(f'{key}={value!r}')
    return ' '.join(parts)


def _empty_message(names, split):
    return (f'The {split} set is empty ({names}). Fix: check data_root, '
            'ann_file and data_prefix in the config (or --cfg-options), that the '
            'annotation file lists images, and that filter_cfg (e.g. '
            'filter_empty_gt, min_size) does not remove every image.')


def explain_empty_dataset(exc):
    """The paragraph for mmengine's failures on an empty dataset, if ``exc`` is one.

    ``BaseDataset._serialize_data`` ends in ``np.concatenate([])`` (``ValueError: need
    at least one array to concatenate``) and ``ConcatDataset([])`` in an ``IndexError``;
    the dataset is found in the traceback.
    """
    from mmengine.dataset import BaseDataset
    tb, found = exc.__traceback__, None
    while tb is not None:
        candidate = tb.tb_frame.f_locals.get('self')
        if isinstance(getattr(candidate, 'datasets', None), list) and \
                not candidate.datasets and isinstance(exc, IndexError):
            return (f'{type(candidate).__name__} got an empty list of datasets '
                    '(train/val/test_dataloader.dataset.datasets=[]). Fix: '
                    'list at least one dataset config in datasets=[...].')
        if isinstance(candidate, BaseDataset):
            found = candidate
        tb = tb.tb_next
    if 'need at least one array to concatenate' not in str(exc):
        return None
    if found is None:
        return None
    split = 'test/validation' if getattr(found, 'test_mode', False) else \
        'training'
    return _empty_message(_describe(found), split)


def check_not_empty(dataset, split='training'):
    if len(dataset) > 0:
        return
    empty = [d for d in leaf_datasets(dataset) if len(d) == 0]
    names = '; '.join(_describe(d) for d in empty) or _describe(dataset)
    raise DatasetError(_empty_message(names, split))


_HEADS = ('bbox_head', 'roi_head.bbox_head', 'roi_head.mask_head',
          'decode_head', 'auxiliary_head')


def _modules_at(model, dotted):
    node = model
    for part in dotted.split('.'):
        node = getattr(node, part, None)
        if node is None:
            return []
    return list(node) if hasattr(node, '__iter__') and not hasattr(
        node, 'num_classes') else [node]


def _mismatch(where, num, leaf, classes):
    return DatasetError(
        f'model.{where}={num} but the training set ({_describe(leaf)}) has '
        f'{len(classes)} classes. Fix: set model.{where}={len(classes)}, or the '
        "dataset's metainfo=dict(classes=...) to the classes the model predicts.")


def check_num_classes(model, dataset):
    """Compare the ``num_classes`` of detection / segmentation heads with the classes.

    A head with one classifier per dataset (``dataset_num_classes``, CDCL) is compared
    dataset by dataset with the leaves of the (concatenated) training set.
    """
    leaves = leaf_datasets(dataset)
    classes = [(getattr(d, 'metainfo', None) or {}).get('classes')
               for d in leaves]
    model = getattr(model, 'module', model)
    for dotted in _HEADS:
        for module in _modules_at(model, dotted):
            per_dataset = getattr(module, 'dataset_num_classes', None)
            if per_dataset is not None:
                if len(per_dataset) != len(leaves):
                    raise DatasetError(
                        f'model.{dotted}.num_classes={list(per_dataset)} names '
                        f'{len(per_dataset)} datasets but the training set has '
                        f'{len(leaves)} ({"; ".join(map(_describe, leaves))}). '
                        'Fix: give one class count per training dataset, in '
                        'their order.')
                for i, (num, leaf, names) in enumerate(
                        zip(per_dataset, leaves, classes)):
                    if names and num != len(names):
                        raise _mismatch(f'{dotted}.num_classes[{i}]', num, leaf,
                                        names)
                continue
            num = getattr(module, 'num_classes', None)
            if not isinstance(num, int) or isinstance(num, bool):
                continue
            for leaf, names in zip(leaves, classes):
                if names and num != len(names):
                    raise _mismatch(f'{dotted}.num_classes', num, leaf, names)


def coco_dropped_annotations(ann_file, with_masks=False):
    """Annotations of a COCO json that mmdet's ``CocoDataset`` silently drops.

    Returns a dict ``reason -> (count, first annotation dict, its image dict)``.
    """
    with open(ann_file) as f:
        data = json.load(f)
    images = {img['id']: img for img in data.get('images', [])}
    cat_ids = {c['id'] for c in data.get('categories', [])}
    found = {}

    def note(reason, ann):
        count, first, img = found.get(reason, (0, ann, images.get(
            ann.get('image_id'), {})))
        found[reason] = (count + 1, first, img)

    for ann in data.get('annotations', []):
        if ann.get('category_id') not in cat_ids:
            note('a category_id the file does not define', ann)
        bbox = ann.get('bbox')
        if bbox is not None and (len(bbox) != 4 or bbox[2] < 1
                                 or bbox[3] < 1):
            note('a box narrower or lower than 1 pixel', ann)
        elif ann.get('area', 1) <= 0:
            note('a non-positive area', ann)
    return found


def report_dropped_annotations(dataset, logger='current'):
    """Warn, per COCO-style leaf dataset, about annotations that are dropped."""
    reports = []
    for leaf in leaf_datasets(dataset):
        ann_file = getattr(leaf, 'ann_file', None)
        if not (isinstance(ann_file, str) and ann_file.endswith('.json')
                and hasattr(leaf, 'cat_ids') and osp.isfile(ann_file)):
            continue
        try:
            found = coco_dropped_annotations(ann_file)
        except (ValueError, KeyError, TypeError):
            continue
        for reason, (count, ann, img) in found.items():
            msg = (f'{ann_file}: {count} annotation(s) with {reason} are '
                   f'dropped by {type(leaf).__name__} (first: annotation id '
                   f"{ann.get('id')} in image {img.get('file_name', '?')}, "
                   f"category_id {ann.get('category_id')}, bbox "
                   f"{ann.get('bbox')}). Fix the annotation file if these "
                   'objects should be learned.')
            print_log(msg, logger=logger, level=30)
            reports.append(msg)
    return reports


def check_training_data(runner):
    """Run every check on ``runner``'s training data and model (builds the loader)."""
    if getattr(runner, '_train_loop', None) is None:
        return []
    dataset = runner.train_dataloader.dataset
    check_not_empty(dataset)
    check_num_classes(runner.model, dataset)
    return report_dropped_annotations(dataset, logger=runner.logger)


@HOOKS.register_module()
class TrainingDataCheckHook(Hook):
    """Run :func:`check_training_data` before the first training iteration."""

    priority = 'VERY_HIGH'

    def before_train(self, runner):
        check_training_data(runner)
