"""Shared logic of ``tools/train.py`` and ``tools/test.py``: config loading, overrides,
visualisation switches and clear error messages for bad input.

Every tool is generic over the host libraries: the config's ``default_scope``
(mmdet, mmseg, mmpretrain, mmaction) decides which registries are used.
"""
import difflib
import json
import os.path as osp
import re
import sys

from mmengine.config import Config

TINY_HINT = ('python tools/dataset_converters/make_tiny_datasets.py '
             '--out data/tiny')


class ConfigError(RuntimeError):
    """A bad config, override or data root, with a message that says the fix."""


def load_config(path):
    """Load a config file, with a clear error for a missing or broken file."""
    if not osp.isfile(path):
        raise ConfigError(
            f'Config file {path!r} does not exist. Pass the path of a file '
            'under configs/, e.g. configs/baselines/tiny/'
            'faster-rcnn_r50_fpn_1x_coco.py.')
    return Config.fromfile(path)


def _close(key, candidates):
    return difflib.get_close_matches(key, list(candidates), n=1, cutoff=0.75)


def check_override_keys(cfg, options):
    """Reject ``--cfg-options`` keys that look like typos of existing keys.

    A key whose parent exists but which itself does not exist is accepted as a new
    setting unless it is a near match of an existing sibling (``max_epoch`` next to
    ``max_epochs``), which is almost always a typo.
    """
    for dotted in options:
        parts = dotted.split('.')
        node = cfg._cfg_dict if isinstance(cfg, Config) else cfg
        for depth, part in enumerate(parts):
            if isinstance(node, (list, tuple)) and part.isdigit():
                idx = int(part)
                if idx >= len(node):
                    raise ConfigError(
                        f'--cfg-options key {dotted!r}: index {idx} is out of '
                        f'range for {".".join(parts[:depth])!r}, which has '
                        f'{len(node)} entries.')
                node = node[idx]
                continue
            if not isinstance(node, dict):
                break
            if part not in node:
                match = _close(part, node.keys())
                where = '.'.join(parts[:depth]) or '<top level>'
                if match:
                    raise ConfigError(
                        f'--cfg-options key {dotted!r}: {where!r} has no key '
                        f'{part!r}. Did you mean {match[0]!r}? Fix the key '
                        'spelling (new keys are only accepted when they are '
                        'not a near match of an existing one).')
                break
            node = node[part]


def build_runner(cfg):
    """Build the Runner the config asks for (``runner_type``) or mmengine's default."""
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner
    if 'runner_type' not in cfg:
        return Runner.from_cfg(cfg)
    return RUNNERS.build(cfg)


def apply_cfg_options(cfg, options):
    if options:
        check_override_keys(cfg, options)
        cfg.merge_from_dict(options)


def set_default_work_dir(cfg, config_path, work_dir=None):
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config_path))[0])


def enable_amp(cfg):
    optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if optim_wrapper == 'AmpOptimWrapper':
        return
    if optim_wrapper != 'OptimWrapper':
        raise ConfigError(
            f'--amp only works with optim_wrapper.type="OptimWrapper", got '
            f'{optim_wrapper!r}; set AmpOptimWrapper in the config instead.')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.loss_scale = 'dynamic'


def enable_visualization(cfg, show, show_dir, wait_time):
    """Switch on the host's visualization hook for ``--show`` / ``--show-dir``.

    A relative ``show_dir`` lands inside the work dir, as in mmdet and mmseg.
    """
    scope = cfg.get('default_scope', 'mmdet')
    hooks = cfg.default_hooks
    if 'visualization' not in hooks:
        raise ConfigError(
            f'--show/--show-dir need default_hooks.visualization in the '
            f'config (scope {scope!r}); add the host\'s VisualizationHook.')
    vis = hooks.visualization
    if scope == 'mmpretrain':
        vis.enable = True
        vis.show = show
        vis.wait_time = wait_time
        vis.interval = 1
        if show_dir and not osp.isabs(show_dir):
            show_dir = osp.join(cfg.work_dir, show_dir)
        vis.out_dir = show_dir
    else:
        vis.draw = True
        vis.show = show
        vis.wait_time = wait_time
        vis.interval = 1
        if scope == 'mmseg':
            if show_dir and not osp.isabs(show_dir):
                show_dir = osp.join(cfg.work_dir, show_dir)
            cfg.visualizer['save_dir'] = show_dir
        else:
            vis.test_out_dir = show_dir


