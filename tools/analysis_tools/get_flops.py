"""Count the FLOPs and parameters of the model of an MMVRL config.

The config's ``default_scope`` (mmdet, mmseg, mmpretrain) decides the registries.
A dummy batch of random images goes through the model's data preprocessor and
then through the model's tensor-mode forward:

* detectors and segmentors: ``model(inputs, data_samples, mode='tensor')``
  (their ``_forward``: backbone, neck and head outputs, no post-processing);
* mmpretrain classifiers: ``model(inputs, mode='tensor')``;
* mmpretrain self-supervised algorithms: ``model.extract_feat(inputs)`` (the
  backbone that is kept after pre-training).

FLOPs are counted by :func:`mmengine.analysis.get_model_complexity_info`, which
counts one fused multiply-add as one FLOP (the convention of the OpenMMLab
model zoos).

Example::

    python tools/analysis_tools/get_flops.py configs/baselines/<config>.py \
        --shape 800 1333
"""
import argparse
import os.path as osp
import sys

TOOLS_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
if TOOLS_DIR not in sys.path:
    sys.path.insert(0, TOOLS_DIR)
import _bootstrap  # noqa: E402,F401

from mmengine.config import DictAction  # noqa: E402

from projects.common.cli import (ConfigError, apply_cfg_options,  # noqa: E402
                                 load_config, run_with_clear_errors)
from projects.common.flops import register_extra_flop_handles  # noqa: E402,F401

DEFAULT_SHAPES = {
    'mmpretrain': (224, 224),
    'mmdet': (800, 1333),
    'mmseg': (512, 1024),
}
SUPPORTED_SCOPES = tuple(DEFAULT_SHAPES)


def config_scope(cfg):
    """The host scope of a config; a clear error for scopes we cannot feed."""
    scope = cfg.get('default_scope', None)
    if scope not in SUPPORTED_SCOPES:
        raise ConfigError(
            f'default_scope={scope!r}: the analysis tools build dummy inputs '
            f'for the scopes {", ".join(SUPPORTED_SCOPES)}; set default_scope '
            'in the config to one of them.')
    return scope


def _pipeline_shape(pipeline):
    """(H, W) from the last crop / resize of a test pipeline, or ``None``."""
    shape = None
    for step in pipeline or []:
        kind = str(step.get('type', '')).split('.')[-1]
        size = None
        if kind in ('CenterCrop', 'RandomCrop', 'RandomResizedCrop'):
            size = step.get('crop_size', step.get('scale', None))
            if isinstance(size, int):
                size = (size, size)
            elif size is not None:
                size = (size[0], size[1])
        elif kind in ('Resize', 'ResizeEdge'):
            scale = step.get('scale', None)
            if isinstance(scale, int):
                size = (scale, scale)
            elif isinstance(scale, (tuple, list)) and len(scale) == 2:
                # mmcv / mmdet / mmseg scales are (w, h); keep_ratio resizes
                # fit the long side to max(scale) and the short to min(scale).
                w, h = scale
                size = (min(w, h), max(w, h)) if step.get(
                    'keep_ratio', False) else (h, w)
        if size is not None:
            shape = tuple(int(s) for s in size)
    return shape


def default_shape(cfg):
    """The input (H, W) a config is evaluated at, as well as we can tell.

    Looks at ``crop_size`` (mmseg) and the test pipeline, and falls back to the
    scope's usual size (224x224, 800x1333, 512x1024).
    """
    scope = config_scope(cfg)
    crop = cfg.get('crop_size', None)
    if scope == 'mmseg' and isinstance(crop, (tuple, list)) and len(crop) == 2:
        return int(crop[0]), int(crop[1])
    for key in ('test_dataloader', 'val_dataloader'):
        loader = cfg.get(key, None)
        dataset = loader.get('dataset', None) if loader else None
        while dataset is not None and 'pipeline' not in dataset and \
                isinstance(dataset.get('dataset', None), dict):
            dataset = dataset['dataset']
        if dataset is not None:
            shape = _pipeline_shape(dataset.get('pipeline', None))
            if shape is not None:
                return shape
    return DEFAULT_SHAPES[scope]


def load_analysis_config(config, cfg_options=None):
    """Load a config, apply ``--cfg-options`` and set its default scope."""
    from mmengine.registry import init_default_scope
    cfg = load_config(config)
    apply_cfg_options(cfg, cfg_options)
    init_default_scope(config_scope(cfg))
    return cfg


def build_model(cfg, checkpoint=None, device='cpu'):
    """Build ``cfg.model`` as the Runner does, in eval mode on ``device``.

    A top-level ``data_preprocessor`` (mmpretrain / mmseg style) is merged into
    the model like :class:`mmengine.runner.Runner` does; SyncBN layers are turned
    into plain BN so the model runs without a process group.
    """
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import MODELS, DefaultScope

    model_cfg = cfg.model.copy()
    if cfg.get('data_preprocessor', None) is not None:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    with DefaultScope.overwrite_default_scope(config_scope(cfg)):
        model = MODELS.build(model_cfg)
    model = revert_sync_batchnorm(model)
    if checkpoint is not None:
        from mmengine.runner import load_checkpoint
        load_checkpoint(model, checkpoint, map_location='cpu')
    model = model.to(device)
    model.eval()
    return model


