"""The SAIM configs hold the official recipe (spec section 2), build, and run a forward pass."""
import copy
import functools
import os.path as osp

import pytest
import torch
from mmengine.config import Config

import projects.saim  # noqa: F401
from tests.utils import REPO_ROOT, build_model

CFG_DIR = osp.join(REPO_ROOT, 'configs', 'saim')
PRE300 = 'saim_vit-base-p16_32xb64-amp-coslr-300e_in1k.py'
PRE800 = 'saim_vit-base-p16_32xb64-amp-coslr-800e_in1k.py'
RASTER = 'saim-raster_vit-base-p16_32xb64-amp-coslr-300e_in1k.py'
FT = 'vit-base-p16_32xb32-coslr-100e_in1k.py'
SGD = 'vit-base-p16_32xb64-linear-sgd-coslr-90e_in1k.py'
LARS = 'vit-base-p16_8xb2048-linear-coslr-90e_in1k.py'
DET = 'mask-rcnn_vit-base-p16_8xb8-lsj-100e_coco.py'
SEG = 'upernet_vit-base-p16_8xb2-amp-160k_ade20k-512x512.py'


@functools.lru_cache(maxsize=None)
def _loaded(name):
    return Config.fromfile(osp.join(CFG_DIR, name))


def _cfg(name):
    """The config (parsed once per session); a deep copy, so tests may edit it."""
    return copy.deepcopy(_loaded(name))


SMALL = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)


def _get(cfg, path):
    node = cfg
    for part in path.split('.'):
        node = node[int(part)] if isinstance(node, (list, tuple)) else node[part]
    return node


