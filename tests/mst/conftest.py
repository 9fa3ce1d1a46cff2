"""Build MST test modules in mmpretrain's scope, whatever scope an earlier test left."""
import pytest
from mmengine.registry import DefaultScope


@pytest.fixture(autouse=True)
def mmpretrain_scope():
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        yield
