"""Draw dataset samples, after the config's pipeline, with their annotations.

Generic over the host libraries: the config's ``default_scope`` (or, for a dataset-only
base config without one, the registry that knows the dataset type) picks mmdet, mmseg or
mmpretrain, and the host's own visualizer draws boxes, instance masks and class labels
(mmdet), segmentation maps (mmseg) or image labels (mmpretrain). Keypoints packed into
``gt_instances.keypoints`` by a keypoint-aware pipeline are drawn on top, with the
skeleton of ``dataset_meta['skeleton']`` when the dataset provides one. Multi-view inputs
(self-supervised pipelines) are drawn side by side.

Examples::

    python tools/misc/browse_dataset.py configs/_base_/datasets/tiny_coco_instance.py \\
        --output-dir work_dirs/browse/coco --not-show --num 8
    python tools/misc/browse_dataset.py configs/_base_/datasets/tiny_cityscapes.py \\
        --output-dir work_dirs/browse/cityscapes --not-show --phase val
"""
import argparse
import importlib
import os
import os.path as osp
import sys
import warnings

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.utils import import_modules_from_strings  # noqa: E402

SCOPES = ('mmdet', 'mmseg', 'mmpretrain')
VISUALIZER = dict(mmdet='DetLocalVisualizer', mmseg='SegLocalVisualizer',
                  mmpretrain='UniversalVisualizer')
"""The host visualizer used for each scope when the config does not name one."""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Draw dataset samples with their annotations')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--output-dir', default=None,
                        help='folder to write the drawn PNGs to')
    parser.add_argument('--not-show', action='store_true',
                        help='do not open a window for each sample')
    parser.add_argument('--num', type=int, default=10,
                        help='number of samples to draw (default 10)')
    parser.add_argument('--phase', default='train',
                        choices=['train', 'val', 'test'],
                        help='which dataloader to browse (default train)')
    parser.add_argument('--show-interval', type=float, default=2,
                        help='seconds each shown sample stays open')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config, e.g. '
                        'train_dataloader.dataset.data_root=data/x/')
    return parser.parse_args(argv)


def _registered_types(ds_cfg):
    """Dataset and transform ``type`` names, through wrappers (Concat/Repeat...)."""
    types = [ds_cfg.get('type')]
    types += [t.get('type') for t in ds_cfg.get('pipeline', [])
              if isinstance(t, dict)]
    if 'dataset' in ds_cfg:
        types += _registered_types(ds_cfg['dataset'])
    for sub in ds_cfg.get('datasets', []):
        types += _registered_types(sub)
    return [t for t in types if isinstance(t, str)]


def infer_scope(cfg, ds_cfg):
    """The host scope of a config: ``default_scope``, else the library that registers
    most of its dataset and transform types (``CityscapesDataset`` exists in both mmdet
    and mmseg; ``PackSegInputs`` then decides)."""
    if cfg.get('default_scope'):
        return cfg.default_scope
    types = _registered_types(ds_cfg)
    scores = {}
    for scope in SCOPES:
        importlib.import_module(f'{scope}.utils').register_all_modules(False)
        registry = importlib.import_module(f'{scope}.registry')
        known = set(registry.DATASETS.module_dict) | set(
            registry.TRANSFORMS.module_dict)
        scores[scope] = sum(t in known for t in types)
    best = max(SCOPES, key=lambda s: scores[s])
    if scores[best] == 0:
        raise ValueError(
            f'Cannot tell the host library of the types {types}: the config '
            f'has no default_scope and none of {SCOPES} registers them. Add '
            "default_scope='mmdet' (or 'mmseg', 'mmpretrain') to the config, "
            'or a custom_imports entry that registers the dataset.')
    return best


def build_dataset(cfg, phase):
    """Build the ``phase`` dataset in its host scope; returns (scope, dataset)."""
    key = f'{phase}_dataloader'
    if not cfg.get(key):
        raise KeyError(f'The config has no {key}; choose --phase from the '
                       'dataloaders it defines (train, val, test).')
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    ds_cfg = cfg[key].dataset
    scope = infer_scope(cfg, ds_cfg)
    importlib.import_module(f'{scope}.utils').register_all_modules(False)
    init_default_scope(scope)
    registry = importlib.import_module(f'{scope}.registry')
    return scope, registry.DATASETS.build(ds_cfg)


