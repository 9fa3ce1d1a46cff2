"""Register the DPT modules once in each host library's model registry."""
import importlib

from .depatch import DePatchEmbed
from .dpt import DeformablePatchTransformer

HOST_REGISTRIES = ('mmpretrain.registry', 'mmdet.registry', 'mmseg.registry')


def register_in_hosts(hosts=HOST_REGISTRIES):
    """Add the backbone and DePatch to ``MODELS`` of every installed host."""
    for name in hosts:
        try:
            registry = importlib.import_module(name).MODELS
        except ImportError:
            continue
        for module in (DeformablePatchTransformer, DePatchEmbed):
            if module.__name__ not in registry.module_dict:
                registry.register_module(module=module)
