"""Shared logic of ``tools/train.py`` and ``tools/test.py``: config loading, overrides,
visualisation switches and clear error messages for bad input.

Every tool is generic over the host libraries: the config's ``default_scope``
(mmdet, mmseg, mmpretrain, mmaction) decides which registries are used.
"""
import difflib
import json
import os
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


def _root_registries():
    import mmengine.registry as reg
    from mmengine.registry import Registry
    return [v for v in vars(reg).values()
            if isinstance(v, Registry) and v.parent is None]


def _registered(type_name, scope):
    """Every class or function registered as ``type_name`` (any root registry)."""
    if not isinstance(type_name, str):
        return [type_name]
    found = []
    for root in _root_registries():
        try:
            with root.switch_scope_and_registry(scope) as registry:
                obj = registry.get(type_name)
        except Exception:  # noqa: BLE001  (not a name of this registry)
            obj = None
        if obj is not None and obj not in found:
            found.append(obj)
    return found


def _accepted_args(obj):
    """Argument names ``obj`` accepts, or ``None`` when it takes any (``**kwargs``)."""
    import inspect
    names = set()
    chain = obj.__mro__ if inspect.isclass(obj) else [obj]
    for owner in chain:
        func = owner if not inspect.isclass(obj) else vars(owner).get(
            '__init__')
        if func is None:
            continue
        if owner is object:
            return names
        try:
            params = inspect.signature(func).parameters.values()
        except (TypeError, ValueError):
            return None
        names.update(p.name for p in params if p.kind not in (
            p.VAR_KEYWORD, p.VAR_POSITIONAL) and p.name != 'self')
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            return names
    return names


def _fixed_keys(path):
    """Accepted keys of the config dicts the Runner unpacks itself (no ``type``)."""
    import inspect

    import torch.utils.data
    from mmengine.runner import (EpochBasedTrainLoop, IterBasedTrainLoop,
                                 Runner, TestLoop, ValLoop, set_random_seed)

    def args(*objs):
        keys = set()
        for obj in objs:
            keys |= _accepted_args(obj) or set()
        return keys - {'runner', 'dataloader', 'evaluator'}

    if path == '':
        return set(inspect.signature(Runner.__init__).parameters) | {
            'custom_imports', 'default_scope', 'runner_type', 'launcher',
            'auto_scale_lr', 'model_wrapper_cfg', 'find_unused_parameters',
            'gpu_ids', 'log_level', 'resume', 'load_from', 'work_dir'}
    if path.endswith('_dataloader'):
        return args(torch.utils.data.DataLoader) | {
            'sampler', 'batch_sampler', 'collate_fn', 'dataset'}
    return {
        'train_cfg': args(EpochBasedTrainLoop, IterBasedTrainLoop) | {
            'by_epoch', 'type'},
        'val_cfg': args(ValLoop) | {'type'},
        'test_cfg': args(TestLoop) | {'type'},
        'randomness': args(set_random_seed),
        'env_cfg': {'cudnn_benchmark', 'mp_cfg', 'dist_cfg', 'resource_limit'},
    }.get(path)


def _dotted_paths(node, prefix=''):
    if isinstance(node, dict):
        for key, value in node.items():
            path = f'{prefix}.{key}' if prefix else str(key)
            yield path
            yield from _dotted_paths(value, path)
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _dotted_paths(value, f'{prefix}.{i}')


def _suggestion(cfg_dict, dotted, siblings):
    tail = '.' + dotted
    elsewhere = sorted(p for p in _dotted_paths(cfg_dict) if p.endswith(tail))
    if elsewhere:
        return f'Did you mean {elsewhere[0]!r}?'
    match = _close(dotted.split('.')[-1], siblings)
    return f'Did you mean {match[0]!r}?' if match else ''