def build_visualizer(cfg, scope, dataset):
    registry = importlib.import_module(f'{scope}.registry').VISUALIZERS
    vis_type = cfg.get('visualizer', {}).get('type', VISUALIZER[scope])
    if isinstance(vis_type, str) and vis_type not in registry.module_dict:
        vis_type = VISUALIZER[scope]
    visualizer = registry.build(
        dict(type=vis_type, name=f'browse_dataset_{os.getpid()}_{id(dataset)}'))
    meta = dict(dataset.metainfo)
    if scope == 'mmseg':
        visualizer.set_dataset_meta(
            classes=meta.get('classes'), palette=meta.get('palette'))
    else:
        visualizer.dataset_meta = meta
    return visualizer


def to_rgb_image(inputs):
    """A packed CHW BGR uint8 tensor (or a list of views) as one HWC RGB array."""
    views = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    arrays = []
    for view in views:
        arr = view.detach().cpu().numpy() if hasattr(view, 'detach') else \
            np.asarray(view)
        if arr.ndim == 4:  # a stack of views or frames: take them side by side
            arrays += [a.transpose(1, 2, 0) for a in arr]
        else:
            arrays.append(arr.transpose(1, 2, 0))
    arrays = [np.repeat(a, 3, 2) if a.shape[2] == 1 else a[..., :3]
              for a in arrays]
    height = max(a.shape[0] for a in arrays)
    arrays = [np.pad(a, ((0, height - a.shape[0]), (0, 4), (0, 0)))
              for a in arrays]
    img = np.concatenate(arrays, 1)[:, :-4] if len(arrays) > 1 else \
        arrays[0][:, :-4]
    return np.ascontiguousarray(img[..., ::-1]).astype(np.uint8)


def draw_keypoints(visualizer, image, gt_instances, skeleton=None):
    """Draw ``gt_instances.keypoints`` ((N, K, 2) or (N, K, 3)) and the skeleton."""
    kps = gt_instances.keypoints
    kps = kps.detach().cpu().numpy() if hasattr(kps, 'detach') else \
        np.asarray(kps)
    if kps.size == 0:
        return image
    vis = None
    if 'keypoints_visible' in gt_instances:
        vis = np.asarray(gt_instances.keypoints_visible.cpu() if hasattr(
            gt_instances.keypoints_visible, 'cpu') else
            gt_instances.keypoints_visible).reshape(kps.shape[:2])
    elif kps.shape[-1] == 3:
        vis = kps[..., 2]
    vis = np.ones(kps.shape[:2]) if vis is None else vis
    visualizer.set_image(image)
    for person, flags in zip(kps[..., :2], vis):
        for a, b in (skeleton or []):
            if flags[a - 1] > 0 and flags[b - 1] > 0:
                visualizer.draw_lines(
                    np.array([person[a - 1, 0], person[b - 1, 0]]),
                    np.array([person[a - 1, 1], person[b - 1, 1]]),
                    colors='white', line_widths=1)
        size = max(4.0, min(image.shape[:2]) / 24) ** 2 / 4
        # visible (v=2) in green, labelled but occluded (v=1) in orange
        for group, colour in ((flags >= 2, 'lime'),
                              ((flags > 0) & (flags < 2), 'orange')):
            if group.any():
                with warnings.catch_warnings():
                    # matplotlib's "*c* looks like a single RGB" for 3-4 points
                    warnings.filterwarnings('ignore', message=r'\*c\* argument')
                    visualizer.draw_points(
                        person[group], colors=colour,
                        sizes=np.full(int(group.sum()), size))
    return visualizer.get_image()


def annotations_after_resize(ds_cfg):
    """Whether the pipeline loads annotations after resizing the image.

    Test pipelines do so, keeping the ground truth at the original scale for the
    evaluator; the drawing then has to scale it to the packed image.
    """
    pipeline = ds_cfg.get('pipeline')
    if pipeline is None:
        inner = ds_cfg.get('dataset') or (ds_cfg.get('datasets') or [None])[0]
        return annotations_after_resize(inner) if inner else False
    names = [t.get('type', '') if isinstance(t, dict) else '' for t in pipeline]
    resize = [i for i, n in enumerate(names) if 'Resize' in n]
    load = [i for i, n in enumerate(names) if n.startswith('LoadAnnotations')]
    return bool(resize and load and load[0] > resize[0])


