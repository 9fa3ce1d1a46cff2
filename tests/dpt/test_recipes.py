"""Every full DPT config is the recipe of the spec (specs/dpt.md, sections (b) and (e)).

Expected values are written from the spec (the official DPT configs, mmdet 2.8; PVT's
segmentation recipe for the FPN configs), not read back from the configs. The
weight-decay rules are checked on the optimizer built for the tiny twin's model, which
has the full model's parameter names and module types.
"""
import glob
import os.path as osp

import pytest

from tests.recipe_tables import (MISSING, UNSET, check_row, expand, load_config,
                                 param_groups, row_id)
from tests.utils import REPO_ROOT, build_model

D = 'configs/dpt/'
ARCHS = ('tiny', 'small', 'medium')
MS_SCALES = [(1333, s) for s in range(640, 801, 32)]
DET_TEST = ['LoadImageFromFile', 'Resize', 'LoadAnnotations', 'PackDetInputs']


def _backbone(arch, out_indices=(0, 1, 2, 3)):
    return [
        ('model.backbone.type', 'DeformablePatchTransformer'),
        ('model.backbone.arch', arch),
        ('model.backbone.drop_path_rate', 0.1),
        ('model.backbone.out_indices', out_indices),
    ]


def _coco(arch, detector, schedule):
    """RetinaNet / Mask R-CNN, 1x or MS+3x, 8 GPUs x 2 images."""
    lr = 1e-4 if detector == 'retinanet' else 2e-4
    rows = _backbone(arch) + [
        ('optim_wrapper.optimizer.type', 'AdamW'),
        ('optim_wrapper.optimizer.lr', lr),
        ('optim_wrapper.optimizer.weight_decay', 1e-4),
        ('optim_wrapper.paramwise_cfg', MISSING),
        ('optim_wrapper.clip_grad', UNSET),
        ('train_dataloader.batch_size', 2),
        ('auto_scale_lr.base_batch_size', 16),
        ('param_scheduler|types', ['LinearLR', 'MultiStepLR']),
        ('param_scheduler[type=LinearLR].start_factor', 1e-3),
        ('param_scheduler[type=LinearLR].by_epoch', False),
        ('param_scheduler[type=LinearLR].end', 500),
        ('model.neck.in_channels', [64, 128, 320, 512]),
        ('model.neck.out_channels', 256),
        ('model.neck.num_outs', 5),
        ('model.data_preprocessor.pad_size_divisor', 32),
        ('train_dataloader.dataset.pipeline[type=RandomFlip].prob', 0.5),
        ('test_dataloader.dataset.pipeline|types', DET_TEST),
        ('test_dataloader.dataset.pipeline[type=Resize].scale', (1333, 800)),
    ]
    if detector == 'retinanet':
        rows += [('model.neck.start_level', 1),
                 ('model.neck.add_extra_convs', 'on_input')]
    else:
        # FPN's default start_level 0
        rows += [('model.neck.start_level', MISSING)]
    if schedule == '1x':
        rows += [
            ('param_scheduler[type=MultiStepLR].milestones', [8, 11]),
            ('train_cfg.max_epochs', 12),
            ('train_dataloader.dataset.pipeline[type=Resize].scale',
             (1333, 800)),
        ]
    else:
        rows += [
            ('param_scheduler[type=MultiStepLR].milestones', [28, 34]),
            ('train_cfg.max_epochs', 36),
            ('train_dataloader.dataset.pipeline[type=RandomChoiceResize].scales',
             MS_SCALES),
            ('train_dataloader.dataset.pipeline[type=RandomChoiceResize]'
             '.keep_ratio', True),
        ]
        if detector == 'mask-rcnn':
            rows.append((
                'train_dataloader.dataset.pipeline[type=LoadAnnotations]'
                '.poly2mask', False))
    return rows


