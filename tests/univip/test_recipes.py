"""Every full UniVIP config is the recipe of specs/univip.md (sections 1.3-1.6, 2 and 5),
builds, and runs a forward pass; the pre-trained encoder loads into both transfer backbones.

Expected values are written from the spec (and the mmpretrain / mmdet recipes it names),
not read back from the configs.
"""
import glob
import os.path as osp

import pytest
import torch

from tests.recipe_tables import (UNSET, check_row, expand, load_config, param_groups,
                                 row_id)
from tests.utils import REPO_ROOT, build_model, cls_forward, det_forward

D = 'configs/univip/'
COCO = D + 'univip_resnet50_8xb64-amp-coslr-800e_coco.py'
IN1K = D + 'univip_resnet50_16xb256-coslr-200e_in1k.py'
LINEAR = D + 'resnet50_8xb512-linear-coslr-90e_in1k.py'
DET = D + 'mask-rcnn_r50_fpn_ms-1x_coco.py'
SAMPLER = 'train_pipeline[type=UniVIPSceneInstanceSampler]'
AUGMENT = 'train_pipeline[type=UniVIPViewAugment]'
LARS_EXCLUDE = dict(decay_mult=0, lars_exclude=True)


def _views(first):
    """BYOL T1 (first=True) / T2 after the crop (ORL's augmentations, spec section 2)."""
    return [
        ('|types', ['RandomFlip', 'RandomApply', 'RandomGrayscale', 'GaussianBlur',
                    'Solarize']),
        ('[0].prob', 0.5),
        ('[1].prob', 0.8),
        ('[1].transforms[0].type', 'ColorJitter'),
        ('[1].transforms[0].brightness', 0.4),
        ('[1].transforms[0].contrast', 0.4),
        ('[1].transforms[0].saturation', 0.2),
        ('[1].transforms[0].hue', 0.1),
        ('[2].prob', 0.2),
        ('[3].prob', 1.0 if first else 0.1),
        ('[4].prob', 0.0 if first else 0.2),
    ]


def _pretrain(momentum):
    rows = [
        ('model.type', 'UniVIP'),
        ('model.backbone.type', 'ResNet'),
        ('model.backbone.depth', 50),
        ('model.backbone.norm_cfg.type', 'SyncBN'),
        ('model.backbone.zero_init_residual', False),
        ('model.neck.type', 'NonLinearNeck'),
        ('model.neck.in_channels', 2048),
        ('model.neck.hid_channels', 4096),
        ('model.neck.out_channels', 256),
        ('model.neck.with_avg_pool', True),
        ('model.head.type', 'LatentPredictHead'),
        ('model.head.loss.type', 'CosineSimilarityLoss'),
        ('model.head.predictor.in_channels', 256),
        ('model.head.predictor.hid_channels', 4096),
        ('model.head.predictor.out_channels', 256),
        ('model.num_instances', 4),
        ('model.embed_dim', 256),
        ('model.base_momentum', momentum),
        ('model.end_momentum', 0.0),
        ('model.ot', dict(type='SinkhornOT', eps=0.1, num_iters=50, mass='unit')),
        ('model.ot_weights', 'scene'),
        ('model.loss_weights', dict(scene=1.0, scene_instance=1.0, instance=1.0)),
        ('data_preprocessor.type', 'SelfSupDataPreprocessor'),
        ('data_preprocessor.mean', [123.675, 116.28, 103.53]),
        ('data_preprocessor.std', [58.395, 57.12, 57.375]),
        ('data_preprocessor.to_rgb', True),
        ('train_pipeline|types', ['LoadImageFromFile', 'UniVIPSceneInstanceSampler',
                                  'UniVIPViewAugment', 'PackInputs']),
        (f'{SAMPLER}.num_instances', 4),
        (f'{SAMPLER}.max_tries', 20),
        (f'{SAMPLER}.scene_size', 224),
        (f'{SAMPLER}.instance_size', 96),
        (f'{SAMPLER}.crop_ratio_range', (0.08, 1.0)),
        (f'{SAMPLER}.aspect_ratio_range', (3. / 4., 4. / 3.)),
        (f'{SAMPLER}.interpolation', 'bicubic'),
        (f'{SAMPLER}.min_overlap', 64),
        (f'{SAMPLER}.min_size', 64),
        (f'{SAMPLER}.max_ratio', 3.0),
        (f'{SAMPLER}.iou_thr', 0.5),
        (f'{SAMPLER}.instance_select', 'rank'),
        (f'{AUGMENT}.instance_two_views', True),
        ('train_pipeline[type=PackInputs].algorithm_keys', ['num_fallback_instances']),
        ('train_dataloader.dataset.type', 'UniVIPProposalDataset'),
        ('train_dataloader.drop_last', True),
        ('test_cfg.type', 'FrozenFeatureTestLoop'),
        ('test_cfg.bank_dataloader.dataset.split', 'train'),
        ('test_evaluator[0]', dict(type='KNNAccuracy', k=20, temperature=0.07,
                                   topk=(1, 5))),
    ]
    for i, first in ((0, True), (1, False)):
        rows += [(f'{AUGMENT}.scene_pipelines[{i}]{k}', v) for k, v in _views(first)]
        rows += [(f'{AUGMENT}.instance_pipelines[{i}]{k}', v) for k, v in _views(first)]
    return rows


