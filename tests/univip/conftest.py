"""Build UniVIP test modules in mmpretrain's scope with a known schedule length."""
import pytest
from mmengine.logging import MessageHub
from mmengine.registry import DefaultScope


@pytest.fixture(autouse=True)
def mmpretrain_scope():
    hub = MessageHub.get_current_instance()
    previous = hub.get_info('max_iters')
    hub.update_info('max_iters', 10)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        yield
    hub.update_info('max_iters', previous)