def add_dump_metric(cfg, out):
    if not out.endswith(('.pkl', '.pickle')):
        raise ConfigError(f'--out must be a .pkl or .pickle file, got {out!r}.')
    dump = dict(type='DumpResults', out_file_path=out)
    evaluator = cfg.test_evaluator
    if isinstance(evaluator, (list, tuple)):
        cfg.test_evaluator = [*evaluator, dump]
    else:
        cfg.test_evaluator = [evaluator, dump]


TINY_NAMES = {
    'imagenet': 'imagenet', 'coco': 'coco', 'lvis_v0.5': 'lvis_v0.5',
    'lvis_v1': 'lvis_v1', 'cityscapes': 'cityscapes', 'bdd100k': 'bdd100k',
    'camvid': 'camvid', 'coco_stuff164k': 'coco_stuff164k',
    'openimages': 'openimages'
}


def _data_hint(path):
    """The command that (re)creates the missing tiny data set, if the path is one."""
    m = re.search(r'data/tiny/([A-Za-z0-9_.\-]+)', str(path))
    if not m:
        return None
    name = TINY_NAMES.get(m.group(1).lower())
    return f'{TINY_HINT} --only {name}' if name else TINY_HINT


def _config_files(cfg, suffix):
    """Every string value in the config that names an existing ``suffix`` file."""
    found = []

    def visit(node, root=''):
        if isinstance(node, dict):
            root = node.get('data_root', root) or root
            for value in node.values():
                visit(value, root)
        elif isinstance(node, (list, tuple)):
            for value in node:
                visit(value, root)
        elif isinstance(node, str) and node.endswith(suffix):
            for cand in (node, osp.join(root, node)):
                if osp.isfile(cand) and cand not in found:
                    found.append(cand)

    if cfg is not None:
        visit(cfg.to_dict() if hasattr(cfg, 'to_dict') else cfg)
    return found


def _find_bad_json(cfg):
    for path in _config_files(cfg, '.json'):
        try:
            with open(path) as f:
                json.load(f)
        except ValueError as e:
            return path, e
    return None, None


def _unexpected_kwarg_hint(owner, key):
    """Closest accepted argument of the registered class ``owner``, if found."""
    import inspect

    from mmengine.registry import MODELS, DefaultScope
    current = DefaultScope.get_current_instance()
    scopes = [current.scope_name] if current else []
    scopes += ['mmdet', 'mmseg', 'mmpretrain', 'mmaction']
    cls = None
    for scope in scopes:
        try:
            cls = MODELS.get(f'{scope}.{owner}')
        except Exception:  # noqa: BLE001
            cls = None
        if cls is not None:
            break
    if cls is None:
        return ''
    params = inspect.signature(cls.__init__).parameters
    match = _close(key, [p for p in params if p != 'self'])
    return f' Did you mean {match[0]!r}?' if match else ''