TABLE = {
    COCO: _pretrain(0.01) + [
        ('train_dataloader.batch_size', 64),  # 8 GPUs x 64 = 512
        ('train_dataloader.dataset.data_prefix.img_path', 'train2017/'),
        ('optim_wrapper.type', 'AmpOptimWrapper'),
        ('optim_wrapper.optimizer', dict(type='SGD', lr=0.4, momentum=0.9,
                                         weight_decay=1e-4)),
        ('optim_wrapper.paramwise_cfg', UNSET),
        ('param_scheduler|types', ['LinearLR', 'CosineAnnealingLR']),
        ('param_scheduler[0].end', 4),
        ('param_scheduler[0].convert_to_iter_based', True),
        ('param_scheduler[1].begin', 4),
        ('param_scheduler[1].end', 800),
        ('param_scheduler[1].T_max', 796),
        ('param_scheduler[1].eta_min', 0.0),
        ('train_cfg.max_epochs', 800),
        ('auto_scale_lr.base_batch_size', 512),
    ],
    IN1K: _pretrain(0.004) + [
        ('train_dataloader.batch_size', 256),  # 16 GPUs x 256 = 4096
        ('train_dataloader.dataset.data_prefix.img_path', 'train/'),
        ('optim_wrapper.type', 'OptimWrapper'),
        ('optim_wrapper.optimizer', dict(type='LARS', lr=4.8, momentum=0.9,
                                         weight_decay=1e-6)),
        ('optim_wrapper.paramwise_cfg.custom_keys',
         {'bn': LARS_EXCLUDE, 'bias': LARS_EXCLUDE, 'downsample.1': LARS_EXCLUDE}),
        ('param_scheduler|types', ['LinearLR', 'CosineAnnealingLR']),
        ('param_scheduler[0].end', 10),
        ('param_scheduler[1].begin', 10),
        ('param_scheduler[1].end', 200),
        ('param_scheduler[1].T_max', 190),
        ('train_cfg.max_epochs', 200),
        ('auto_scale_lr.base_batch_size', 4096),
    ],
    LINEAR: [
        ('model.backbone.type', 'ResNet'),
        ('model.backbone.depth', 50),
        ('model.backbone.frozen_stages', 4),
        ('model.backbone.init_cfg.type', 'Pretrained'),
        ('model.backbone.init_cfg.prefix', 'backbone.'),
        ('model.neck.type', 'GlobalAveragePooling'),
        ('model.head.in_channels', 2048),
        ('model.head.num_classes', 1000),
        ('train_dataloader.batch_size', 512),
        ('optim_wrapper.optimizer', dict(type='LARS', lr=1.6, momentum=0.9,
                                         weight_decay=0.)),
        ('param_scheduler|types', ['CosineAnnealingLR']),
        ('param_scheduler[0].T_max', 90),
        ('train_cfg.max_epochs', 90),
        ('train_pipeline[type=RandomResizedCrop].scale', 224),
        ('test_pipeline[type=ResizeEdge].scale', 256),
        ('test_pipeline[type=CenterCrop].crop_size', 224),
    ],
    DET: [
        ('model.type', 'MaskRCNN'),
        ('model.backbone.depth', 50),
        ('model.backbone.frozen_stages', -1),
        ('model.backbone.norm_cfg', dict(type='SyncBN', requires_grad=True)),
        ('model.backbone.norm_eval', False),
        ('model.backbone.init_cfg.type', 'Pretrained'),
        ('model.backbone.init_cfg.prefix', 'backbone.'),
        ('model.neck.norm_cfg.type', 'SyncBN'),
        ('model.roi_head.bbox_head.type', 'Shared4Conv1FCBBoxHead'),
        ('model.roi_head.mask_head.norm_cfg.type', 'SyncBN'),
        ('train_pipeline[type=RandomChoiceResize].scales',
         [(1333, 640), (1333, 672), (1333, 704), (1333, 736), (1333, 768),
          (1333, 800)]),
        ('optim_wrapper.optimizer', dict(type='SGD', lr=0.02, momentum=0.9,
                                         weight_decay=1e-4)),
        ('train_dataloader.batch_size', 2),  # 8 GPUs x 2 = 16
        ('train_cfg.max_epochs', 12),
        ('param_scheduler[type=MultiStepLR].milestones', [8, 11]),
        ('auto_scale_lr.base_batch_size', 16),
    ],
}
ROWS = expand(TABLE)


