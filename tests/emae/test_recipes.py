"""Every full EMAE config is the recipe it names (specs/emae.md sections 2 and 5).

Pre-training: mmpretrain's MAE recipe with EMAE's parts (section 2). Transfer: the
mmpretrain MAE fine-tuning / linear-probe benchmarks, ViTDet's Mask R-CNN recipe
(mmdet projects/ViTDet, lsj-100e) and mmseg's MAE UperNet recipe. Expected values are
written from those recipes, not read back from the configs. Weight-decay rules are
checked on the optimizer built for each tiny twin's model (same parameter names and
module types as the full model).
"""
import glob
import os.path as osp

import pytest

from tests.recipe_tables import (check_row, expand, load_config, param_groups,
                                 row_id)
from tests.utils import REPO_ROOT, build_model

D = 'configs/emae/'
PRETRAIN_PIPELINE = ['LoadImageFromFile', 'RandomResizedCrop', 'RandomFlip',
                     'PackInputs']
NO_DECAY_MAE = {k: dict(decay_mult=0.0)
                for k in ('ln', 'bias', 'pos_embed', 'mask_token', 'cls_token')}


def _pretrain(arch, epochs):
    return [
        ('model.type', 'EMAE'),
        ('model.backbone.type', 'EMAEViT'),
        ('model.backbone.arch', arch),
        ('model.backbone.patch_size', 16),
        ('model.backbone.mask_ratio', 0.75),
        ('model.backbone.num_parts', 4),
        ('model.neck.type', 'MAEPretrainDecoder'),
        ('model.neck.embed_dim', 768 if arch == 'b' else 1024),
        ('model.neck.decoder_embed_dim', 512),
        ('model.neck.decoder_depth', 8),
        ('model.neck.decoder_num_heads', 16),
        ('model.neck.num_patches', 196),
        ('model.head.type', 'EMAEPretrainHead'),
        ('model.head.norm_pix', True),
        ('model.head.patch_size', 16),
        ('model.head.loss.type', 'PixelReconstructionLoss'),
        ('model.head.loss.criterion', 'L2'),
        ('model.head.consistency_weight', 1.0),
        ('model.head.consistency_criterion', 'L2'),
        ('model.head.consistency_stop_grad', True),
        ('model.head.consistency_pairs', 'all'),
        ('model.head.consistency_target', 'raw'),
        ('optim_wrapper.type', 'AmpOptimWrapper'),
        ('optim_wrapper.optimizer.type', 'AdamW'),
        # 1.5e-4 * batch / 256 at 8 x 128 images
        ('optim_wrapper.optimizer.lr', 1.5e-4 * 1024 / 256),
        ('optim_wrapper.optimizer.betas', (0.9, 0.95)),
        ('optim_wrapper.optimizer.weight_decay', 0.05),
        ('optim_wrapper.paramwise_cfg.custom_keys', NO_DECAY_MAE),
        ('train_dataloader.batch_size', 128),
        ('auto_scale_lr.base_batch_size', 1024),
        ('param_scheduler|types', ['LinearLR', 'CosineAnnealingLR']),
        ('param_scheduler[type=LinearLR].start_factor', 1e-4),
        ('param_scheduler[type=LinearLR].end', 40),
        ('param_scheduler[type=LinearLR].convert_to_iter_based', True),
        ('param_scheduler[type=CosineAnnealingLR].begin', 40),
        ('param_scheduler[type=CosineAnnealingLR].end', epochs),
        ('param_scheduler[type=CosineAnnealingLR].T_max', epochs - 40),
        ('train_cfg.max_epochs', epochs),
        ('train_dataloader.dataset.pipeline|types', PRETRAIN_PIPELINE),
        ('train_dataloader.dataset.pipeline[type=RandomResizedCrop].scale',
         224),
        ('train_dataloader.dataset.pipeline[type=RandomResizedCrop]'
         '.crop_ratio_range', (0.2, 1.0)),
        ('train_dataloader.dataset.pipeline[type=RandomResizedCrop]'
         '.interpolation', 'bicubic'),
        ('train_dataloader.dataset.pipeline[type=RandomFlip].prob', 0.5),
    ]


FINETUNE = [
    ('model.backbone.arch', 'base'),
    ('model.backbone.drop_path_rate', 0.1),
    ('model.backbone.final_norm', False),
    ('model.backbone.out_type', 'avg_featmap'),
    ('model.backbone.init_cfg.prefix', 'backbone.'),
    ('model.head.loss.type', 'LabelSmoothLoss'),
    ('model.head.loss.label_smooth_val', 0.1),
    ('model.train_cfg.augments',
     [dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)]),
    ('optim_wrapper.optimizer.type', 'AdamW'),
    ('optim_wrapper.optimizer.lr', 2e-3),
    ('optim_wrapper.optimizer.weight_decay', 0.05),
    ('optim_wrapper.constructor', 'LearningRateDecayOptimWrapperConstructor'),
    ('optim_wrapper.paramwise_cfg.layer_decay_rate', 0.65),
    ('train_dataloader.batch_size', 128),
    ('auto_scale_lr.base_batch_size', 1024),
    ('param_scheduler|types', ['LinearLR', 'CosineAnnealingLR']),
    ('param_scheduler[type=LinearLR].end', 5),
    ('param_scheduler[type=CosineAnnealingLR].begin', 5),
    ('param_scheduler[type=CosineAnnealingLR].end', 100),
    ('train_cfg.max_epochs', 100),
    ('train_dataloader.dataset.pipeline[type=RandAugment].magnitude_level', 9),
    ('test_dataloader.dataset.pipeline[type=ResizeEdge].scale', 256),
    ('test_dataloader.dataset.pipeline[type=CenterCrop].crop_size', 224),
]