def explain(exc, config_path, cfg=None):
    """Turn a known failure into one paragraph naming the file/key and the fix.

    Returns ``None`` when the exception is not one we know how to explain.
    """
    text = f'{type(exc).__name__}: {exc}'
    if isinstance(exc, ConfigError):
        return str(exc)
    if isinstance(exc, json.JSONDecodeError) or 'JSONDecodeError' in text \
            or 'Expecting value' in text or 'Unterminated string' in text:
        path, err = _find_bad_json(cfg)
        path = path or '<annotation file>'
        detail = f' ({err})' if err is not None else f' ({exc})'
        hint = _data_hint(path)
        fix = (f'regenerate it with: {hint}' if hint else
               'check that the file is complete and valid JSON (a '
               'truncated download is the usual cause)')
        return (f'Annotation file {path} is not valid JSON{detail} while '
                f'running {config_path}. Fix: {fix}.')
    m = re.search(r'failed to load image: (\S+)', text)
    if m or 'cannot identify image file' in text:
        path = m.group(1) if m else '<image>'
        hint = _data_hint(path)
        fix = (f'regenerate the data set with: {hint}' if hint else
               'replace or remove the file (it is empty or not an image)')
        return (f'Image {path} could not be decoded (corrupt or empty file) '
                f'while running {config_path}. Fix: {fix}.')
    if isinstance(exc, (FileNotFoundError, OSError)) or 'No such file' in text \
            or 'does not exist' in text or 'can not be found' in text:
        path = getattr(exc, 'filename', None)
        if not path:
            m = re.search(r"(/?(?:[\w.\-]+/)+[\w.\-]+)", str(exc))
            path = m.group(1) if m else str(exc)
        hint = _data_hint(path)
        fix = (f'generate the tiny data with: {hint}' if hint else
               'download the dataset and put it (or a symlink) there, or set '
               'the data root with --cfg-options '
               'train_dataloader.dataset.data_root=<path> (and the val/test '
               'loaders likewise)')
        return (f'Data path {path} used by {config_path} does not exist. '
                f'Fix: {fix}.')
    m = re.search(r"got an unexpected keyword argument '(\w+)'", text)
    if m:
        cls = re.search(r'class `(\w+)`', text) or re.search(
            r'(\w+)\.__init__\(\)', text)
        owner = cls.group(1) if cls else 'the module'
        hint = _unexpected_kwarg_hint(owner, m.group(1)) if cls else ''
        return (f'Config key {m.group(1)!r} is not accepted by {owner} '
                f'(from {config_path}).{hint} Fix its spelling in the config '
                'or in --cfg-options.')
    m = re.search(r"(\w+) is not in the (\S+) registry", text)
    if m:
        name = m.group(1)
        return (f'Config type {name!r} in {config_path} is not registered in '
                f'{m.group(2)}. Check the spelling of type={name!r}, and that '
                '"custom_imports" imports the MMVRL module that defines it.')
    return None


def run_with_clear_errors(fn, config_path, state=None):
    """Run ``fn``; known failures exit with one clear paragraph instead of a traceback.

    ``state['cfg']``, if ``fn`` sets it, is the merged config used to find the
    offending file. Set ``MMVRL_DEBUG=1`` to see the full traceback.
    """
    import os
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001
        cfg = (state or {}).get('cfg')
        if cfg is None and osp.isfile(config_path):
            try:
                cfg = Config.fromfile(config_path)
            except Exception:  # noqa: BLE001
                cfg = None
        msg = explain(exc, config_path, cfg)
        if msg is None or os.environ.get('MMVRL_DEBUG'):
            raise
        print(f'\nERROR: {msg}\n(set MMVRL_DEBUG=1 for the full traceback)',
              file=sys.stderr)
        raise SystemExit(1) from exc


def prepare_cpu_launcher(cfg):
    """Let ``--launcher pytorch/slurm`` run on machines without CUDA (gloo, CPU DDP).

    mmengine's ``init_dist`` calls ``torch.cuda.set_device`` unconditionally and its default
    DDP wrapper passes ``device_ids=[local_rank]``; both fail without a GPU.
    """
    import torch
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    if dist_cfg.get('backend', 'nccl') == 'nccl':
        dist_cfg['backend'] = 'gloo'
    if cfg.get('model_wrapper_cfg', None) is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel', device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    torch.cuda.set_device = lambda device: None
