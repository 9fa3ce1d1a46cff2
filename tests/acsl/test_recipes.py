"""Every full ACSL config is the recipe of the spec (specs/acsl.md, sections 2 and 5).

The expected values are written here from the spec's recipe (official configs of
CASIA-IVA-Lab/ACSL dd84144, and mmdet's Open Images recipe for the Open Images pair), not
read back from the configs; changing one value in a config fails the row that names it.
"""
import glob
import os.path as osp

import pytest

from tests.recipe_tables import MISSING, check_row, expand, row_id
from tests.utils import REPO_ROOT

D = 'configs/acsl/'
LEGACY = D + 'legacy_1.x/'

LVIS_TRAIN_PIPELINE = [
    'LoadImageFromFile', 'LoadAnnotations', 'Resize', 'RandomFlip',
    'PackDetInputs'
]
TEST_PIPELINE = [
    'LoadImageFromFile', 'Resize', 'LoadAnnotations', 'PackDetInputs'
]
CASCADE_STDS = [[0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1],
                [0.033, 0.033, 0.067, 0.067]]
ACSL_LOSS = dict(type='ACSLLoss', score_thr=0.7, bg_mode='official',
                 bg_sample_ratios=(0.01, 0.1, 1.0), loss_weight=1.0)


def _stage1(version, cascade):
    """Section 2, stage 1: softmax baseline of the official configs."""
    num_classes = 1230 if version == 'v0.5' else 1203
    head = 'model.roi_head.bbox_head' + ('[0]' if cascade else '')
    rows = [
        ('optim_wrapper.optimizer.type', 'SGD'),
        ('optim_wrapper.optimizer.lr', 0.01),
        ('optim_wrapper.optimizer.momentum', 0.9),
        ('optim_wrapper.optimizer.weight_decay', 1e-4),
        # one decay rule for every parameter (no paramwise_cfg)
        ('optim_wrapper.paramwise_cfg', MISSING),
        ('optim_wrapper.clip_grad.max_norm', 35),
        ('optim_wrapper.clip_grad.norm_type', 2),
        ('train_dataloader.batch_size', 2),
        ('auto_scale_lr.base_batch_size', 16),
        ('param_scheduler|types', ['LinearLR', 'MultiStepLR']),
        ('param_scheduler[type=LinearLR].start_factor', 1.0 / 3),
        ('param_scheduler[type=LinearLR].by_epoch', False),
        ('param_scheduler[type=LinearLR].end', 500),
        ('param_scheduler[type=MultiStepLR].milestones', [8, 11]),
        ('param_scheduler[type=MultiStepLR].gamma', 0.1),
        ('train_cfg.max_epochs', 12),
        # plain LVIS train set: no repeat-factor sampling
        ('train_dataloader.dataset.type',
         'LVISV05Dataset' if version == 'v0.5' else 'LVISV1Dataset'),
        ('train_dataloader.dataset.pipeline|types', LVIS_TRAIN_PIPELINE),
        ('train_dataloader.dataset.pipeline[type=Resize].scale', (1333, 800)),
        ('train_dataloader.dataset.pipeline[type=Resize].keep_ratio', True),
        ('train_dataloader.dataset.pipeline[type=LoadAnnotations].with_mask',
         False),
        ('train_dataloader.dataset.pipeline[type=RandomFlip].prob', 0.5),
        ('test_dataloader.dataset.pipeline|types', TEST_PIPELINE),
        ('test_dataloader.dataset.pipeline[type=Resize].scale', (1333, 800)),
        ('model.data_preprocessor.pad_size_divisor', 32),
        ('model.rpn_head.anchor_generator.scales', [8]),
        ('model.rpn_head.anchor_generator.ratios', [0.5, 1.0, 2.0]),
        ('model.rpn_head.anchor_generator.strides', [4, 8, 16, 32, 64]),
        ('model.train_cfg.rpn.sampler.num', 256),
        ('model.train_cfg.rpn.assigner.match_low_quality', True),
        ('model.train_cfg.rpn.sampler.pos_fraction', 0.5),
        ('model.roi_head.bbox_roi_extractor.roi_layer.output_size', 7),
        (f'{head}.num_classes', num_classes),
        (f'{head}.loss_cls.type', 'CrossEntropyLoss'),
        (f'{head}.loss_cls.use_sigmoid', False),
        ('model.test_cfg.rcnn.nms.iou_threshold', 0.5),
        ('model.test_cfg.rcnn.max_per_img', 300),
        ('model.test_cfg.rpn.max_per_img', 1000),
        ('val_evaluator.type', 'LVISMetric'),
        ('val_evaluator.metric', 'bbox'),
    ]
    if cascade:
        rows += [
            ('model.roi_head.stage_loss_weights', [1, 0.5, 0.25]),
            ('model.test_cfg.rcnn.score_thr', 0.001),
        ] + [(f'model.roi_head.bbox_head[{i}].bbox_coder.target_stds', s)
             for i, s in enumerate(CASCADE_STDS)] + [
            (f'model.train_cfg.rcnn[{i}].sampler.num', 512) for i in range(3)
        ] + [(f'model.train_cfg.rcnn[{i}].sampler.pos_fraction', 0.25)
             for i in range(3)] + [
            (f'model.train_cfg.rcnn[{i}].assigner.match_low_quality', False)
            for i in range(3)]
    else:
        rows += [
            # mmdet's LVIS default (official 0.0)
            ('model.test_cfg.rcnn.score_thr', 0.0001),
            ('model.train_cfg.rcnn.sampler.num', 512),
            ('model.train_cfg.rcnn.sampler.pos_fraction', 0.25),
            ('model.train_cfg.rcnn.sampler.add_gt_as_proposals', True),
            ('model.train_cfg.rcnn.assigner.pos_iou_thr', 0.5),
            ('model.train_cfg.rcnn.assigner.match_low_quality', False),
            ('model.roi_head.bbox_head.bbox_coder.target_stds',
             [0.1, 0.1, 0.2, 0.2]),
        ]
    return rows