def is_self_supervised(model):
    """Whether ``model`` is an mmpretrain self-supervised algorithm."""
    try:
        from mmpretrain.models.selfsup import BaseSelfSupervisor
    except ImportError:
        return False
    return isinstance(model, BaseSelfSupervisor)


def _data_samples(scope, shape, batch_size):
    h, w = shape
    meta = dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w),
                scale_factor=(1.0, 1.0), batch_input_shape=(h, w))
    if scope == 'mmdet':
        from mmdet.structures import DetDataSample as Sample
    elif scope == 'mmseg':
        from mmseg.structures import SegDataSample as Sample
    else:
        from mmpretrain.structures import DataSample as Sample
    return [Sample(metainfo=dict(meta, img_id=i, img_path=f'dummy_{i}.jpg'))
            for i in range(batch_size)]


def make_dummy_batch(cfg, shape, batch_size=1, seed=0):
    """A collated batch of random uint8 images, as the scope's dataloader yields.

    mmdet / mmseg loaders use ``pseudo_collate`` (a list of (3, H, W) images),
    mmpretrain loaders ``default_collate`` (one (N, 3, H, W) tensor).
    """
    import torch
    scope = config_scope(cfg)
    h, w = shape
    if h <= 0 or w <= 0 or batch_size <= 0:
        raise ConfigError(
            f'--shape {h} {w} with batch size {batch_size}: all must be '
            'positive; pass e.g. --shape 224 224 --batch-size 1.')
    gen = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (batch_size, 3, h, w), generator=gen,
                           dtype=torch.uint8)
    samples = _data_samples(scope, shape, batch_size)
    if scope == 'mmpretrain':
        return dict(inputs=images, data_samples=samples)
    return dict(inputs=list(images), data_samples=samples)


def tensor_forward(model):
    """The function of ``(inputs, data_samples)`` that FLOPs and speed are measured on.

    It holds the model's own ``forward`` / ``extract_feat``, so it keeps working
    while :func:`count_complexity` replaces ``model.forward`` for tracing.
    """
    if is_self_supervised(model):
        extract_feat = model.extract_feat

        def forward(inputs, data_samples):
            if isinstance(inputs, (list, tuple)):
                inputs = inputs[0]
            return extract_feat(inputs)
    else:
        model_forward = model.forward

        def forward(inputs, data_samples):
            return model_forward(inputs, data_samples, mode='tensor')
    return forward


def preprocess(model, batch):
    """Run the model's data preprocessor in test mode."""
    return model.data_preprocessor(batch, False)


def count_complexity(model, batch, show_table=True):
    """FLOPs, activations and params of ``model`` on one preprocessed ``batch``.

    Returns the dict of :func:`mmengine.analysis.get_model_complexity_info`
    plus ``input_shape`` (the shape of the preprocessed input tensor).
    """
    import torch
    from mmengine.analysis import get_model_complexity_info

    register_extra_flop_handles()
    data = preprocess(model, batch)
    inputs, data_samples = data['inputs'], data['data_samples']
    if isinstance(inputs, (list, tuple)):
        inputs = inputs[0]
    forward = tensor_forward(model)
    model.forward = lambda x: forward(x, data_samples)
    try:
        with torch.no_grad():
            info = get_model_complexity_info(
                model, inputs=(inputs, ), show_table=show_table,
                show_arch=False)
    finally:
        del model.forward
    info['input_shape'] = tuple(inputs.shape)
    return info


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Count FLOPs and parameters of a model')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--shape', type=int, nargs='+', default=None,
        help='input image size: H W (or one number for a square); '
        'default: from the test pipeline, else the scope\'s usual size')
    parser.add_argument(
        '--no-table', action='store_true',
        help='print only the totals, not the per-module table')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings in the config, e.g. model.backbone.depth=18')
    return parser.parse_args(argv)


def parse_shape(shape):
    if shape is None:
        return None
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    raise ConfigError(
        f'--shape {" ".join(map(str, shape))}: give H W (two numbers) or one '
        'number for a square input.')


def main(argv=None):
    """Print the complexity table; returns the result dict (for the tests)."""
    args = parse_args(argv)

    def _run():
        import torch
        cfg = load_analysis_config(args.config, args.cfg_options)
        shape = parse_shape(args.shape) or default_shape(cfg)
        model = build_model(cfg, device='cpu')
        torch.manual_seed(0)
        batch = make_dummy_batch(cfg, shape, batch_size=1)
        info = count_complexity(model, batch, show_table=not args.no_table)
        split = '=' * 60
        if not args.no_table:
            print(info['out_table'])
        print(split)
        print(f'Config:      {args.config}')
        print(f'Model:       {type(model).__name__} '
              f'(scope {cfg.default_scope})')
        print(f'Image shape: {shape[0]} x {shape[1]}; model input '
              f'{info["input_shape"]} after the data preprocessor')
        print(f'FLOPs:       {info["flops_str"]} ({info["flops"]:,})')
        print(f'Params:      {info["params_str"]} ({info["params"]:,})')
        print(f'Activations: {info["activations_str"]}')
        print(split)
        print('FLOPs count one multiply-add as one operation; operators the '
              'counter does not know (e.g. NMS, custom CUDA ops) count as 0.')
        info['shape'] = shape
        return info

    return run_with_clear_errors(_run, args.config)


if __name__ == '__main__':
    main()
