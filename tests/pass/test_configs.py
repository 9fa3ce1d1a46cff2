"""The full PASS configs are the official recipes (table-driven)."""
import os.path as osp

import pytest
from mmengine.config import Config

from tests.utils import REPO_ROOT

CFG = osp.join(REPO_ROOT, 'configs', 'pass')
PRETRAIN = 'pass_vit-small-p16_8xb128-amp-coslr-100e_luperson.py'
FINETUNE = {  # name: (dataset type, data_root, identities, (h, w), seed)
    'pass-reid_vit-small-p16_1xb64-amp-120e_market1501-256x128.py':
    ('Market1501Dataset', 'data/market1501', 751, (256, 128), 42),
    'pass-reid_vit-small-p16_1xb64-amp-120e_market1501-384x128.py':
    ('Market1501Dataset', 'data/market1501', 751, (384, 128), 42),
    'pass-reid_vit-small-p16_1xb64-amp-120e_msmt17-256x128.py':
    ('MSMT17Dataset', 'data/msmt17', 1041, (256, 128), 1234),
    'pass-reid_vit-small-p16_1xb64-amp-120e_msmt17-384x128.py':
    ('MSMT17Dataset', 'data/msmt17', 1041, (384, 128), 1234),
}


def _get(cfg, dotted):
    node = cfg
    for key in dotted.split('.'):
        node = node[int(key)] if key.isdigit() else node[key]
    return node


PRETRAIN_RECIPE = {
    'model.backbone.arch': 'deit-small',
    'model.backbone.img_size': (256, 128),
    'model.backbone.patch_size': 16,
    'model.backbone.num_parts': 3,
    'model.backbone.drop_path_rate': 0.1,
    'model.backbone.pos_embed_mode': 'pretrain',
    'model.neck.out_channels': 65536,
    'model.neck.hidden_channels': 2048,
    'model.neck.bottleneck_channels': 256,
    'model.neck.num_layers': 3,
    'model.neck.use_bn': False,
    'model.neck.norm_last_layer': True,
    'model.head.loss.num_centers': 4,
    'model.head.loss.student_temp': 0.1,
    'model.head.loss.teacher_temp': 0.04,
    'model.head.loss.warmup_teacher_temp_epochs': 0,
    'model.head.loss.center_momentum': 0.9,
    'model.base_momentum': 0.004,
    'model.end_momentum': 0.0,
    'model.data_preprocessor.mean': [123.675, 116.28, 103.53],
    'model.data_preprocessor.std': [58.395, 57.12, 57.375],
    'train_pipeline.1.global_crop_size': (256, 128),
    'train_pipeline.1.global_crop_scale': (0.4, 1.0),
    'train_pipeline.1.local_crop_size': (128, 64),
    'train_pipeline.1.num_local_crops': 9,
    'train_pipeline.1.local_crop_scale': (0.1, 0.8),
    'train_pipeline.1.area_starts': (0.0, 0.25, 0.5),
    'train_pipeline.1.area_height': 0.5,
    'train_pipeline.1.global_blur_probs': (1.0, 0.1),
    'train_pipeline.1.global_solarize_probs': (0.0, 0.2),
    'train_pipeline.1.local_blur_prob': 0.5,
    'train_pipeline.1.blur_radius_range': (0.1, 2.0),
    'train_dataloader.batch_size': 128,
    'train_dataloader.drop_last': True,
    'optim_wrapper.type': 'PerParameterClipAmpOptimWrapper',
    'optim_wrapper.optimizer.type': 'AdamW',
    'optim_wrapper.optimizer.lr': 2e-3,  # 5e-4 x 1024 / 256
    'optim_wrapper.optimizer.weight_decay': 0.04,
    'optim_wrapper.clip_grad.max_norm': 3.0,
    'optim_wrapper.paramwise_cfg.flat_decay_mult': 0.0,
    'optim_wrapper.paramwise_cfg.bias_decay_mult': 0.0,
    'param_scheduler.0.end': 10,
    'param_scheduler.0.convert_to_iter_based': True,
    'param_scheduler.1.eta_min': 1e-6,
    'param_scheduler.1.begin': 10,
    'param_scheduler.1.end': 100,
    'param_scheduler.1.convert_to_iter_based': True,
    'custom_hooks.0.end_weight_decay': 0.4,
    'custom_hooks.1.freeze_epochs': 1,
    'train_cfg.max_epochs': 100,
    'randomness.seed': 0,
}


def _mismatches(cfg, recipe):
    bad = []
    for key, value in recipe.items():
        got = _get(cfg, key)
        same = got == pytest.approx(value) if isinstance(value, float) else \
            got == value
        if not same:
            bad.append((key, got, value))
    return bad


def test_pretrain_recipe():
    cfg = Config.fromfile(osp.join(CFG, PRETRAIN))
    assert not _mismatches(cfg, PRETRAIN_RECIPE)


def test_pretrain_multicrop_defaults_are_official():
    from mmpretrain.registry import TRANSFORMS
    cfg = Config.fromfile(osp.join(CFG, PRETRAIN))
    crop = TRANSFORMS.build(cfg.train_pipeline[1])
    assert crop.color_jitter == dict(brightness=0.4, contrast=0.4,
                                     saturation=0.2, hue=0.1)
    assert crop.color_jitter_prob == 0.8 and crop.grayscale_prob == 0.2