def _stage2(version, cascade):
    """Section 2, stage 2: ACSL on the frozen stage-1 detector (fc_cls only)."""
    heads = ([f'model.roi_head.bbox_head[{i}]' for i in range(3)]
             if cascade else ['model.roi_head.bbox_head'])
    groups = f'data/lvis_{version}/annotations/lvis_{version}_val.json'
    rows = [(k, v) for k, v in _stage1(version, cascade)
            if not k.endswith(('loss_cls.type', 'loss_cls.use_sigmoid'))]
    rows = [(k, 0.02 if k == 'optim_wrapper.optimizer.lr' else v)
            for k, v in rows]
    for head in heads:
        rows += [(f'{head}.loss_cls.{k}', v) for k, v in ACSL_LOSS.items()]
        rows.append((f'{head}.loss_cls.label_groups_file', groups))
    rows += [
        ('custom_hooks|types', ['FreezeAllButHook']),
        ('custom_hooks[type=FreezeAllButHook].trainable',
         ['roi_head.bbox_head.*.fc_cls'] if cascade else
         ['roi_head.bbox_head.fc_cls']),
        ('find_unused_parameters', True),
    ]
    return rows


def _legacy(version, cascade, acsl):
    """mmdet v1 conventions for converted official checkpoints (section 5)."""
    rows = [
        ('model.rpn_head.anchor_generator.type', 'LegacyAnchorGenerator'),
        ('model.rpn_head.anchor_generator.center_offset', 0.5),
        ('model.rpn_head.anchor_generator.scales', [8]),
        ('model.rpn_head.bbox_coder.type', 'LegacyDeltaXYWHBBoxCoder'),
        ('model.roi_head.bbox_roi_extractor.roi_layer.type', 'RoIAlign'),
        ('model.roi_head.bbox_roi_extractor.roi_layer.aligned', False),
        ('model.roi_head.bbox_roi_extractor.roi_layer.sampling_ratio', 2),
        ('model.roi_head.bbox_roi_extractor.roi_layer.output_size', 7),
        ('test_dataloader.dataset.pipeline[type=Resize].scale', (1333, 800)),
        ('model.test_cfg.rcnn.max_per_img', 300),
        ('model.test_cfg.rcnn.score_thr', 0.001 if cascade else 0.0),
    ]
    if cascade:
        for i, stds in enumerate(CASCADE_STDS):
            head = f'model.roi_head.bbox_head[{i}]'
            rows += [(f'{head}.bbox_coder.type', 'LegacyDeltaXYWHBBoxCoder'),
                     (f'{head}.bbox_coder.target_stds', stds),
                     (f'{head}.loss_cls.type',
                      'ACSLLoss' if acsl else 'CrossEntropyLoss')]
    else:
        rows += [('model.roi_head.bbox_head.bbox_coder.type',
                  'LegacyDeltaXYWHBBoxCoder'),
                 ('model.roi_head.bbox_head.bbox_coder.target_stds',
                  [0.1, 0.1, 0.2, 0.2]),
                 ('model.roi_head.bbox_head.loss_cls.type',
                  'ACSLLoss' if acsl else 'CrossEntropyLoss')]
    return rows


