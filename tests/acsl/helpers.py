"""Small helpers of the ACSL tests."""
import os.path as osp


def mmdet_config(relative):
    """Absolute path of a config shipped with the installed mmdet (``mmdet::`` scope)."""
    import mmdet
    return osp.join(osp.dirname(mmdet.__file__), '.mim', 'configs', relative)
