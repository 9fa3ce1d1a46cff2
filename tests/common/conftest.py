"""Build through mmpretrain's registries whatever scope an earlier test left current."""
import pytest
from mmengine.registry import DefaultScope


@pytest.fixture
def mmpretrain_scope():
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        yield