def _backbone(depth, resnext=False):
    rows = [('model.backbone.depth', depth)]
    if resnext:
        rows += [('model.backbone.type', 'ResNeXt'),
                 ('model.backbone.groups', 64),
                 ('model.backbone.base_width', 4)]
    return rows


def _openimages(acsl):
    """mmdet's Open Images Faster R-CNN recipe (the paper's split is unknown)."""
    rows = [
        ('optim_wrapper.optimizer.type', 'SGD'),
        ('optim_wrapper.optimizer.lr', 0.08),
        ('optim_wrapper.optimizer.weight_decay', 1e-4),
        ('optim_wrapper.paramwise_cfg', MISSING),
        ('optim_wrapper.clip_grad.max_norm', 35),
        ('train_dataloader.batch_size', 2),
        ('auto_scale_lr.base_batch_size', 64),
        ('param_scheduler[type=MultiStepLR].milestones', [8, 11]),
        ('train_cfg.max_epochs', 12),
        ('model.roi_head.bbox_head.num_classes', 601),
        ('train_dataloader.dataset.pipeline[type=Resize].scale', (1024, 800)),
        ('test_dataloader.dataset.pipeline[type=Resize].scale', (1024, 800)),
        ('val_evaluator.type', 'OpenImagesMetric'),
        ('val_evaluator.iou_thrs', 0.5),
    ]
    if acsl:
        rows += [(f'model.roi_head.bbox_head.loss_cls.{k}', v)
                 for k, v in ACSL_LOSS.items()]
        rows += [
            ('param_scheduler[type=LinearLR].end', 500),
            ('param_scheduler[type=LinearLR].start_factor', 1.0 / 3),
            ('custom_hooks|types', ['FreezeAllButHook', 'ACSLFrequencyHook']),
            ('custom_hooks[type=ACSLFrequencyHook].source', 'image_counts'),
            ('custom_hooks[type=FreezeAllButHook].trainable',
             ['roi_head.bbox_head.fc_cls']),
        ]
    else:
        rows += [
            ('param_scheduler[type=LinearLR].end', 26000),
            ('param_scheduler[type=LinearLR].start_factor', 1.0 / 64),
            ('model.roi_head.bbox_head.loss_cls.type', 'CrossEntropyLoss'),
        ]
    return rows


TABLE = {}
for v in ('v0.5', 'v1'):
    for depth, arch in ((50, 'r50'), (101, 'r101')):
        TABLE[f'{D}faster-rcnn_{arch}_fpn_8xb2-1x_lvis-{v}.py'] = \
            _stage1(v, False) + _backbone(depth)
        TABLE[f'{D}faster-rcnn_{arch}_fpn_acsl-tunefc_8xb2-1x_lvis-{v}.py'] = \
            _stage2(v, False) + _backbone(depth)
TABLE[f'{D}faster-rcnn_x101-64x4d_fpn_8xb2-1x_lvis-v0.5.py'] = \
    _stage1('v0.5', False) + _backbone(101, True)
TABLE[f'{D}faster-rcnn_x101-64x4d_fpn_acsl-tunefc_8xb2-1x_lvis-v0.5.py'] = \
    _stage2('v0.5', False) + _backbone(101, True)
for arch, resnext in (('r101', False), ('x101-64x4d', True)):
    TABLE[f'{D}cascade-rcnn_{arch}_fpn_8xb2-1x_lvis-v0.5.py'] = \
        _stage1('v0.5', True) + _backbone(101, resnext)
    TABLE[f'{D}cascade-rcnn_{arch}_fpn_acsl-tunefc_8xb2-1x_lvis-v0.5.py'] = \
        _stage2('v0.5', True) + _backbone(101, resnext)
TABLE[f'{D}faster-rcnn_r50_fpn_32xb2-1x_openimages.py'] = _openimages(False)
TABLE[f'{D}faster-rcnn_r50_fpn_acsl-tunefc_32xb2-1x_openimages.py'] = \
    _openimages(True)
for det in ('faster-rcnn_r50', 'faster-rcnn_r101', 'faster-rcnn_x101-64x4d',
            'cascade-rcnn_r101', 'cascade-rcnn_x101-64x4d'):
    for acsl in (False, True):
        name = f"{det}_fpn_{'acsl-tunefc_' if acsl else ''}8xb2-1x_lvis-v0.5"
        TABLE[f'{LEGACY}{name}_v1.py'] = _legacy(
            'v0.5', det.startswith('cascade'), acsl)

ROWS = expand(TABLE)


