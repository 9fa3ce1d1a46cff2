"""Helpers shared by the test suite: config discovery, in-process tool calls, smoke overrides."""
import glob
import importlib.util
import os
import os.path as osp
import uuid

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG_ROOT = osp.join(REPO_ROOT, 'configs')


def rel(path):
    return osp.relpath(path, REPO_ROOT)


def full_configs():
    """Every method config under configs/<method>/ (not _base_, not tiny)."""
    paths = sorted(glob.glob(osp.join(CONFIG_ROOT, '*', '*.py')))
    return [rel(p) for p in paths if '/_base_/' not in p]


def tiny_configs():
    return [rel(p) for p in sorted(
        glob.glob(osp.join(CONFIG_ROOT, '*', 'tiny', '*.py')))]


def load_tool(name):
    """Import ``tools/<name>.py`` as a module (tools/ is not a package)."""
    path = osp.join(REPO_ROOT, 'tools', f'{name}.py')
    spec = importlib.util.spec_from_file_location(f'mmvrl_tools_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_model(cfg):
    """Build ``cfg.model`` in the config's default scope."""
    from mmengine.registry import MODELS, DefaultScope
    scope = cfg.get('default_scope', 'mmdet')
    with DefaultScope.overwrite_default_scope(scope):
        return MODELS.build(cfg.model)


def _dataset_leaf_keys(node, prefix):
    """Dotted paths of the leaf datasets below a (possibly wrapped) dataset cfg."""
    if node is None:
        return []
    if 'dataset' in node and isinstance(node['dataset'], dict):
        return _dataset_leaf_keys(node['dataset'], f'{prefix}.dataset')
    if 'datasets' in node and isinstance(node['datasets'], (list, tuple)):
        keys = []
        for i, sub in enumerate(node['datasets']):
            keys += _dataset_leaf_keys(sub, f'{prefix}.datasets.{i}')
        return keys
    return [prefix]


def smoke_options(cfg, num_val=2):
    """``--cfg-options`` that shrink a tiny twin to a 2-iteration train + small eval."""
    name = f'smoke_{uuid.uuid4().hex[:8]}'
    opts = {'experiment_name': name}
    if isinstance(cfg.get('visualizer'), dict):
        # Host configs name their visualizer 'visualizer'; in one process a second
        # runner would otherwise get the first runner's (other host's) instance.
        opts['visualizer.name'] = name
    train_cfg = cfg.get('train_cfg') or {}
    loop = train_cfg.get('type', '')
    by_epoch = 'max_epochs' in train_cfg or loop == 'EpochBasedTrainLoop'
    loader = cfg.train_dataloader
    if by_epoch:
        opts['train_cfg.max_epochs'] = 1
        opts['train_cfg.val_interval'] = 1
        batch = loader.get('batch_size', 2)
        for key in _dataset_leaf_keys(loader.dataset, 'train_dataloader.dataset'):
            opts[f'{key}.indices'] = 2 * batch
    else:
        opts['train_cfg.max_iters'] = 2
        opts['train_cfg.val_interval'] = 2
    for split in ('train', 'val', 'test'):
        dl = cfg.get(f'{split}_dataloader')
        if not dl:
            continue
        opts[f'{split}_dataloader.num_workers'] = 0
        opts[f'{split}_dataloader.persistent_workers'] = False
        if split != 'train':
            for key in _dataset_leaf_keys(dl.dataset,
                                          f'{split}_dataloader.dataset'):
                opts[f'{key}.indices'] = num_val
    return opts


def as_cli(options):
    """Turn an options dict of scalars / flat lists into ``--cfg-options`` arguments."""
    args = ['--cfg-options']
    for key, value in options.items():
        if isinstance(value, (list, tuple)):
            value = '[' + ','.join(str(v) for v in value) + ']'
        args.append(f'{key}={value}')
    return args


def derived_config(tmp_path, base, text, name='derived.py'):
    """Write a config that inherits ``base`` (repo-relative) and adds ``text``."""
    path = tmp_path / name
    path.write_text(f"_base_ = [{osp.join(REPO_ROOT, base)!r}]\n{text}\n")
    return str(path)


def venv_env():
    """Environment for subprocesses: the repo root first on PYTHONPATH is NOT set on purpose
    (the tools must work without it)."""
    env = dict(os.environ)
    env.pop('PYTHONPATH', None)
    env.setdefault('OMP_NUM_THREADS', '1')
    return env


def det_forward(model, size=(128, 160)):
    """Predict on one random image through the detector's data preprocessor."""
    import torch
    from mmdet.structures import DetDataSample
    h, w = size
    sample = DetDataSample(metainfo=dict(
        img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w),
        scale_factor=(1.0, 1.0), batch_input_shape=(h, w)))
    data = dict(inputs=[torch.randint(0, 255, (3, h, w), dtype=torch.uint8)],
                data_samples=[sample])
    model.eval()
    with torch.no_grad():
        return model.test_step(data)


def cls_forward(model, size=(64, 64)):
    """Predict on one random image through the classifier's data preprocessor."""
    import torch
    h, w = size
    data = dict(inputs=[torch.randint(0, 255, (3, h, w), dtype=torch.uint8)])
    model.eval()
    with torch.no_grad():
        return model.test_step(data)
