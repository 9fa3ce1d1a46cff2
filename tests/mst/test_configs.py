"""Every full MST config holds the recipe of spec section 2/5 (table-driven) and builds."""
import functools
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from tests.utils import REPO_ROOT, build_model

CFG_DIR = osp.join(REPO_ROOT, 'configs', 'mst')
PRE = {100: 'mst_deit-small-p16_16xb64-amp-coslr-100e_in1k.py',
       300: 'mst_deit-small-p16_16xb64-amp-coslr-300e_in1k.py'}


@functools.lru_cache(maxsize=None)
def _cfg(name):
    return Config.fromfile(osp.join(CFG_DIR, name))


def _get(cfg, dotted):
    node = cfg
    for key in dotted.split('.'):
        node = node[int(key)] if isinstance(node, (list, tuple)) else node[key]
    return node


PRETRAIN_RECIPE = [
    ('model.backbone.arch', 'deit-small'),
    ('model.backbone.patch_size', 16),
    ('model.backbone.drop_path_rate', 0.1),
    ('model.backbone.attn_layer', -1),
    ('model.backbone.head_reduce', 'mean'),
    ('model.neck.out_channels', 65536),
    ('model.neck.hidden_channels', 2048),
    ('model.neck.bottleneck_channels', 256),
    ('model.head.dino_loss.student_temp', 0.1),
    ('model.head.dino_loss.warmup_teacher_temp', 0.04),
    ('model.head.dino_loss.teacher_temp', 0.07),
    ('model.head.dino_loss.warmup_teacher_temp_epochs', 30),
    ('model.head.dino_loss.center_momentum', 0.9),
    ('model.head.restore_loss.criterion', 'L1'),
    ('model.head.restore_loss.restore_region', 'all'),
    ('model.head.restore_loss.loss_weight', 1.0),
    ('model.decoder.decoder_type', 'deconv'),
    ('model.masker.low_attn_ratio', 0.5),
    ('model.masker.mask_prob', 0.5),
    ('model.masker.guidance', 'attention'),
    ('model.teacher_momentum', 0.004),
    ('model.teacher_end_momentum', 0.0),
    ('train_dataloader.batch_size', 64),
    ('train_pipeline.1.num_local_crops', 8),
    ('train_pipeline.1.global_crop_size', 224),
    ('train_pipeline.1.local_crop_size', 96),
    ('train_pipeline.1.global_crop_scale', (0.4, 1.0)),
    ('train_pipeline.1.local_crop_scale', (0.05, 0.4)),
    ('train_pipeline.1.global_blur_probs', (1.0, 0.1)),
    ('train_pipeline.1.global_solarize_probs', (0.0, 0.2)),
    ('train_pipeline.1.local_blur_prob', 0.5),
    ('optim_wrapper.type', 'AmpOptimWrapper'),
    ('optim_wrapper.optimizer.type', 'AdamW'),
    ('optim_wrapper.optimizer.lr', 5e-4 * 1024 / 256),
    ('optim_wrapper.optimizer.weight_decay', 0.04),
    ('optim_wrapper.clip_grad.max_norm', 3.0),
    ('optim_wrapper.paramwise_cfg.norm_decay_mult', 0.0),
    ('optim_wrapper.paramwise_cfg.bias_decay_mult', 0.0),
    ('optim_wrapper.paramwise_cfg.custom_keys.mask_token.decay_mult', 0.0),
    ('optim_wrapper.paramwise_cfg.custom_keys.pos_embed.decay_mult', 0.0),
    ('optim_wrapper.paramwise_cfg.custom_keys.cls_token.decay_mult', 0.0),
    ('param_scheduler.0.type', 'LinearLR'),
    ('param_scheduler.0.end', 10),
    ('param_scheduler.1.type', 'CosineAnnealingLR'),
    ('param_scheduler.1.eta_min', 1e-6),
    ('custom_hooks.1.freeze_epochs', 1),
    ('custom_hooks.2.end_weight_decay', 0.4),
    ('auto_scale_lr.base_batch_size', 1024),
    ('test_evaluator.0.k', 20),
    ('test_evaluator.0.temperature', 0.07),
    ('test_cfg.type', 'FrozenFeatureTestLoop'),
    ('test_cfg.bank_dataloader.dataset.split', 'train'),
]