def test_table_covers_every_full_config():
    configs = sorted(
        osp.relpath(p, REPO_ROOT)
        for pattern in ('*.py', 'legacy_1.x/*.py')
        for p in glob.glob(osp.join(REPO_ROOT, D, pattern)))
    assert configs == sorted(TABLE)


@pytest.mark.parametrize('config,key,expected', ROWS, ids=map(row_id, ROWS))
def test_recipe_value(config, key, expected):
    check_row(config, key, expected)


def test_prior_bias_init_option():
    """End-to-end ACSL training: fc_cls starts at the prior 0.01 (bias -4.595)."""
    import torch
    from mmdet.registry import MODELS
    from mmengine.registry import init_default_scope

    import projects.acsl  # noqa: F401
    from tests.recipe_tables import load_config
    init_default_scope('mmdet')
    init_cfg = load_config(D + '_base_/acsl_prior_init.py').acsl_bbox_head_init_cfg
    torch.manual_seed(0)
    head = MODELS.build(
        dict(type='Shared2FCBBoxHead', in_channels=8, fc_out_channels=16,
             roi_feat_size=2, num_classes=30, init_cfg=init_cfg,
             loss_cls=dict(ACSL_LOSS, bg_mode='adaptive')))
    head.init_weights()
    assert head.fc_cls.out_features == 31
    torch.testing.assert_close(head.fc_cls.bias,
                               torch.full((31, ), -4.59512), atol=1e-4,
                               rtol=0)
    assert abs(float(head.fc_cls.weight.detach().std()) - 0.01) < 0.002
    # the other layers keep mmdet's defaults
    assert abs(float(head.fc_reg.weight.detach().std()) - 0.001) < 0.0003
    assert float(head.shared_fcs[0].bias.abs().max()) == 0.0


@pytest.mark.parametrize('name', [
    'faster-rcnn_r50_fpn_acsl-tunefc_8xb2-1x_lvis-v0.5_v1.py',
    'cascade-rcnn_r101_fpn_acsl-tunefc_8xb2-1x_lvis-v0.5_v1.py'
])
def test_legacy_components_build_with_v1_conventions(name):
    """The legacy configs' pieces build and follow mmdet v1: anchors centred at
    (stride - 1) / 2, "+1" box widths, RoIAlign without the half-pixel shift."""
    import torch
    from mmdet.registry import MODELS, TASK_UTILS
    from mmengine.registry import init_default_scope

    import projects.acsl  # noqa: F401
    from tests.recipe_tables import load_config
    init_default_scope('mmdet')
    model = load_config(LEGACY + name).model
    anchors = TASK_UTILS.build(model.rpn_head.anchor_generator)
    base = anchors.grid_priors([(2, 2)] * 5, device='cpu')[0]
    centres = (base[:, :2] + base[:, 2:]) / 2
    # stride 4: first cell centred at 1.5 (mmdet 3: 0.0)
    assert torch.allclose(centres[0], torch.tensor([1.5, 1.5]))
    heads = model.roi_head.bbox_head
    for head in heads if isinstance(heads, list) else [heads]:
        coder = TASK_UTILS.build(head.bbox_coder)
        box = coder.decode(torch.tensor([[10., 10., 19., 19.]]),
                           torch.zeros(1, 4), max_shape=(100, 100))
        # v1 widths count both end pixels (w = x2 - x1 + 1 = 10); mmdet's legacy
        # coder keeps that width around the centre (mmdet 3's coder: 10..19)
        assert torch.equal(box, torch.tensor([[9.5, 9.5, 19.5, 19.5]]))
    extractor = MODELS.build(model.roi_head.bbox_roi_extractor)
    layer = extractor.roi_layers[0]
    assert not layer.aligned and layer.sampling_ratio == 2


TINY_STAGE2 = sorted(
    osp.relpath(p, REPO_ROOT) for p in glob.glob(
        osp.join(REPO_ROOT, D, 'tiny', '*acsl-tunefc*lvis*.py')))


@pytest.mark.parametrize('stage2', TINY_STAGE2, ids=osp.basename)
def test_tiny_stage2_doubles_the_stage1_lr(stage2):
    """As the recipe (0.01 -> 0.02), the tiny ACSL twin uses twice its stage-1 lr."""
    from tests.recipe_tables import load_config
    stage1 = stage2.replace('acsl-tunefc_', '')
    lr1 = load_config(stage1).optim_wrapper.optimizer.lr
    lr2 = load_config(stage2).optim_wrapper.optimizer.lr
    assert lr2 == pytest.approx(2 * lr1), (stage1, lr1, stage2, lr2)