LINEAR = [
    ('model.backbone.frozen_stages', 12),
    ('model.backbone.out_type', 'cls_token'),
    ('model.backbone.init_cfg.prefix', 'backbone.'),
    ('model.neck.type', 'ClsBatchNormNeck'),
    ('optim_wrapper.optimizer.type', 'LARS'),
    ('optim_wrapper.optimizer.lr', 6.4),
    ('optim_wrapper.optimizer.weight_decay', 0.0),
    ('train_dataloader.batch_size', 2048),
    ('param_scheduler[type=LinearLR].end', 10),
    ('param_scheduler[type=CosineAnnealingLR].end', 90),
    ('train_cfg.max_epochs', 90),
]

VITDET = [
    ('model.backbone.type', 'mmpretrain.VisionTransformer'),
    ('model.backbone.arch', 'base'),
    ('model.backbone.img_size', 1024),
    ('model.backbone.drop_path_rate', 0.1),
    ('model.backbone.init_cfg.prefix', 'backbone.'),
    ('model.rpn_head.num_convs', 2),
    ('model.roi_head.bbox_head.type', 'Shared4Conv1FCBBoxHead'),
    ('model.data_preprocessor.pad_size_divisor', 32),
    ('model.data_preprocessor.batch_augments',
     [dict(type='BatchFixedSizePad', size=(1024, 1024), pad_mask=True)]),
    ('optim_wrapper.type', 'AmpOptimWrapper'),
    ('optim_wrapper.optimizer.type', 'AdamW'),
    ('optim_wrapper.optimizer.lr', 1e-4),
    ('optim_wrapper.optimizer.betas', (0.9, 0.999)),
    ('optim_wrapper.optimizer.weight_decay', 0.1),
    ('optim_wrapper.paramwise_cfg.layer_decay_rate', 0.7),
    ('train_dataloader.batch_size', 8),
    ('auto_scale_lr.base_batch_size', 64),
    ('param_scheduler|types', ['LinearLR', 'MultiStepLR']),
    ('param_scheduler[type=LinearLR].start_factor', 0.001),
    ('param_scheduler[type=LinearLR].end', 250),
    ('param_scheduler[type=LinearLR].by_epoch', False),
    ('param_scheduler[type=MultiStepLR].milestones', [163889, 177546]),
    ('param_scheduler[type=MultiStepLR].by_epoch', False),
    ('param_scheduler[type=MultiStepLR].end', 184375),
    ('train_cfg.type', 'IterBasedTrainLoop'),
    ('train_cfg.max_iters', 184375),
    ('train_dataloader.dataset.type', 'CocoDataset'),
    ('train_dataloader.dataset.pipeline|types',
     ['LoadImageFromFile', 'LoadAnnotations', 'RandomFlip', 'RandomResize',
      'RandomCrop', 'FilterAnnotations', 'Pad', 'PackDetInputs']),
    ('train_dataloader.dataset.pipeline[type=RandomResize].scale',
     (1024, 1024)),
    ('train_dataloader.dataset.pipeline[type=RandomResize].ratio_range',
     (0.1, 2.0)),
    ('train_dataloader.dataset.pipeline[type=RandomCrop].crop_size',
     (1024, 1024)),
    ('train_dataloader.dataset.pipeline[type=Pad].pad_val',
     dict(img=(114, 114, 114))),
    ('test_dataloader.dataset.pipeline|types',
     ['LoadImageFromFile', 'Resize', 'Pad', 'LoadAnnotations',
      'PackDetInputs']),
    ('test_dataloader.dataset.pipeline[type=Resize].scale', (1024, 1024)),
    ('test_dataloader.dataset.pipeline[type=Pad].size', (1024, 1024)),
    ('test_dataloader.dataset.pipeline[type=Pad].pad_val',
     dict(img=(114, 114, 114))),
]