def test_table_covers_every_full_config():
    configs = sorted(osp.relpath(p, REPO_ROOT)
                     for p in glob.glob(osp.join(REPO_ROOT, D, '*.py')))
    assert configs == sorted(TABLE)


@pytest.mark.parametrize('config,key,expected', ROWS, ids=map(row_id, ROWS))
def test_recipe_value(config, key, expected):
    check_row(config, key, expected)


def test_transfer_configs_load_the_univip_encoder():
    assert 'univip_resnet50_16xb256-coslr-200e_in1k/epoch_200.pth' in load_config(
        LINEAR).model.backbone.init_cfg.checkpoint
    assert 'univip_resnet50_8xb64-amp-coslr-800e_coco/epoch_800.pth' in load_config(
        DET).model.backbone.init_cfg.checkpoint


def test_lars_excludes_bn_and_bias_from_decay():
    """mmpretrain BYOL rule on the ImageNet recipe: BN and bias parameters, the
    downsample BN included, get no weight decay; every conv / linear weight gets 1e-6."""
    full = load_config(IN1K)
    model = build_model(load_config(D + 'tiny/' + osp.basename(IN1K)))
    groups = param_groups(model, full.optim_wrapper, 'mmpretrain')
    for name, (_, decay) in groups.items():
        no_decay = 'bn' in name or 'bias' in name or 'downsample.1' in name
        assert decay == (0.0 if no_decay else 1e-6), name
    assert groups['instance_fuse.weight'][1] == 1e-6


def _small_views(batch, k, two_views=True):
    g = torch.Generator().manual_seed(0)
    views = [torch.randn(batch, 3, 32, 32, generator=g) for _ in range(2)]
    return views + [torch.randn(batch, 3, 16, 16, generator=g)
                    for _ in range(k * (2 if two_views else 1))]


@pytest.mark.parametrize('config', [COCO, IN1K])
def test_full_pretrain_config_forward(config):
    """The full R-50 UniVIP (4 instances, 256-d) gives the three finite losses; small
    views keep it fast (the network is resolution-agnostic)."""
    from mmengine.logging import MessageHub
    MessageHub.get_current_instance().update_info('max_iters', 10)
    model = build_model(load_config(config)).eval()  # SyncBN on running stats
    with torch.no_grad():
        losses = model.loss(_small_views(1, 4), [])
    assert set(losses) == {'loss_scene', 'loss_scene_instance', 'loss_instance'}
    assert all(torch.isfinite(v) for v in losses.values())


def test_pretrained_encoder_loads_strictly_into_both_transfer_backbones():
    """mmpretrain's ResNet state (pre-training) is exactly the probe's and mmdet's ResNet
    (key names and shapes); checked on the tiny twins, which share the layer layout."""
    state = build_model(load_config(D + 'tiny/' + osp.basename(COCO))).backbone.state_dict()
    for config in (LINEAR, DET):
        cfg = load_config(D + 'tiny/' + osp.basename(config))
        cfg.model.backbone.init_cfg = None
        build_model(cfg).backbone.load_state_dict(state, strict=True)


def test_full_transfer_configs_forward():
    probe_cfg = load_config(LINEAR)
    probe_cfg.model.backbone.init_cfg = None
    scores = cls_forward(build_model(probe_cfg))
    assert scores[0].pred_score.shape == (1000, )
    det_cfg = load_config(DET)
    det_cfg.model.backbone.init_cfg = None
    out = det_forward(build_model(det_cfg), size=(64, 96))
    assert 'bboxes' in out[0].pred_instances
