"""Helpers of the recipe tests: parse a config once, look up a key path, build param groups.

A recipe table is a list of ``(config, key path, expected value)`` rows written from a
method's spec. A key path is dotted; ``[i]`` indexes a list, ``[type=X]`` picks the one
element of a list whose ``type`` is ``X`` (it must be unique), and a trailing ``|types``
turns a list of dicts (a pipeline, a scheduler list) into the list of their types. A
missing key reads as :data:`MISSING`.
"""
import copy
import functools
import math
import re

MISSING = '<missing>'


class _Unset:
    """Expected value "not set": the key is missing or None (e.g. no grad clipping)."""

    def __repr__(self):
        return 'UNSET (missing or None)'


UNSET = _Unset()
_STEP = re.compile(r'([^.\[\]|]+)|\[(\d+)\]|\[type=([^\]]+)\]|(\|types)$')


def load_config(path):
    """``Config.fromfile(path)`` as a private copy of a cached parse: a test may change
    what it gets without changing what the next test reads."""
    return copy.deepcopy(_parse_config(path))


@functools.lru_cache(maxsize=None)
def _parse_config(path):
    """``Config.fromfile(path)``, cached, with the parsing of shared pieces memoised.

    mmengine resolves a ``mmdet::_base_/...`` base by scanning every metafile of the
    package (~400 YAML files, ~0.6 s) and, for ``_base_`` files, ends with a ValueError
    that it catches (``functools.lru_cache`` does not keep raised errors); and it parses
    every base file again for every config. Here the metafiles, the lookups (with their
    outcome, error included) and each file's parse (handed out as deep copies) are
    memoised while the config is read.
    """
    import mmengine.config.config as config_module
    import mmengine.config.utils as utils_module
    from mmengine.config import Config
    original_lookup = config_module._get_external_cfg_path
    original_load = utils_module.load
    original_file2dict = Config.__dict__['_file2dict']
    config_module._get_external_cfg_path = _memoised_lookup
    utils_module.load = functools.partial(_memoised_load, original_load)
    Config._file2dict = staticmethod(
        functools.partial(_memoised_file2dict, original_file2dict.__func__))
    try:
        return Config.fromfile(path)
    finally:
        config_module._get_external_cfg_path = original_lookup
        utils_module.load = original_load
        Config._file2dict = original_file2dict


_METAFILES = {}


def _memoised_load(load, path, *args, **kwargs):
    """The packages' metafiles (read-only here), parsed once each."""
    if path not in _METAFILES:
        _METAFILES[path] = load(path, *args, **kwargs)
    return _METAFILES[path]


_LOOKUPS = {}
_FILES = {}


def _memoised_file2dict(parse, filename, *args, **kwargs):
    """``Config._file2dict`` once per file and arguments (many configs share bases);
    each caller gets its own deep copy, as a fresh parse would give it."""
    import os.path as osp
    key = (osp.abspath(filename), args, tuple(sorted(kwargs.items())))
    if key not in _FILES:
        _FILES[key] = parse(filename, *args, **kwargs)
    return copy.deepcopy(_FILES[key])


def _memoised_lookup(package_path, cfg_path):
    from mmengine.config.utils import _get_external_cfg_path
    key = (package_path, cfg_path)
    if key not in _LOOKUPS:
        try:
            _LOOKUPS[key] = (True, _get_external_cfg_path(package_path,
                                                          cfg_path))
        except ValueError as err:
            _LOOKUPS[key] = (False, err)
    ok, value = _LOOKUPS[key]
    if not ok:
        raise value
    return value


def _type_name(node):
    value = node.get('type') if isinstance(node, dict) else None
    return value if isinstance(value, str) or value is None else \
        getattr(value, '__name__', str(value))


def lookup(cfg, path):
    """The value at ``path`` in ``cfg`` (see the module docstring), or MISSING."""
    node = getattr(cfg, '_cfg_dict', cfg)
    pos = 0
    while pos < len(path):
        if path[pos] == '.':
            pos += 1
            continue
        match = _STEP.match(path, pos)
        if match is None:
            raise ValueError(f'bad key path {path!r} at {path[pos:]!r}')
        pos = match.end()
        key, index, type_name, types = match.groups()
        if types:
            return [_type_name(item) for item in node]
        if key is not None:
            if not isinstance(node, dict) or key not in node:
                return MISSING
            node = node[key]
        elif index is not None:
            if not isinstance(node, (list, tuple)) or int(index) >= len(node):
                return MISSING
            node = node[int(index)]
        else:
            found = [item for item in node if _type_name(item) == type_name]
            if len(found) != 1:
                return MISSING if not found else f'<{len(found)} x {type_name}>'
            node = found[0]
    return node


def plain(value):
    """Config containers as plain Python (tuples kept apart from lists)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    return value


def same(actual, expected):
    """Equality with a relative float tolerance of 1e-9; lists and tuples compare alike."""
    if expected is UNSET:
        return actual is None or actual == MISSING
    if isinstance(expected, float) and isinstance(actual, (int, float)) \
            and not isinstance(actual, bool):
        return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)):
        return len(actual) == len(expected) and all(
            same(a, e) for a, e in zip(actual, expected))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return set(actual) == set(expected) and all(
            same(actual[k], v) for k, v in expected.items())
    return actual == expected


def expand(table):
    """``{config: [(key, value), ...]}`` -> sorted ``[(config, key, value)]`` rows."""
    return [(config, key, value) for config in sorted(table)
            for key, value in table[config]]


def row_id(row):
    config, key = row[0], row[1]
    return f"{config.rsplit('/', 1)[-1][:-3]}:{key}"


def check_row(config, key, expected):
    actual = plain(lookup(load_config(config), key))
    assert same(actual, expected), (
        f'{config}: {key} is {actual!r}, the recipe says {expected!r}')


def param_groups(model, optim_wrapper_cfg, scope):
    """``{parameter name: (lr, weight_decay)}`` of the optimizer built for ``model``.

    ``AmpOptimWrapper`` needs a GPU, so the wrapper type is replaced by ``OptimWrapper``;
    the constructor and ``paramwise_cfg`` (what decides the groups) are kept.
    """
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope
    cfg = copy.deepcopy(plain(optim_wrapper_cfg))
    cfg['type'] = 'OptimWrapper'
    cfg.pop('loss_scale', None)
    cfg.pop('dtype', None)
    with DefaultScope.overwrite_default_scope(scope):
        wrapper = build_optim_wrapper(model, cfg)
    names = {id(p): n for n, p in model.named_parameters()}
    out = {}
    for group in wrapper.optimizer.param_groups:
        for param in group['params']:
            out[names[id(param)]] = (group['lr'], group['weight_decay'])
    return out
