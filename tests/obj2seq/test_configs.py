"""Every full Obj2Seq config is the official recipe, builds and predicts."""
import functools
import glob
import math

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from tests.obj2seq.helpers import TINY_POSE, build_tiny, make_sample
from tests.utils import build_model

FULL = sorted(glob.glob('configs/obj2seq/*.py'))
DET = 'configs/obj2seq/obj2seq_r50_8xb1-50e_coco.py'
POSE = 'configs/obj2seq/obj2seq-pose_r50_8xb1-50e_coco-keypoint.py'

# (config, dotted key, official value): spec sections 2 and 5
RECIPE = [
    (DET, 'model.neck.bias', True),
    (DET, 'model.neck.norm_cfg.num_groups', 32),
    (DET, 'model.neck.num_outs', 4),
    (DET, 'model.encoder.num_layers', 6),
    (DET, 'model.encoder.layer_cfg.self_attn_cfg.dropout', 0.0),
    (DET, 'model.decoder.num_layers', 4),
    (DET, 'model.num_queries', 100),
    (DET, 'model.indicator.num_blocks', 2),
    (DET, 'model.indicator.retain_topk', 20),
    (DET, 'model.indicator.prompt_dims', 512),
    (DET, 'model.indicator.prompt_file', 'data/coco/obj2seq_clip_prompts.npy'),
    (DET, 'model.indicator.init_prob', 0.1),
    (DET, 'model.indicator.loss.loss_weight', 0.25),
    (DET, 'model.bbox_head.classifier', 'dict'),
    (DET, 'model.bbox_head.init_prob', 0.01),
    (DET, 'model.bbox_head.combine', 'multiple'),
    (DET, 'model.bbox_head.loss_cls.loss_weight', 2.0),
    (DET, 'model.bbox_head.loss_bbox.loss_weight', 5.0),
    (DET, 'model.bbox_head.loss_iou.loss_weight', 2.0),
    (DET, 'model.train_cfg.assigner.match_costs.0.eps', 1e-8),
    (DET, 'model.train_cfg.assigner.match_costs.0.weight', 2.0),
    (DET, 'model.train_cfg.assigner.match_costs.1.weight', 5.0),
    (DET, 'model.train_cfg.assigner.match_costs.2.weight', 2.0),
    (DET, 'model.test_cfg.max_per_img', 100),
    (DET, 'model.test_cfg.clip_boxes', False),
    (DET, 'optim_wrapper.optimizer.lr', 2e-4),
    (DET, 'optim_wrapper.optimizer.weight_decay', 1e-4),
    (DET, 'optim_wrapper.clip_grad.max_norm', 0.1),
    (DET, 'train_dataloader.batch_size', 1),
    (DET, 'train_cfg.max_epochs', 50),
    (DET, 'param_scheduler.0.milestones', [40]),
    ('configs/obj2seq/obj2seq-refine_r50_8xb1-50e_coco.py',
     'model.with_box_refine', True),
    (POSE, 'model.indicator', None),
    (POSE, 'model.decoder.num_layers', 6),
    (POSE, 'model.bbox_head.num_keypoints', 17),
    (POSE, 'model.bbox_head.classifier', 'linear'),
    (POSE, 'model.bbox_head.classifier_layers', 1),
    (POSE, 'model.bbox_head.combine', 'none'),
    (POSE, 'model.bbox_head.loss_keypoint.loss_weight', 40.0),
    (POSE, 'model.bbox_head.loss_oks.loss_weight', 5.0),
    (POSE, 'model.train_cfg.assigner.match_costs.0.eps', 1e-8),
    (POSE, 'optim_wrapper.optimizer.lr', 3e-4),
    (POSE, 'train_dataloader.dataset.min_visible_keypoints', 10),
    ('configs/obj2seq/obj2seq-pose_r50_8xb1-150e_coco-keypoint.py',
     'param_scheduler.0.milestones', [120]),
]


@functools.lru_cache(maxsize=None)
def load(path):
    return Config.fromfile(path)


def lookup(cfg, dotted):
    value = cfg
    for part in dotted.split('.'):
        value = value[int(part)] if part.isdigit() else value[part]
    return value


