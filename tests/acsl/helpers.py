"""Small helpers of the ACSL tests."""
import os.path as osp


def mmdet_config(relative):
    """Absolute path of a config shipped with the installed mmdet (``mmdet::`` scope)."""
    import mmdet
    return osp.join(osp.dirname(mmdet.__file__), '.mim', 'configs', relative)


def zero_init(tensor, *args, **kwargs):
    """Stand-in for ``torch.nn.init`` functions: fills with zeros, no RNG (fast builds)."""
    import torch
    with torch.no_grad():
        return tensor.zero_()


def skip_random_init(monkeypatch):
    """Make module construction cheap: every ``torch.nn.init`` random fill becomes zeros."""
    import torch
    for fn in ('kaiming_uniform_', 'kaiming_normal_', 'uniform_', 'normal_',
               'xavier_uniform_', 'trunc_normal_'):
        monkeypatch.setattr(torch.nn.init, fn, zero_init)