def _imagenet(arch):
    """DeiT-style recipe of the official classification code."""
    return _backbone(arch, (3, )) + [
        ('model.backbone.out_type', 'cls_token'),
        ('model.head.loss.type', 'LabelSmoothLoss'),
        ('model.head.loss.label_smooth_val', 0.1),
        ('model.train_cfg.augments',
         [dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)]),
        ('optim_wrapper.optimizer.type', 'AdamW'),
        ('optim_wrapper.optimizer.lr', 1e-3),
        ('optim_wrapper.optimizer.weight_decay', 0.05),
        ('optim_wrapper.optimizer.eps', 1e-8),
        ('optim_wrapper.clip_grad', UNSET),
        ('train_dataloader.batch_size', 128),
        ('train_dataloader.sampler.type', 'RepeatAugSampler'),
        ('auto_scale_lr.base_batch_size', 1024),
        ('param_scheduler|types', ['LinearLR', 'CosineAnnealingLR']),
        ('param_scheduler[type=LinearLR].start_factor', 1e-3),
        ('param_scheduler[type=LinearLR].end', 5),
        ('param_scheduler[type=LinearLR].by_epoch', True),
        ('param_scheduler[type=CosineAnnealingLR].begin', 5),
        ('param_scheduler[type=CosineAnnealingLR].end', 300),
        ('param_scheduler[type=CosineAnnealingLR].eta_min', 1e-5),
        ('train_cfg.max_epochs', 300),
        ('train_dataloader.dataset.pipeline[type=RandomResizedCrop].scale', 224),
        ('train_dataloader.dataset.pipeline[type=RandomResizedCrop]'
         '.interpolation', 'bicubic'),
        ('train_dataloader.dataset.pipeline[type=RandAugment].magnitude_level',
         9),
        ('train_dataloader.dataset.pipeline[type=RandomErasing].erase_prob',
         0.25),
        ('test_dataloader.dataset.pipeline[type=ResizeEdge].scale', 256),
        ('test_dataloader.dataset.pipeline[type=ResizeEdge].interpolation',
         'bicubic'),
        ('test_dataloader.dataset.pipeline[type=CenterCrop].crop_size', 224),
        ('custom_hooks[type=DropPathWarmupHook].warmup_epochs', 100),
        ('custom_hooks[type=DropPathWarmupHook].drop_path_rate', 0.1),
    ]


def _ade20k(arch):
    """PVT's semantic FPN recipe (the DPT paper has no segmentation)."""
    return _backbone(arch) + [
        ('model.neck.in_channels', [64, 128, 320, 512]),
        ('model.neck.num_outs', 4),
        ('model.decode_head.num_classes', 150),
        ('optim_wrapper.optimizer.type', 'AdamW'),
        ('optim_wrapper.optimizer.lr', 1e-4),
        ('optim_wrapper.optimizer.weight_decay', 1e-4),
        ('optim_wrapper.paramwise_cfg', MISSING),
        ('param_scheduler|types', ['PolyLR']),
        ('param_scheduler[type=PolyLR].power', 0.9),
        ('param_scheduler[type=PolyLR].eta_min', 0.0),
        ('param_scheduler[type=PolyLR].end', 80000),
        ('train_cfg.max_iters', 80000),
        ('train_dataloader.batch_size', 2),
        ('model.data_preprocessor.size', (512, 512)),
        ('train_dataloader.dataset.pipeline[type=RandomCrop].crop_size',
         (512, 512)),
        ('test_dataloader.dataset.pipeline[type=Resize].scale', (2048, 512)),
    ]


