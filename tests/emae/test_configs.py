"""Every full EMAE config builds and runs a forward pass on a small dummy input."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from tests.utils import REPO_ROOT, build_model

CFG_DIR = osp.join(REPO_ROOT, 'configs', 'emae')
PRETRAIN = sorted(glob.glob(osp.join(CFG_DIR, 'emae_*.py')))


def _cfg(name):
    return Config.fromfile(osp.join(CFG_DIR, name))


@pytest.mark.parametrize('path', PRETRAIN, ids=osp.basename)
def test_pretrain_config_round_trip(path, tmp_path):
    """Invariant 10: the model builds, dump/reload is stable, ``extract_feat`` is the
    plain ViT; the ViT-B config also runs one loss pass at 224."""
    cfg = Config.fromfile(path)
    dumped = tmp_path / 'dumped.py'
    cfg.dump(str(dumped))
    assert Config.fromfile(str(dumped)).model == cfg.model
    model = build_model(cfg).eval()
    assert model.backbone.num_parts == 4 and model.backbone.num_visible == 49
    dim = model.backbone.embed_dims
    with torch.no_grad():
        feats = model.extract_feat(torch.randn(1, 3, 32, 32))
        assert feats[0].shape == (1, 5, dim)
        if '300e' in path and 'base' in path:
            losses = model.loss(torch.randn(1, 3, 224, 224), None)
            assert set(losses) == {'loss_rec', 'loss_sc', 'consistency'}
            assert all(torch.isfinite(v) for v in losses.values())


def test_probe_and_finetune_load_pretrained_backbone():
    pre = build_model(_cfg('emae_vit-base-p16_8xb128-amp-coslr-300e_in1k.py'))
    state = pre.backbone.state_dict()
    x = torch.randn(2, 3, 64, 64)
    for name, shape in (('vit-base-p16_8xb2048-linear-coslr-90e_in1k.py',
                         (2, 768)),
                        ('vit-base-p16_8xb128-coslr-100e_in1k.py', (2, 768))):
        cfg = _cfg(name)
        assert cfg.model.backbone.init_cfg.prefix == 'backbone.'
        model = build_model(cfg).eval()
        missing, unexpected = model.backbone.load_state_dict(state,
                                                             strict=False)
        if 'linear' in name:
            assert not missing and not unexpected, (missing, unexpected)
        else:  # avg-pooled tokens: MAE's recipe drops ln1 and adds a fresh ln2
            assert missing == ['ln2.weight', 'ln2.bias'], missing
            assert unexpected == ['ln1.weight', 'ln1.bias'], unexpected
        with torch.no_grad():
            feats = model.extract_feat(x)
            scores = model.head(feats) if 'linear' not in name else \
                model.head(model.neck(feats))
        assert feats[-1].shape == shape
        assert scores.shape == (2, 1000)


def test_detection_transfer_forward():
    cfg = _cfg('mask-rcnn_vit-base-p16_8xb8-lsj-100e_coco.py')
    assert cfg.model.backbone.init_cfg.prefix == 'backbone.'
    model = build_model(cfg).eval()
    with torch.no_grad():
        feats = model.extract_feat(torch.randn(1, 3, 64, 64))
    assert [f.shape[-1] for f in feats] == [16, 8, 4, 2, 1]
    assert all(f.shape[1] == 256 for f in feats)


def test_segmentation_transfer_forward():
    cfg = _cfg('upernet_vit-base-p16_8xb2-amp-160k_ade20k-512x512.py')
    assert cfg.model.backbone.init_cfg.prefix == 'backbone.'
    model = build_model(cfg).eval()
    with torch.no_grad():
        feats = model.extract_feat(torch.randn(1, 3, 64, 64))
        logits = model.decode_head(feats)
    assert [f.shape[-1] for f in feats] == [16, 8, 4, 2]
    assert logits.shape == (1, 150, 16, 16)


def test_layer_decay_constructor_scales_backbone_only():
    from mmengine.optim import build_optim_wrapper
    cfg = _cfg('upernet_vit-base-p16_8xb2-amp-160k_ade20k-512x512.py')
    cfg.model.backbone.arch = dict(
        embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
    cfg.model.backbone.out_indices = (0, 1, 1, 1)
    cfg.model.neck.embed_dim = 32
    cfg.model.decode_head.in_channels = [32] * 4
    cfg.model.auxiliary_head.in_channels = 32
    model = build_model(cfg)
    cfg.optim_wrapper.type = 'OptimWrapper'
    cfg.optim_wrapper.pop('loss_scale', None)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    lrs = {g['param_name']: g['lr'] for g in wrapper.optimizer.param_groups}
    rate, base = 0.65, 1e-4
    # depth: patch embed 0, block i -> i + 1, rest 3; D = 4
    assert lrs['backbone.patch_embed.projection.weight'] == pytest.approx(
        base * rate**3)
    assert lrs['backbone.layers.1.attn.qkv.weight'] == pytest.approx(
        base * rate)
    assert lrs['decode_head.conv_seg.weight'] == pytest.approx(base)