def check_override_keys(cfg, options):
    """Reject ``--cfg-options`` keys that match nothing in the config.

    A key that does not exist yet is accepted only where it is an argument of the
    registered class the enclosing dict builds (``type=...``), of what the Runner
    builds from it (top-level Runner arguments, dataloaders, loops, ``randomness``,
    ``env_cfg``), or, in free-form dicts, when it is no near match of an existing
    key. Otherwise the error names the key and, if one exists, the path meant
    (``optimizer.lr`` -> ``optim_wrapper.optimizer.lr``).
    """
    root = cfg._cfg_dict if isinstance(cfg, Config) else cfg
    scope = root.get('default_scope', None)
    for dotted in options:
        parts = dotted.split('.')
        node = root
        for depth, part in enumerate(parts):
            where = '.'.join(parts[:depth])
            if isinstance(node, (list, tuple)) and part.isdigit():
                idx = int(part)
                if idx >= len(node):
                    raise ConfigError(
                        f'--cfg-options key {dotted!r}: index {idx} is out of '
                        f'range for {where!r}, which has {len(node)} entries.')
                node = node[idx]
                continue
            if not isinstance(node, dict):
                break
            if part in node:
                node = node[part]
                continue
            accepted = None
            if 'type' in node:
                candidates = _registered(node['type'], scope)
                if candidates:
                    accepted = set()
                    for obj in candidates:
                        keys = _accepted_args(obj)
                        if keys is None:
                            accepted = None
                            break
                        accepted |= keys
            else:
                accepted = _fixed_keys(where)
            if accepted is not None and part not in accepted:
                hint = _suggestion(root, dotted, list(node.keys()) +
                                   sorted(accepted))
                owner = (f"{where!r} (type={node['type']!r})" if 'type' in
                         node else repr(where or '<top level>'))
                raise ConfigError(
                    f'--cfg-options key {dotted!r} matches nothing: {owner} '
                    f'has no key {part!r} and does not accept it. {hint} Fix '
                    'the key (it would otherwise be ignored).'.replace(
                        '  ', ' '))
            if accepted is None:
                match = _close(part, node.keys())
                if match:
                    raise ConfigError(
                        f'--cfg-options key {dotted!r}: {where or "<top level>"!r}'
                        f' has no key {part!r}. Did you mean {match[0]!r}? Fix '
                        'the key spelling (new keys are only accepted when '
                        'they are not a near match of an existing one).')
            break


CHECKPOINT_NAME = re.compile(r'^(?:epoch|iter)_(\d+)\.pth$')


def resume_candidates(work_dir):
    """Checkpoints to resume from, best first: ``last_checkpoint``, then by step."""
    from .checkpoint_hook import resolve_last_checkpoint
    found = []
    last = resolve_last_checkpoint(work_dir)
    if last:
        found.append(last)
    steps = []
    if osp.isdir(work_dir):
        for name in os.listdir(work_dir):
            m = CHECKPOINT_NAME.match(name)
            if m:
                steps.append((int(m.group(1)), osp.join(work_dir, name)))
    for _, path in sorted(steps, reverse=True):
        if path not in found:
            found.append(path)
    return found


def resolve_resume(work_dir, resume):
    """The checkpoint ``--resume`` continues from; an error when there is none.

    ``resume='auto'`` takes the work dir's latest intact checkpoint: if the one named by
    ``last_checkpoint`` is truncated (a kill while it was written), the previous intact
    one is used with a warning.
    """
    from .safe_load import is_intact
    if resume != 'auto':
        if '://' not in resume and not osp.isfile(resume):
            raise ConfigError(
                f'--resume {resume}: the checkpoint does not exist. Fix: pass '
                'an existing epoch_*.pth / iter_*.pth, or --resume without a '
                'path to continue from the latest checkpoint of --work-dir.')
        return resume
    candidates = resume_candidates(work_dir)
    if not candidates:
        raise ConfigError(
            f'--resume: nothing to resume from in {work_dir} (no '
            'last_checkpoint and no epoch_*.pth / iter_*.pth there). Fix: pass '
            'the work dir of the run (--work-dir; the default is work_dirs/'
            '<config name>) or the checkpoint (--resume path/to/epoch_N.pth), '
            'or drop --resume to train from scratch.')
    for path in candidates:
        if '://' in path or is_intact(path):
            if path != candidates[0]:
                print(f'WARNING: --resume: {candidates[0]} is missing or '
                      f'incomplete (killed while saving?); resuming from the '
                      f'previous intact checkpoint {path}.', file=sys.stderr)
            return path
    raise ConfigError(
        f'--resume: no intact checkpoint in {work_dir} (checked '
        f'{", ".join(osp.basename(c) for c in candidates)}; all are truncated '
        'or missing). Fix: resume from a copy of an intact checkpoint with '
        '--resume PATH, or drop --resume to train from scratch.')