PRETRAIN_RECIPE = [
    ('model.type', 'SAIM'),
    ('model.backbone.arch', 'b'),
    ('model.backbone.patch_size', 16),
    ('model.backbone.img_size', 224),
    ('model.backbone.drop_path_rate', 0.),
    ('model.backbone.generation_order', 'random'),
    ('model.neck.num_layers', 12),
    ('model.neck.embed_dims', 768),
    ('model.neck.feedforward_channels', 3072),
    ('model.neck.share_weights', False),
    ('model.head.predictor', 'mlp'),
    ('model.head.blur_kernel_size', 9),
    ('model.head.blur_sigma', 1.),
    ('model.head.norm_pix', True),
    ('model.head.loss.criterion', 'L2'),
    ('train_dataloader.batch_size', 64),
    ('optim_wrapper.type', 'AmpOptimWrapper'),
    ('optim_wrapper.optimizer.type', 'AdamW'),
    ('optim_wrapper.optimizer.lr', 1.6e-3),
    ('optim_wrapper.optimizer.betas', (0.9, 0.95)),
    ('optim_wrapper.optimizer.weight_decay', 0.5),
    ('optim_wrapper.paramwise_cfg', dict(norm_decay_mult=0.,
                                         bias_decay_mult=0.)),
    ('param_scheduler.0.type', 'LinearLR'),
    ('param_scheduler.0.end', 30),
    ('param_scheduler.0.convert_to_iter_based', True),
    ('param_scheduler.1.type', 'CosineAnnealingLR'),
    ('param_scheduler.1.begin', 30),
    ('param_scheduler.1.eta_min', 0.),
    ('param_scheduler.1.convert_to_iter_based', True),
    ('auto_scale_lr.base_batch_size', 2048),
    ('train_pipeline.1.type', 'RandomResizedCrop'),
    ('train_pipeline.1.scale', 224),
    ('train_pipeline.1.crop_ratio_range', (0.2, 1.0)),
    ('train_pipeline.1.interpolation', 'bicubic'),
    ('train_pipeline.2.type', 'RandomFlip'),
    ('data_preprocessor.mean', [123.675, 116.28, 103.53]),
    ('data_preprocessor.std', [58.395, 57.12, 57.375]),
    ('test_evaluator.type', 'ReconstructionMetric'),
]
RECIPES = [(PRE300, k, v) for k, v in PRETRAIN_RECIPE] + [
    (PRE300, 'train_cfg.max_epochs', 300),
    (PRE300, 'param_scheduler.1.T_max', 270),
    (PRE300, 'param_scheduler.1.end', 300),
    (PRE800, 'train_cfg.max_epochs', 800),
    (PRE800, 'param_scheduler.0.end', 30),
    (PRE800, 'param_scheduler.1.T_max', 770),
    (PRE800, 'param_scheduler.1.end', 800),
    (PRE800, 'optim_wrapper.optimizer.weight_decay', 0.5),
    (RASTER, 'model.backbone.generation_order', 'raster'),
    (RASTER, 'model.head.blur_kernel_size', 9),
    (FT, 'model.backbone.type', 'VisionTransformer'),
    (FT, 'model.backbone.out_type', 'cls_token'),
    (FT, 'model.backbone.final_norm', True),
    (FT, 'model.backbone.drop_path_rate', 0.1),
    (FT, 'model.backbone.init_cfg.prefix', 'backbone.'),
    (FT, 'model.head.type', 'LinearClsHead'),
    (FT, 'model.head.init_cfg.0.std', 2e-5),
    (FT, 'model.head.loss.label_smooth_val', 0.1),
    (FT, 'model.train_cfg.augments.0', dict(type='Mixup', alpha=0.8)),
    (FT, 'model.train_cfg.augments.1', dict(type='CutMix', alpha=1.0)),
    (FT, 'train_dataloader.batch_size', 32),
    (FT, 'train_pipeline.4.type', 'RandomErasing'),
    (FT, 'train_pipeline.4.erase_prob', 0.25),
    (FT, 'train_pipeline.3.magnitude_level', 9),
    (FT, 'train_pipeline.3.magnitude_std', 0.5),
    (FT, 'optim_wrapper.optimizer.lr', 2e-3),
    (FT, 'optim_wrapper.optimizer.weight_decay', 0.05),
    (FT, 'optim_wrapper.paramwise_cfg.layer_decay_rate', 0.65),
    (FT, 'param_scheduler.0.end', 20),
    (FT, 'param_scheduler.1.begin', 20),
    (FT, 'param_scheduler.1.end', 100),
    (FT, 'param_scheduler.1.eta_min', 1e-6),
    (FT, 'train_cfg.max_epochs', 100),
    (FT, 'auto_scale_lr.base_batch_size', 1024),
    (SGD, 'model.backbone.out_type', 'cls_token'),
    (SGD, 'model.backbone.final_norm', True),
    (SGD, 'model.backbone.frozen_stages', 12),
    (SGD, 'model.neck.type', 'ClsBatchNormNeck'),
    (SGD, 'model.neck.affine', False),
    (SGD, 'model.neck.eps', 1e-6),
    (SGD, 'model.head.init_cfg.0.std', 0.01),
    (SGD, 'train_dataloader.batch_size', 64),
    (SGD, 'optim_wrapper.optimizer', dict(type='SGD', lr=0.8, momentum=0.9,
                                          weight_decay=0.)),
    (SGD, 'param_scheduler.0.type', 'CosineAnnealingLR'),
    (SGD, 'param_scheduler.0.begin', 0),
    (SGD, 'param_scheduler.0.end', 90),
    (SGD, 'param_scheduler.0.eta_min', 0.),
    (SGD, 'train_cfg.max_epochs', 90),
    (SGD, 'auto_scale_lr.base_batch_size', 2048),
    (SGD, 'train_pipeline.1.interpolation', 'bicubic'),
    (SGD, 'train_dataloader.dataset.pipeline.1.interpolation', 'bicubic'),
    (SGD, 'test_dataloader.dataset.pipeline.1.scale', 256),
    (SGD, 'test_dataloader.dataset.pipeline.1.interpolation', 'bicubic'),
    (SGD, 'test_dataloader.dataset.pipeline.2.crop_size', 224),
    (LARS, 'optim_wrapper.optimizer.type', 'LARS'),
    (LARS, 'optim_wrapper.optimizer.lr', 6.4),
    (LARS, 'model.neck.eps', 1e-6),
    (LARS, 'model.backbone.out_type', 'cls_token'),
    (DET, 'model.backbone.type', 'mmpretrain.VisionTransformer'),
    (SEG, 'model.backbone.type', 'mmpretrain.VisionTransformer'),
]