UPERNET = [
    ('model.backbone.type', 'mmpretrain.VisionTransformer'),
    ('model.backbone.img_size', 512),
    ('model.backbone.out_indices', (3, 5, 7, 11)),
    ('model.backbone.drop_path_rate', 0.1),
    ('model.backbone.init_cfg.prefix', 'backbone.'),
    ('model.decode_head.type', 'UPerHead'),
    ('model.decode_head.num_classes', 150),
    ('optim_wrapper.type', 'AmpOptimWrapper'),
    ('optim_wrapper.optimizer.type', 'AdamW'),
    ('optim_wrapper.optimizer.lr', 1e-4),
    ('optim_wrapper.optimizer.weight_decay', 0.05),
    ('optim_wrapper.paramwise_cfg.layer_decay_rate', 0.65),
    ('train_dataloader.batch_size', 2),
    ('param_scheduler|types', ['LinearLR', 'PolyLR']),
    ('param_scheduler[type=LinearLR].start_factor', 1e-6),
    ('param_scheduler[type=LinearLR].end', 1500),
    ('param_scheduler[type=PolyLR].power', 1.0),
    ('param_scheduler[type=PolyLR].begin', 1500),
    ('param_scheduler[type=PolyLR].end', 160000),
    ('param_scheduler[type=PolyLR].eta_min', 0.0),
    ('train_cfg.max_iters', 160000),
    ('train_dataloader.dataset.pipeline[type=RandomCrop].crop_size',
     (512, 512)),
    ('test_dataloader.dataset.pipeline[type=Resize].scale', (2048, 512)),
]

TABLE = {
    f'{D}emae_vit-base-p16_8xb128-amp-coslr-300e_in1k.py': _pretrain('b', 300),
    f'{D}emae_vit-base-p16_8xb128-amp-coslr-800e_in1k.py': _pretrain('b', 800),
    f'{D}emae_vit-large-p16_8xb128-amp-coslr-300e_in1k.py': _pretrain('l', 300),
    f'{D}vit-base-p16_8xb128-coslr-100e_in1k.py': FINETUNE,
    f'{D}vit-base-p16_8xb2048-linear-coslr-90e_in1k.py': LINEAR,
    f'{D}mask-rcnn_vit-base-p16_8xb8-lsj-100e_coco.py': VITDET,
    f'{D}upernet_vit-base-p16_8xb2-amp-160k_ade20k-512x512.py': UPERNET,
}
ROWS = expand(TABLE)


def test_table_covers_every_full_config():
    configs = sorted(osp.relpath(p, REPO_ROOT)
                     for p in glob.glob(osp.join(REPO_ROOT, D, '*.py')))
    assert configs == sorted(TABLE)


@pytest.mark.parametrize('config,key,expected', ROWS, ids=map(row_id, ROWS))
def test_recipe_value(config, key, expected):
    check_row(config, key, expected)


def _is_norm(model, name):
    import torch.nn as nn
    module = model.get_submodule(name.rsplit('.', 1)[0])
    return isinstance(module, (nn.LayerNorm, nn.GroupNorm, nn.modules.batchnorm
                               ._BatchNorm))


def test_pretrain_weight_decay_rule():
    """MAE: no decay on norms, biases, pos_embed, mask_token, cls_token; 0.05 else."""
    name = 'emae_vit-base-p16_8xb128-amp-coslr-300e_in1k.py'
    full = load_config(D + name)
    model = build_model(load_config(D + 'tiny/' + name))
    groups = param_groups(model, full.optim_wrapper, 'mmpretrain')
    seen = set()
    for pname, param in model.named_parameters():
        if not param.requires_grad:  # MAE's fixed sin-cos position embeddings
            assert 'pos_embed' in pname, pname
            continue
        kind = next((k for k in ('pos_embed', 'mask_token', 'cls_token')
                     if k in pname), None)
        if kind is None and _is_norm(model, pname):
            kind = 'norm'
        if kind is None and pname.endswith('bias'):
            kind = 'bias'
        seen.add(kind)
        assert groups[pname][1] == (0.0 if kind else 0.05), pname
    assert seen == {'mask_token', 'cls_token', 'norm', 'bias', None}


@pytest.mark.parametrize('name,rate,wd,scope', [
    ('mask-rcnn_vit-base-p16_8xb8-lsj-100e_coco.py', 0.7, 0.1, 'mmdet'),
    ('upernet_vit-base-p16_8xb2-amp-160k_ade20k-512x512.py', 0.65, 0.05,
     'mmseg'),
])
def test_transfer_weight_decay_and_layer_decay(name, rate, wd, scope):
    """ViTDet / mmseg MAE: no decay on 1-D parameters (biases, norms), pos_embed and
    cls_token anywhere in the model; backbone lr decays by ``rate`` per block."""
    full = load_config(D + name)
    model = build_model(load_config(D + 'tiny/' + name))
    groups = param_groups(model, full.optim_wrapper, scope)
    lr = full.optim_wrapper.optimizer.lr
    depth = len(model.backbone.layers)
    decayed = undecayed = 0
    for pname, param in model.named_parameters():
        no_decay = param.ndim == 1 or pname.endswith(
            ('.bias', 'pos_embed', 'cls_token'))
        assert groups[pname][1] == (0.0 if no_decay else wd), pname
        decayed += not no_decay
        undecayed += no_decay
        if not pname.startswith('backbone.'):
            assert groups[pname][0] == pytest.approx(lr), pname
    assert decayed and undecayed
    last = f'backbone.layers.{depth - 1}.ffn.layers.0.0.weight'
    first = 'backbone.patch_embed.projection.weight'
    assert groups[last][0] == pytest.approx(lr * rate)
    assert groups[first][0] == pytest.approx(lr * rate**(depth + 1))
