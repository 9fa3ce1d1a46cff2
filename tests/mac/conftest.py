"""The tiny video-text sets, generated once (idempotent) without the other tiny datasets."""
import importlib.util
import os.path as osp

import pytest

from tests.utils import REPO_ROOT


def _generator():
    path = osp.join(REPO_ROOT, 'tools', 'dataset_converters',
                    'make_tiny_datasets.py')
    spec = importlib.util.spec_from_file_location('mmvrl_make_tiny', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='session')
def tiny_video_text():
    """{'msrvtt': root, 'coco_karpathy': root} under data/tiny."""
    gen = _generator()
    out = osp.join(REPO_ROOT, 'data', 'tiny')
    return {
        name: gen.make_dataset(name, out, quiet=True)[0]
        for name in ('msrvtt', 'coco_karpathy')
    }