DETR = _backbone('small', (3, )) + [
    ('model.neck.in_channels', [512]),
    ('optim_wrapper.optimizer.type', 'AdamW'),
    ('optim_wrapper.optimizer.lr', 1e-4),
    ('optim_wrapper.optimizer.weight_decay', 1e-4),
    ('optim_wrapper.clip_grad.max_norm', 0.1),
    ('optim_wrapper.paramwise_cfg.custom_keys',
     {'backbone': dict(lr_mult=0.1, decay_mult=1.0)}),
    ('train_dataloader.batch_size', 2),
    ('auto_scale_lr.base_batch_size', 16),
    ('param_scheduler|types', ['MultiStepLR']),
    ('param_scheduler[type=MultiStepLR].milestones', [33]),
    ('train_cfg.max_epochs', 50),
    # official DPT DETR pipeline: multi-scale resize + flip, no crop, pad 32
    ('train_dataloader.dataset.pipeline|types',
     ['LoadImageFromFile', 'LoadAnnotations', 'RandomChoiceResize',
      'RandomFlip', 'PackDetInputs']),
    ('train_dataloader.dataset.pipeline[type=RandomChoiceResize].scales',
     MS_SCALES),
    ('train_dataloader.dataset.pipeline[type=RandomChoiceResize].keep_ratio',
     True),
    ('train_dataloader.dataset.pipeline[type=RandomFlip].prob', 0.5),
    ('model.data_preprocessor.pad_size_divisor', 32),
    ('test_dataloader.dataset.pipeline|types', DET_TEST),
    ('test_dataloader.dataset.pipeline[type=Resize].scale', (1333, 800)),
]

TABLE = {f'{D}detr_dpt-small_8xb2_50e_coco.py': DETR}
for a in ARCHS:
    TABLE[f'{D}dpt-{a}_8xb128_300e_in1k.py'] = _imagenet(a)
    TABLE[f'{D}fpn_dpt-{a}_8xb2_80k_ade20k-512x512.py'] = _ade20k(a)
    TABLE[f'{D}retinanet_dpt-{a}-fpn_8xb2_1x_coco.py'] = _coco(
        a, 'retinanet', '1x')
    TABLE[f'{D}retinanet_dpt-{a}-fpn_8xb2_ms-3x_coco.py'] = _coco(
        a, 'retinanet', '3x')
    TABLE[f'{D}mask-rcnn_dpt-{a}-fpn_8xb2_1x_coco.py'] = _coco(
        a, 'mask-rcnn', '1x')
    TABLE[f'{D}mask-rcnn_dpt-{a}-fpn_8xb2_ms-poly-3x_coco.py'] = _coco(
        a, 'mask-rcnn', '3x')
ROWS = expand(TABLE)


def test_table_covers_every_full_config():
    configs = sorted(osp.relpath(p, REPO_ROOT)
                     for p in glob.glob(osp.join(REPO_ROOT, D, '*.py')))
    assert configs == sorted(TABLE)


@pytest.mark.parametrize('config,key,expected', ROWS, ids=map(row_id, ROWS))
def test_recipe_value(config, key, expected):
    check_row(config, key, expected)


@pytest.mark.parametrize('arch', ARCHS)
def test_imagenet_weight_decay_rule(arch):
    """timm's rule: no decay on 1-D parameters (norms, biases, wh_bias) and the cls
    token; position embeddings and weights keep 0.05."""
    full = load_config(f'{D}dpt-{arch}_8xb128_300e_in1k.py')
    model = build_model(load_config(f'{D}tiny/dpt-{arch}_8xb128_300e_in1k.py'))
    groups = param_groups(model, full.optim_wrapper, 'mmpretrain')
    kinds = set()
    for name, param in model.named_parameters():
        no_decay = param.ndim <= 1 or name.endswith('cls_token')
        if 'wh_bias' in name:
            kinds.add('wh_bias')
        if 'pos_embed' in name:
            kinds.add('pos_embed')
            assert not no_decay
        assert groups[name] == (1e-3, 0.0 if no_decay else 0.05), name
    assert kinds == {'wh_bias', 'pos_embed'}


def test_detr_backbone_lr_and_decay():
    """DETR: backbone lr x 0.1, weight decay 1e-4 on every parameter."""
    full = load_config(f'{D}detr_dpt-small_8xb2_50e_coco.py')
    model = build_model(load_config(f'{D}tiny/detr_dpt-small_8xb2_50e_coco.py'))
    groups = param_groups(model, full.optim_wrapper, 'mmdet')
    for name, _ in model.named_parameters():
        lr = 1e-5 if name.startswith('backbone.') else 1e-4
        assert groups[name][0] == pytest.approx(lr, rel=1e-9), name
        assert groups[name][1] == pytest.approx(1e-4, rel=1e-9), name
