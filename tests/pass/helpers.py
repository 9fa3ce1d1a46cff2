"""Helpers of the PASS tests."""
import importlib


def pass_module(name=''):
    """``projects.pass[.name]``: ``pass`` is a Python keyword, so the package is
    imported by name (as ``custom_imports`` does), not with an import statement."""
    return importlib.import_module('projects.pass' + (f'.{name}' if name else ''))