@pytest.mark.parametrize('path,key,value', RECIPE)
def test_full_config_is_the_official_recipe(path, key, value):
    assert lookup(load(path), key) == value


def group_of(optim, model, name):
    param = dict(model.named_parameters())[name]
    for group in optim.param_groups:
        if any(p is param for p in group['params']):
            return group
    raise KeyError(name)


PARAM_GROUPS = {
    DET: [
        ('reference_points_fc.bias', 0.1, False),
        ('reference_points_fc.weight', 0.1, True),
        ('encoder.layers.0.self_attn.sampling_offsets.bias', 0.1, False),
        ('encoder.layers.0.self_attn.sampling_offsets.weight', 0.1, True),
        ('prompt_indicator.class_prompts', 1., False),
        ('prompt_indicator.prompt_adapter.1.weight', 1., False),
        ('prompt_indicator.classifier.bias', 1., False),
        ('query_position.weight', 1., False),
        ('query_patterns.weight', 1., False),
        ('bbox_head.predictors.0.step_embed', 1., False),
        ('level_embed', 1., True),
        ('neck.convs.0.conv.bias', 1., False),
        ('decoder.layers.0.ffn.layers.0.0.weight', 1., True),
    ],
    POSE: [('bbox_head.predictors.0.classifier.weight', 1., False)],
}


@pytest.mark.parametrize('path', sorted(PARAM_GROUPS))
def test_param_groups_follow_official_lr_and_decay(path):
    """Official groups: lr x0.1 for backbone/reference_points/sampling_offsets,
    no decay for biases, 1-D tensors and class_prompts/position/pos_emb."""
    cfg = load(path)
    model = build_tiny(TINY_POSE if path == POSE else
                       'configs/obj2seq/tiny/obj2seq_r50_8xb1-50e_coco.py')
    optim = build_optim_wrapper(model, cfg.optim_wrapper).optimizer
    base = cfg.optim_wrapper.optimizer
    for name, lr_mult, decays in PARAM_GROUPS[path]:
        group = group_of(optim, model, name)
        assert math.isclose(group['lr'], base.lr * lr_mult), name
        assert math.isclose(group['weight_decay'],
                            base.weight_decay if decays else 0.), name


@pytest.mark.parametrize('path', FULL)
def test_full_config_predicts(path):
    torch.manual_seed(0)
    cfg = Config.fromfile(path)
    cfg.model.backbone.init_cfg = None
    model = build_model(cfg)  # the prompt file is read by init_weights only
    model.eval()
    pose = 'pose' in path
    kpts = torch.rand(1, 17, 3) * 40 if pose else None
    sample = make_sample((64, 64), [[4, 4, 40, 40]], [0], keypoints=kpts)
    with torch.no_grad():
        data = model.data_preprocessor(
            dict(inputs=[torch.randint(0, 255, (3, 64, 64), dtype=torch.uint8)],
                 data_samples=[sample]), False)
        out = model(**data, mode='predict')[0]
    pred = out.pred_instances
    if 'mlc' in path:
        assert out.multilabel_scores.shape == (80, )
        return
    assert len(pred) == cfg.model.test_cfg.max_per_img
    assert pred.bboxes.shape[1] == 4
    if pose:
        assert pred.keypoints.shape[1:] == (17, 2)
    elif 'deformable-detr' not in path:
        assert out.multilabel_scores.shape == (80, )


@pytest.mark.slow
def test_full_detection_config_computes_losses():
    torch.manual_seed(0)
    cfg = Config.fromfile(DET)
    cfg.model.backbone.init_cfg = None
    model = build_model(cfg)
    model.train()
    sample = make_sample((64, 64), [[4, 4, 40, 40], [30, 30, 60, 50]], [3, 17])
    data = model.data_preprocessor(
        dict(inputs=[torch.randint(0, 255, (3, 64, 64), dtype=torch.uint8)],
             data_samples=[sample]), True)
    losses = model(**data, mode='loss')
    assert len([k for k in losses if k.endswith('loss_cls')]) == 4
    assert 'loss_indicator_1' in losses
    assert torch.isfinite(sum(losses.values()))