@pytest.mark.parametrize('name,key,value', RECIPES,
                         ids=[f'{n[:24]}:{k}' for n, k, _ in RECIPES])
def test_recipe_values(name, key, value):
    got = _get(_cfg(name), key)
    if isinstance(value, float):
        assert got == pytest.approx(value), (name, key, got)
    else:
        assert got == value, (name, key, got)


def test_single_linear_schedule_and_no_grad_clip():
    for name in (PRE300, PRE800, RASTER, SGD):
        cfg = _cfg(name)
        assert 'clip_grad' not in cfg.optim_wrapper, name
    assert len(_cfg(SGD).param_scheduler) == 1  # no warm-up


@pytest.mark.parametrize('name', [FT, SGD, LARS, DET, SEG])
def test_downstream_configs_load_the_saim_encoder(name):
    ckpt = _get(_cfg(name), 'model.backbone.init_cfg.checkpoint')
    assert 'saim' in ckpt and ckpt.endswith('.pth'), ckpt
    assert _get(_cfg(name), 'model.backbone.init_cfg.prefix') == 'backbone.'


def test_weight_decay_rule_is_the_official_one():
    """timm add_weight_decay: no decay for 1-D params and biases; cls_token decayed."""
    from mmengine.optim import build_optim_wrapper
    cfg = _cfg(PRE300)
    cfg.model.backbone.arch = dict(SMALL)
    cfg.model.backbone.img_size = 32
    cfg.model.neck.update(embed_dims=32, num_layers=2, num_heads=2,
                          feedforward_channels=64)
    cfg.model.head.embed_dims = 32
    model = build_model(cfg)
    cfg.optim_wrapper.type = 'OptimWrapper'
    cfg.optim_wrapper.pop('loss_scale')
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    decay = {}
    names = {id(p): n for n, p in model.named_parameters()}
    for group in wrapper.optimizer.param_groups:
        for p in group['params']:
            decay[names[id(p)]] = group['weight_decay']
    for name, value in decay.items():
        if name == 'backbone.pos_embed':
            continue  # frozen
        one_d = model.get_parameter(name).dim() == 1
        assert value == (0. if one_d or name.endswith('.bias') else 0.5), name
    assert decay['backbone.cls_token'] == 0.5
    assert decay['neck.layers.0.attn.qkv.weight'] == 0.5
    assert decay['head.predictor.fc1.bias'] == 0.
    assert not model.backbone.pos_embed.requires_grad


def test_pretrain_config_forward_at_224():
    model = build_model(_cfg(PRE300)).eval()
    assert model.backbone.num_layers == 12 and model.neck.num_layers == 12
    with torch.no_grad():
        losses = model.loss(torch.randn(1, 3, 224, 224), None)
    assert set(losses) == {'loss'} and torch.isfinite(losses['loss'])


def test_probe_and_finetune_load_pretrained_backbone_strictly():
    """The pre-trained encoder's keys are exactly the downstream ViT's (width shrunk)."""
    pre_cfg = _cfg(PRE300)
    pre_cfg.model.backbone.update(arch=dict(SMALL), img_size=32)
    pre_cfg.model.neck.update(embed_dims=32, num_layers=2, num_heads=2,
                              feedforward_channels=64)
    pre_cfg.model.head.embed_dims = 32
    state = build_model(pre_cfg).backbone.state_dict()
    x = torch.randn(2, 3, 32, 32)
    for name in (SGD, LARS, FT):
        cfg = _cfg(name)
        cfg.model.backbone.update(arch=dict(SMALL), img_size=32,
                                  init_cfg=None)
        if cfg.model.backbone.get('frozen_stages'):
            cfg.model.backbone.frozen_stages = 2
        if cfg.model.get('neck'):
            cfg.model.neck.input_features = 32
        cfg.model.head.in_channels = 32
        model = build_model(cfg).eval()
        model.backbone.load_state_dict(state, strict=True)
        with torch.no_grad():
            feats = model.extract_feat(x)
            scores = model.head(feats)
        assert feats[-1].shape == (2, 32)
        assert scores.shape == (2, 1000)