@pytest.mark.parametrize('epochs', [100, 300])
@pytest.mark.parametrize('key,value', PRETRAIN_RECIPE, ids=lambda v: str(v))
def test_pretrain_recipe(epochs, key, value):
    cfg = _cfg(PRE[epochs])
    assert _get(cfg, key) == value


@pytest.mark.parametrize('epochs', [100, 300])
def test_pretrain_schedule(epochs):
    cfg = _cfg(PRE[epochs])
    assert cfg.train_cfg.max_epochs == epochs
    assert cfg.param_scheduler[1].begin == 10 and cfg.param_scheduler[1].end == epochs
    assert cfg.param_scheduler[1].T_max == epochs - 10
    assert [h.type for h in cfg.custom_hooks] == [
        'TeacherTempScheduleHook', 'FreezeLastLayerHook', 'CosineWeightDecayHook']


TRANSFER = [
    ('vit-small-p16_8xb128-linear-coslr-90e_in1k.py', [
        ('model.backbone.arch', 'deit-small'), ('model.backbone.frozen_stages', 12),
        ('model.backbone.out_type', 'cls_token'), ('train_cfg.max_epochs', 90),
        ('train_dataloader.batch_size', 128), ('optim_wrapper.optimizer.lr', 12),
        ('model.backbone.init_cfg.prefix', 'backbone.')]),
    ('mask-rcnn_deit-small-p16_8xb8-lsj-100e_coco.py', [
        ('model.backbone.arch', 'deit-small'), ('model.backbone.drop_path_rate', 0.1),
        ('model.backbone.out_indices', (3, 5, 7, 11)), ('model.neck.0.embed_dim', 384),
        ('optim_wrapper.optimizer.lr', 1e-4), ('optim_wrapper.optimizer.weight_decay', 0.1),
        ('optim_wrapper.paramwise_cfg.layer_decay_rate', 0.7),
        ('train_dataloader.batch_size', 8),
        ('model.backbone.init_cfg.prefix', 'backbone.')]),
    ('upernet_deit-small-p16_8xb1-amp-80k_cityscapes-512x1024.py', [
        ('model.backbone.arch', 'deit-small'), ('model.backbone.img_size', (512, 1024)),
        ('model.decode_head.num_classes', 19), ('train_cfg.max_iters', 80000),
        ('optim_wrapper.optimizer.lr', 1e-4),
        ('optim_wrapper.paramwise_cfg.layer_decay_rate', 0.65),
        ('train_dataloader.dataset.type', 'CityscapesDataset'),
        ('model.backbone.init_cfg.prefix', 'backbone.')]),
]


@pytest.mark.parametrize('name,table', TRANSFER, ids=lambda v: str(v)[:30])
def test_transfer_recipe(name, table):
    cfg = _cfg(name)
    for key, value in table:
        assert _get(cfg, key) == value, key


def test_pretrained_encoder_loads_into_every_transfer_backbone():
    cfg = Config.fromfile(osp.join(CFG_DIR, PRE[100]))
    cfg.model.neck.out_channels = 256  # the 65536 prototypes do not matter here
    cfg.model.head.dino_loss.out_channels = 256
    pre = build_model(cfg)
    state = {k: v for k, v in pre.backbone.state_dict().items()}
    for name, _ in TRANSFER:
        tcfg = Config.fromfile(osp.join(CFG_DIR, name))
        tcfg.model.backbone.init_cfg = None
        model = build_model(tcfg)
        missing, unexpected = model.backbone.load_state_dict(state, strict=False)
        final_norm = tcfg.model.backbone.get('final_norm', True)
        expect = ['mask_token'] + ([] if final_norm else ['ln1.weight', 'ln1.bias'])
        assert sorted(unexpected) == sorted(expect), name
        assert not missing, name