FINETUNE_RECIPE = {
    'model.backbone.arch': 'deit-small',
    'model.backbone.patch_size': 16,
    'model.backbone.drop_path_rate': 0.1,
    'model.backbone.pos_embed_mode': 'finetune',
    'model.backbone.pos_embed_hw_ratio': 2,
    'model.backbone.init_cfg.prefix': 'backbone.',
    'model.neck.fusion': 'cat',
    'model.neck.multi_neck': True,
    'model.head.in_channels': 768,
    'model.head.loss_cls.type': 'CrossEntropyLoss',
    'model.head.triplet_weight': 1.0,
    'model.data_preprocessor.mean': [127.5, 127.5, 127.5],
    'model.data_preprocessor.std': [127.5, 127.5, 127.5],
    'train_dataloader.batch_size': 64,
    'train_dataloader.sampler.type': 'RandomIdentitySampler',
    'train_dataloader.sampler.batch_size': 64,
    'train_dataloader.sampler.num_instances': 4,
    'train_pipeline.1.interpolation': 'bicubic',
    'train_pipeline.2.prob': 0.5,
    'train_pipeline.3.padding': 10,
    'train_pipeline.4.erase_prob': 0.5,
    'test_dataloader.batch_size': 256,
    'test_dataloader.dataset.split': 'test',
    'test_evaluator.type': 'ReIDMetric',
    'optim_wrapper.type': 'AmpOptimWrapper',
    'optim_wrapper.optimizer.type': 'SGD',
    'optim_wrapper.optimizer.lr': 4e-4,
    'optim_wrapper.optimizer.momentum': 0.9,
    'optim_wrapper.optimizer.weight_decay': 1e-4,
    'optim_wrapper.paramwise_cfg.custom_keys.bias.lr_mult': 2.0,
    'optim_wrapper.paramwise_cfg.custom_keys.bias.decay_mult': 1.0,
    'param_scheduler.0.type': 'WarmupCosineLR',
    'param_scheduler.0.max_epochs': 120,
    'param_scheduler.0.warmup_epochs': 20,
    'param_scheduler.0.warmup_value': 0.01 * 4e-4,
    'param_scheduler.0.eta_min': 0.002 * 4e-4,
    'param_scheduler.0.t_offset': 1,
    'train_cfg.max_epochs': 120,
    'train_cfg.val_interval': 120,
}


@pytest.mark.parametrize('name', sorted(FINETUNE))
def test_finetune_recipe(name):
    cfg = Config.fromfile(osp.join(CFG, name))
    assert not _mismatches(cfg, FINETUNE_RECIPE)
    dataset, root, ids, size, seed = FINETUNE[name]
    for split in ('train', 'test'):
        ds = _get(cfg, f'{split}_dataloader.dataset')
        assert (ds.type, ds.data_root) == (dataset, root)
    assert cfg.model.head.num_classes == ids
    assert tuple(cfg.model.backbone.img_size) == size
    assert tuple(cfg.train_pipeline[3].crop_size) == size
    assert tuple(cfg.test_pipeline[1].scale) == size[::-1]
    assert cfg.randomness.seed == seed


def _forward_cases():
    """Tiny twins run in the fast suite, full ViT-S/16 configs are marked slow."""
    names = [PRETRAIN] + sorted(FINETUNE)
    return [pytest.param(osp.join(CFG, n), marks=pytest.mark.slow) for n in names] + \
        [osp.join(CFG, 'tiny', n) for n in names]


@pytest.mark.parametrize('path', _forward_cases(),
                         ids=lambda p: osp.relpath(p, CFG))
def test_every_config_runs_a_forward_pass(path):
    """Build each config's model and run its training loss and its test feature on
    inputs of the config's own sizes (2 identities x 2 images for ReID)."""
    import torch
    from mmengine.logging import MessageHub
    from mmpretrain.structures import DataSample

    from tests.utils import build_model
    cfg = Config.fromfile(path)
    if cfg.model.type == 'PASS':  # fewer prototypes (65536 -> 1024) keep it fast
        k = min(cfg.model.neck.out_channels, 1024)
        cfg.model.neck.out_channels = cfg.model.head.loss.out_channels = k
    torch.manual_seed(0)
    model = build_model(cfg)
    if cfg.model.type == 'PASS':
        MessageHub.get_current_instance().update_info('max_iters', 10)
        crop = cfg.train_pipeline[1]
        (gh, gw), (lh, lw) = crop.global_crop_size, crop.local_crop_size
        views = [torch.randn(1, 3, gh, gw) for _ in range(2)] + \
            [torch.randn(1, 3, lh, lw) for _ in range(crop.num_local_crops)]
        loss = model.loss(views)['loss']
        assert torch.isfinite(loss) and loss > 0
        x = views[0]
        dims = 2 * model.backbone.embed_dims
    else:
        h, w = cfg.model.backbone.img_size
        x = torch.randn(4, 3, h, w)
        samples = [DataSample().set_gt_label(i // 2) for i in range(4)]
        losses = model.loss(x, samples)
        assert set(losses) == {'loss_cls', 'loss_triplet'}
        assert all(torch.isfinite(v) for v in losses.values())
        dims = cfg.model.head.in_channels
    model.eval()
    with torch.no_grad():
        out = model(x, None, mode='predict')
    assert out[0].pred_feature.shape == (dims, )