def checkpoint_seed(path):
    """The random seed a checkpoint was trained with (its ``meta.seed``), if any."""
    from .safe_load import safe_load
    if '://' in path:
        return None
    try:
        ckpt = safe_load(path, map_location='cpu', mmap=True)
    except RuntimeError:  # legacy (non-zip) files cannot be memory-mapped
        ckpt = safe_load(path, map_location='cpu')
    meta = ckpt.get('meta') if isinstance(ckpt, dict) else None
    return (meta or {}).get('seed')


def check_work_dir(work_dir):
    """Fail with the fix when ``work_dir`` cannot be created or written."""
    import tempfile
    try:
        os.makedirs(work_dir, exist_ok=True)
        with tempfile.TemporaryFile(dir=work_dir):
            pass
    except OSError as e:
        raise ConfigError(
            f'Work dir {work_dir} is not writable ({type(e).__name__}: '
            f'{e.strerror or e}). Fix: pass a writable --work-dir (checkpoints '
            'and logs are written there).') from e


def add_run_safety(cfg):
    """Choose the durable checkpoint hook, the NaN guard, position-based randomness
    (exact ``--resume``) and, for distributed runs, BN buffer sync before evaluation.
    """
    import importlib
    for module in RUN_SAFETY_MODULES:
        importlib.import_module(module)
    from .resumable_randomness import make_resumable
    hooks = cfg.get('default_hooks') or {}
    ckpt = hooks.get('checkpoint')
    if isinstance(ckpt, dict) and str(ckpt.get('type', '')).split('.')[-1] \
            == 'CheckpointHook':
        ckpt['type'] = 'DurableCheckpointHook'
    custom = list(cfg.get('custom_hooks') or [])
    types = {str(h.get('type', '')).split('.')[-1] for h in custom}
    if 'FiniteLossHook' not in types:
        custom.append(dict(type='FiniteLossHook'))
    if cfg.get('launcher', 'none') != 'none' and cfg.get('val_cfg') and \
            'SyncBuffersHook' not in types:
        custom.append(dict(type='SyncBuffersHook'))
    cfg.custom_hooks = custom
    make_resumable(cfg)
    imports = dict(cfg.get('custom_imports') or dict(imports=[]))
    modules = list(imports.get('imports') or [])
    for module in RUN_SAFETY_MODULES:
        if module not in modules:
            modules.append(module)
    imports['imports'] = modules
    imports.setdefault('allow_failed_imports', False)
    cfg.custom_imports = imports
    return cfg


RUN_SAFETY_MODULES = ('projects.common.checkpoint_hook',
                      'projects.common.nan_guard',
                      'projects.common.resumable_randomness')


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
    from .dataset_check import DatasetError, explain_empty_dataset
    from .nan_guard import NonFiniteLossError
    from .safe_load import CheckpointError
    text = f'{type(exc).__name__}: {exc}'
    if isinstance(exc, (ConfigError, CheckpointError, DatasetError,
                        NonFiniteLossError)):
        return str(exc)
    empty = explain_empty_dataset(exc)
    if empty:
        return empty
    work_dir = cfg.get('work_dir') if cfg is not None else None
    if isinstance(exc, PermissionError) and work_dir and str(
            getattr(exc, 'filename', '') or '').startswith(
                osp.abspath(work_dir)):
        return (f'Work dir {work_dir} is not writable ({exc}). Fix: pass a '
                'writable --work-dir (checkpoints and logs are written there).')
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
    m = re.search(r'Target (-?\d+) is out of bounds', text)
    if m:
        return (f'A ground-truth label {m.group(1)} is outside the classes the '
                f'model predicts (from {config_path}). Fix: set the heads\' '
                'num_classes to the number of classes of the dataset, or map '
                'the label to ignore_index (255) in the annotation files.')
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
