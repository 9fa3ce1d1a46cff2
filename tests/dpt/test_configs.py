"""Every full DPT config builds its model and runs a forward pass on small dummy input."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', 'dpt', '*.py')))


def _build(cfg):
    from mmengine.registry import MODELS
    init_default_scope(cfg.default_scope)
    cfg.model.backbone.init_cfg = None
    # few proposals keep the two-stage heads cheap on CPU; the model is unchanged
    if 'rpn' in cfg.model.get('test_cfg', {}):
        cfg.model.test_cfg.rpn.max_per_img = 20
        cfg.model.train_cfg.rpn_proposal.max_per_img = 20
        cfg.model.train_cfg.rcnn.sampler.num = 16
    # constructors already leave every DePatch at its regular-grid start
    return MODELS.build(cfg.model).eval()


def _det_forward(model, cfg, with_loss):
    from mmdet.testing import demo_mm_inputs
    with_mask = 'mask' in cfg.model.type.lower()
    packed = demo_mm_inputs(
        2, [[3, 64, 96], [3, 64, 80]], num_items=[2, 1],
        num_classes=cfg.model.bbox_head.num_classes if 'bbox_head' in
        cfg.model else 80, with_mask=with_mask)
    data = model.data_preprocessor(packed, False)
    with torch.no_grad():
        results = model(**data, mode='predict')
    assert len(results) == 2
    assert results[0].pred_instances.bboxes.shape[-1] == 4
    if not with_loss:
        return
    model.train()
    data = model.data_preprocessor(packed, True)
    losses = model(**data, mode='loss')
    assert all(torch.isfinite(v).all() for k, v in losses.items()
               if 'loss' in k and isinstance(v, torch.Tensor))


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_full_config_forward(path):
    cfg = Config.fromfile(path)
    backbone = cfg.model.backbone
    assert backbone.type == 'DeformablePatchTransformer'
    arch = backbone.arch
    assert arch in osp.basename(path), f'{path} builds DPT-{arch}'
    model = _build(cfg)
    if cfg.default_scope == 'mmpretrain':
        with torch.no_grad():
            logits = model(torch.randn(2, 3, 64, 96), mode='tensor')
        assert logits.shape == (2, 1000)
        assert cfg.custom_hooks[0].type == 'DropPathWarmupHook'
    elif cfg.default_scope == 'mmseg':
        with torch.no_grad():
            seg = model(torch.randn(1, 3, 64, 96), mode='tensor')
        assert seg.shape == (1, 150, 16, 24)
    else:
        # one training step per detector family (the DPT-Tiny configs)
        _det_forward(model, cfg, with_loss='dpt-tiny' in path)


def test_imagenet_weight_decay_follows_timm_rule():
    """No decay on 1-D parameters (incl. DePatch's wh_bias) and the cls token;
    position embeddings and weights keep wd 0.05."""
    from mmengine.optim import build_optim_wrapper
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'dpt', 'tiny', 'dpt-tiny_8xb128_300e_in1k.py'))
    model = _build(cfg)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    decay = {}
    names = {id(p): n for n, p in model.named_parameters()}
    for group in wrapper.optimizer.param_groups:
        for p in group['params']:
            decay[names[id(p)]] = group['weight_decay']
    assert decay['backbone.patch_embeds.1.wh_bias'] == 0
    assert decay['backbone.cls_token'] == 0
    assert decay['backbone.stages.0.0.norm1.weight'] == 0
    assert decay['backbone.patch_embeds.1.output_proj.bias'] == 0
    assert decay['backbone.pos_embeds.0.pos_embed'] == 0.05
    assert decay['backbone.patch_embeds.1.offset_predictor.weight'] == 0.05