def _instances_to_image_scale(gt, meta, hw, at_original):
    """Bring mmdet boxes / masks to the packed image scale and plain arrays.

    Test pipelines load annotations after ``Resize`` so that evaluation sees the
    original scale; such boxes are scaled by ``scale_factor`` and masks resized here.
    """
    from mmdet.structures.bbox import BaseBoxes
    from mmdet.structures.mask import BaseInstanceMasks
    masks = gt.get('masks', None)
    boxes = gt.get('bboxes', None)
    if isinstance(boxes, BaseBoxes):
        boxes = boxes.tensor
    if boxes is not None and at_original and 'scale_factor' in meta:
        sx, sy = meta['scale_factor'][:2]
        boxes = boxes * boxes.new_tensor([sx, sy, sx, sy])
    if boxes is not None:
        gt.bboxes = boxes
    if isinstance(masks, BaseInstanceMasks):
        if (masks.height, masks.width) != tuple(hw):
            masks = masks.resize(tuple(hw))
        gt.masks = masks.to_ndarray().astype(bool)


def draw_sample(scope, visualizer, dataset, item, name, gt_at_original=False):
    """The annotated RGB image of one pipeline output ``item``.

    ``gt_at_original``: the pipeline loaded the annotations after ``Resize`` (see
    :func:`annotations_after_resize`), so boxes are scaled by ``scale_factor``.
    """
    image = to_rgb_image(item['inputs'])
    sample = item.get('data_samples')
    if isinstance(sample, (list, tuple)):
        sample = sample[0] if sample else None
    if scope == 'mmpretrain':
        short = min(image.shape[:2])
        return visualizer.visualize_cls(
            image, sample, classes=dataset.metainfo.get('classes'),
            draw_pred=False, resize=224 if short < 224 else None, name=name)
    gt = getattr(sample, 'gt_instances', None)
    if scope == 'mmdet' and gt is not None:
        _instances_to_image_scale(gt, sample.metainfo, image.shape[:2],
                                  gt_at_original)
    if scope == 'mmseg' and 'gt_sem_seg' in sample:
        seg = sample.gt_sem_seg.data
        if tuple(seg.shape[-2:]) != image.shape[:2]:
            # test pipelines load labels after Resize (kept at original scale)
            sample.gt_sem_seg.data = torch.nn.functional.interpolate(
                seg[None].float(), size=image.shape[:2],
                mode='nearest')[0].to(seg.dtype)
    visualizer.add_datasample(name, image, sample, draw_gt=True,
                              draw_pred=False, show=False)
    drawn = visualizer.get_image()
    # a config's own visualizer (a DetLocalVisualizer subclass) may draw them itself
    if gt is not None and 'keypoints' in gt and \
            type(visualizer).__name__ == 'DetLocalVisualizer':
        drawn = draw_keypoints(visualizer, drawn, gt,
                               dataset.metainfo.get('skeleton'))
    return drawn


def main(argv=None):
    """Draw the samples; returns the list of written PNG paths."""
    args = parse_args(argv)
    if not osp.isfile(args.config):
        raise SystemExit(f'browse_dataset: config {args.config!r} does not '
                         'exist; pass a path under configs/.')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    scope, dataset = build_dataset(cfg, args.phase)
    visualizer = build_visualizer(cfg, scope, dataset)
    at_original = annotations_after_resize(cfg[f'{args.phase}_dataloader'].dataset)
    if args.output_dir:
        os.makedirs(args.output_dir, exist_ok=True)
    elif args.not_show:
        print('browse_dataset: --not-show without --output-dir draws nothing '
              'visible; pass --output-dir DIR to save the images.')
    from tqdm import tqdm
    written = []
    for i in tqdm(range(min(args.num, len(dataset))), desc='browse',
                  unit='img'):
        item = dataset[i]
        info = dataset.get_data_info(i) if hasattr(dataset, 'get_data_info') \
            else {}
        stem = osp.splitext(osp.basename(str(info.get('img_path', i))))[0]
        name = f'{i:04d}_{stem}'
        drawn = draw_sample(scope, visualizer, dataset, item, name, at_original)
        if args.output_dir:
            import mmcv
            path = osp.join(args.output_dir, f'{name}.png')
            mmcv.imwrite(drawn[..., ::-1], path)
            written.append(path)
        if not args.not_show:
            visualizer.show(drawn, win_name=name, wait_time=args.show_interval)
    return written


if __name__ == '__main__':
    main()
