"""The twelve invariants of the Obj2Seq spec (section 6), on hand-built tensors."""
import math

import pytest
import torch
import torch.nn.functional as F

from projects.obj2seq.losses import (KeypointL1Loss, KeypointOKSLoss,
                                     Obj2SeqAsymmetricLoss)
from projects.obj2seq.match_costs import coco_oks
from projects.obj2seq.prompt_indicator import PromptIndicator
from projects.obj2seq.seq_head import SequencePredictor
from tests.obj2seq.helpers import TINY_POSE, build_tiny, make_sample

D = 32


def memory_ctx(num_groups, shapes=((4, 4), (2, 2)), seed=0):
    g = torch.Generator().manual_seed(seed)
    spatial_shapes = torch.tensor(shapes, dtype=torch.long)
    level_start_index = torch.cat([spatial_shapes.new_zeros(1),
                                   spatial_shapes.prod(1).cumsum(0)[:-1]])
    hw = int(spatial_shapes.prod(1).sum())
    return dict(value=torch.randn(num_groups, hw, D, generator=g),
                key_padding_mask=None, spatial_shapes=spatial_shapes,
                level_start_index=level_start_index,
                valid_ratios=torch.ones(num_groups, len(shapes), 2))


def randomise_outputs(predictor, seed=1):
    """Non-zero output layers so every step's signal depends on its input."""
    g = torch.Generator().manual_seed(seed)
    for fc in predictor.signal_fcs:
        fc.weight.data = torch.randn(fc.weight.shape, generator=g) * 0.3


def run_pipeline(model, images, samples):
    """feats -> encoder -> pre_decoder; returns (decoder inputs, head inputs)."""
    feats = model.extract_feat(images)
    enc_in, dec_in = model.pre_transformer(feats, samples)
    enc_out = model.forward_encoder(**enc_in)
    tmp, head_in = model.pre_decoder(**enc_out, batch_data_samples=samples)
    dec_in.update(tmp)
    return dec_in, head_in


def two_samples():
    return [
        make_sample((64, 64), [[4, 4, 30, 30], [10, 20, 50, 60]], [1, 5]),
        make_sample((48, 64), [[0, 0, 20, 40]], [2], crowd_labels=[7]),
    ]


# 1. retention
def test_retention_train_keeps_gt_classes_and_eval_needs_no_gt():
    ind = PromptIndicator(num_classes=6, embed_dims=D, num_heads=4,
                          ffn_dims=64, retain_topk=3)
    logits = torch.tensor([[5., 4., 3., 2., 1., -9.],
                           [0., 1., 2., 3., 4., 5.]])
    bs, cls = ind.retain(logits, [torch.tensor([5, 0]), torch.tensor([])])
    assert bs.tolist() == [0, 0, 0, 1, 1, 1]
    assert cls.view(2, 3)[0].tolist() == [0, 1, 5]  # GT 0, 5 + top other (1)
    assert cls.view(2, 3)[1].tolist() == [3, 4, 5]
    bs, cls = ind.retain(logits)  # inference: top-K of sigmoid(s), no GT
    assert cls.view(2, 3).tolist() == [[0, 1, 2], [3, 4, 5]]
    ind.retain_topk = 10  # min(K, C)
    assert ind.retain(logits)[1].numel() == 2 * 6
    _, cls = ind.retain(logits, class_subset=[1, 4])
    assert cls.view(2, 2).tolist() == [[1, 4], [1, 4]]
    with pytest.raises(ValueError, match='class_subset'):
        ind.retain(logits, class_subset=[9])


# 2. shapes, and 3. bias init of the full model
def test_shapes_and_bias_init():
    model = build_tiny(options={'model.indicator.num_blocks': 2})
    model.eval()
    samples = two_samples()
    with torch.no_grad():
        dec_in, head_in = run_pipeline(model, torch.randn(2, 3, 64, 64),
                                       samples)
        assert len(head_in['indicator_logits']) == 2
        assert head_in['indicator_logits'][-1].shape == (2, 8)
        s, n = 2 * 3, 10
        assert dec_in['class_vectors'].shape == (s, D)
        assert dec_in['query'].shape == (s, n, D)
        out = model.forward_decoder(**dec_in)['layer_outputs'][-1]
    assert out['logits'].shape == (s, n)
    assert out['boxes'].shape == (s, n, 4)
    assert ((out['boxes'] > 0) & (out['boxes'] < 1)).all()
    assert torch.allclose(model.prompt_indicator.classifier.bias,
                          torch.tensor(math.log(0.1 / 0.9)))
    assert torch.allclose(model.bbox_head.predictors[0].classifier.bias,
                          torch.tensor(math.log(0.01 / 0.99)))

    pose = build_tiny(TINY_POSE)
    pose.eval()
    with torch.no_grad():
        dec_in, _ = run_pipeline(pose, torch.randn(2, 3, 64, 64), samples)
        out = pose.forward_decoder(**dec_in)['layer_outputs'][-1]
    assert out['keypoints'].shape == (2, 10, 17, 2)


# 3. init of the sequence head
@pytest.mark.parametrize('num_keypoints', [0, 17])
def test_init_boxes_at_reference_and_keypoints_at_centre(num_keypoints):
    pred = SequencePredictor(D, 4, 2, 2, 4 + 2 * num_keypoints, num_keypoints)
    pred.init_weights()
    ref = torch.rand(3, 5, 2) * 0.8 + 0.1
    out = pred(torch.randn(3, 5, D), ref, torch.randn(3, D), **memory_ctx(3))
    expected = torch.cat([ref, torch.full_like(ref, 1 / (1 + math.e**2))], -1)
    assert torch.allclose(out['boxes'], expected, atol=1e-6)
    assert abs(1 / (1 + math.e**2) - 0.1192) < 1e-4
    if num_keypoints:
        centre = ref[:, :, None].expand(-1, -1, 17, -1)
        assert torch.allclose(out['keypoints'], centre, atol=1e-6)


# 4. score = object prob x class-presence prob
def test_multiple_combination_and_gradient_to_presence():
    model = build_tiny()
    head = model.bbox_head
    presence = torch.randn(4, requires_grad=True)
    out = head.forward_layer(0, torch.randn(4, 6, D), torch.rand(4, 6, 2),
                             torch.randn(4, D), presence, **memory_ctx(4))
    expected = out['obj_logits'].sigmoid() * presence.sigmoid()[:, None]
    assert torch.allclose(out['logits'].sigmoid(), expected, atol=1e-5)
    out['logits'].sum().backward()
    assert presence.grad.abs().min() > 0


# 5. group isolation
def test_groups_are_isolated():
    model = build_tiny()
    randomise_outputs(model.bbox_head.predictors[0])
    model.eval()
    samples = two_samples()
    with torch.no_grad():
        dec_in, _ = run_pipeline(model, torch.randn(2, 3, 64, 64), samples)
        ref = model.forward_decoder(**dec_in)['layer_outputs'][-1]
        perturbed = dict(dec_in)
        perturbed['query'] = dec_in['query'].clone()
        perturbed['query'][1] += 5.
        perturbed['class_vectors'] = dec_in['class_vectors'].clone()
        perturbed['class_vectors'][1] += 5.
        out = model.forward_decoder(**perturbed)['layer_outputs'][-1]
        keep = [0, 2, 3, 4, 5]
        assert torch.allclose(out['logits'][keep], ref['logits'][keep])
        assert torch.allclose(out['boxes'][keep], ref['boxes'][keep])
        assert not torch.allclose(out['boxes'][1], ref['boxes'][1])
        # memory of image 1 only reaches the groups of image 1 (3, 4, 5)
        other = dict(dec_in)
        other['memory'] = dec_in['memory'].clone()
        other['memory'][1] += 3.
        out = model.forward_decoder(**other)['layer_outputs'][-1]
        assert torch.allclose(out['boxes'][:3], ref['boxes'][:3])
        assert not torch.allclose(out['boxes'][3:], ref['boxes'][3:])


# 6. causality and stop-gradient between steps
def test_step_causality_and_stop_gradient():
    torch.manual_seed(0)
    pred = SequencePredictor(D, 4, 2, 2, 4, 0)
    pred.init_weights()
    randomise_outputs(pred)
    ctx = memory_ctx(2)
    ref = torch.rand(2, 3, 2) * 0.8 + 0.1
    hidden = torch.randn(2, 3, D)
    base = pred.signals(hidden, ref, **ctx)
    with torch.no_grad():
        pred.step_embed[3] += 1.
    changed = pred.signals(hidden, ref, **ctx)
    assert torch.allclose(changed[..., :3], base[..., :3])
    assert not torch.allclose(changed[..., 3], base[..., 3])

    outputs = []

    def keep(module, inputs, output):
        output.retain_grad()
        outputs.append(output)

    hook = pred.norm1.register_forward_hook(keep)
    hidden.requires_grad_(True)
    sig = pred.signals(hidden, ref, **ctx)
    hook.remove()
    pred.zero_grad()
    sig[..., 2].sum().backward()
    assert outputs[1].grad is None or outputs[1].grad.abs().sum() == 0
    assert outputs[2].grad.abs().sum() > 0
    assert pred.step_embed.grad[2].abs().sum() > 0
    assert pred.step_embed.grad[3].abs().sum() == 0
    assert pred.self_attn.qkv.weight.grad.abs().sum() > 0
    assert hidden.grad.abs().sum() > 0


# 7. matching per group
def test_matching_is_per_group():
    model = build_tiny()
    head = model.bbox_head
    samples = [
        make_sample((64, 64), [[0, 0, 10, 10], [20, 20, 40, 40],
                               [5, 30, 25, 60]], [1, 1, 3]),
        make_sample((64, 64), [[0, 0, 30, 30], [2, 2, 8, 8], [1, 1, 9, 9],
                               [3, 3, 60, 60], [10, 10, 20, 20]],
                    [2, 2, 2, 2, 2]),
    ]
    bs_idx = torch.tensor([0, 0, 1, 1])
    cls_idx = torch.tensor([1, 2, 0, 2])
    metas = [s.metainfo for s in samples]
    targets = head._group_targets(bs_idx, cls_idx,
                                  [s.gt_instances for s in samples], metas)
    assert [len(t) for t in targets] == [2, 0, 0, 5]
    n = 3
    out = dict(logits=torch.randn(4, n), boxes=torch.rand(4, n, 4) * 0.5 + 0.2)
    group_metas = [metas[b] for b in bs_idx.tolist()]
    pos, gt = head.assign(out, targets, group_metas, dict(num_box=8.))
    assert [len(p) for p in pos] == [2, 0, 0, 3]  # min(N, #GT)
    # group (0, 1) matched to the two class-1 boxes of image 0 only
    assert sorted(gt[0].tolist()) == [0, 1]
    assert torch.equal(targets[0].labels, torch.zeros(2, dtype=torch.long))
    losses = head.loss_by_feat_single(
        dict(out, logits=out['logits'].requires_grad_()), targets,
        group_metas, dict(num_box=8.))
    losses['loss_cls'].backward()
    # absent-class groups (1, 2) are pushed down everywhere (all negatives)
    assert (out['logits'].grad[1:3] > 0).all()


# 8. ASL limits
def test_asl_limits():
    logits = torch.randn(3, 5)
    targets = (torch.rand(3, 5) > 0.5).float()
    plain = Obj2SeqAsymmetricLoss(0., 0., 0., loss_weight=1.)
    bce = F.binary_cross_entropy_with_logits(logits, targets,
                                             reduction='sum') / 3
    assert torch.allclose(plain(logits, targets), bce, atol=1e-5)
    asl = Obj2SeqAsymmetricLoss(loss_weight=0.25)
    assert torch.allclose(asl(logits, targets),
                          asl(logits, targets, torch.ones(3, 5)))
    p = logits.sigmoid()
    manual = -(targets * p.log() + (1 - targets) * p**2 *
               (1 - p).log()).sum() / 3 * 0.25
    assert torch.allclose(asl(logits, targets), manual, atol=1e-5)


# 9. decoding round trip
def test_box_and_keypoint_round_trip():
    pred = SequencePredictor(D, 4, 2, 2, 38, 17)
    ref = torch.rand(2, 4, 2) * 0.8 + 0.1
    box = torch.rand(2, 4, 4) * 0.6 + 0.2
    kpts = torch.rand(2, 4, 17, 2)
    a_box = torch.stack([
        torch.logit(box[..., 0]) - torch.logit(ref[..., 0]),
        torch.logit(box[..., 1]) - torch.logit(ref[..., 1]),
        torch.logit(box[..., 2]), torch.logit(box[..., 3])], -1)
    delta = (kpts - box[..., None, :2]) / box[..., None, 2:]
    out = pred.decode(torch.cat([a_box, delta.flatten(-2)], -1), ref)
    assert torch.allclose(out['boxes'], box, atol=1e-5)
    assert torch.allclose(out['keypoints'], kpts, atol=1e-5)


# 10. OKS loss and matcher OKS
def test_oks_loss_limits_and_matcher_kernel():
    loss = KeypointOKSLoss(loss_weight=1.)
    gt = torch.rand(2, 17, 3) * 0.5 + 0.25
    gt[..., 2] = 2.
    area = torch.tensor([0.1, 0.2])
    assert loss(gt[..., :2], gt, area).item() == pytest.approx(0., abs=1e-6)
    far = gt[..., :2] + 0.7
    assert loss(far, gt, area).item() == pytest.approx(2., abs=1e-3)
    masked = gt.clone()
    masked[0, 3, 2] = 0  # invisible
    masked[0, 4, 0] = 1.5  # outside [0, 1]
    pred = gt[..., :2].clone()
    base = loss(pred, masked, area)
    pred[0, 3] += 0.3
    pred[0, 4] += 0.3
    assert torch.allclose(loss(pred, masked, area), base)
    l1 = KeypointL1Loss(loss_weight=1.)
    assert l1(pred, masked).item() == pytest.approx(0., abs=1e-6)

    sigmas = loss.sigmas
    p = torch.rand(3, 17, 2)
    oks = coco_oks(p, masked, area, sigmas)
    vis = torch.ones(17)
    vis[3] = vis[4] = 0
    d2 = ((p[1] - masked[0, :, :2])**2).sum(-1)
    k = torch.exp(-d2 / (2 * area[0] * (2 * sigmas)**2))
    assert oks[1, 0].item() == pytest.approx(float((k * vis).sum() / 15),
                                             rel=1e-5)


# 11. post-processing
def test_post_processing_top_scores_of_retained_classes():
    model = build_tiny(options={'model.test_cfg.max_per_img': 7})
    head = model.bbox_head
    bs_idx = torch.tensor([0, 0, 1, 1])
    cls_idx = torch.tensor([2, 5, 0, 7])
    out = dict(logits=torch.randn(4, 6), boxes=torch.rand(4, 6, 4))
    metas = [dict(img_shape=(64, 64), scale_factor=(2., 2.))] * 2
    out['boxes'][..., 2:] = 0.9  # boxes that leave the image
    results = head.predict(out, bs_idx, cls_idx, metas, rescale=True)
    for b, res in enumerate(results):
        assert len(res) <= 7
        assert (res.scores[:-1] >= res.scores[1:]).all()
        assert set(res.labels.tolist()) <= set(cls_idx[bs_idx == b].tolist())
    # official post-processing: no clipping (the default) ...
    assert any((res.bboxes < 0).any() or (res.bboxes > 32).any()
               for res in results)
    # ... clip_boxes=True clips to the 64 px image before rescaling by 2
    head.test_cfg['clip_boxes'] = True
    for res in head.predict(out, bs_idx, cls_idx, metas, rescale=True):
        assert (res.bboxes >= 0).all() and (res.bboxes <= 32).all()


# 12. loss keys
def test_loss_keys_cover_layers_and_indicator_blocks():
    model = build_tiny(options={'model.indicator.num_blocks': 2})
    model.train()
    losses = model.loss(torch.randn(2, 3, 64, 64), two_samples())
    for key in ('loss_cls', 'loss_bbox', 'loss_iou', 'd0.loss_cls',
                'd0.loss_bbox', 'd0.loss_iou', 'loss_indicator_0',
                'loss_indicator_1'):
        assert key in losses, key
    total = sum(losses.values())
    assert torch.isfinite(total)
    total.backward()


# box decoding adds the logit of the NON-detached reference (spec 1.3, VERIFIED)
def test_box_loss_reaches_reference_layer_and_position_embedding():
    model = build_tiny()
    model.train()
    samples = two_samples()
    dec_in, head_in = run_pipeline(model, torch.randn(2, 3, 64, 64), samples)
    out = model.forward_decoder(**dec_in)['layer_outputs'][-1]
    # at init the signals are 0: box centre == reference, d box / d ref == 1
    ref = dec_in['reference_points']
    assert torch.allclose(out['boxes'][..., :2], ref, atol=1e-6)
    grad_ref = torch.autograd.grad(out['boxes'][..., 0].sum(), ref,
                                   retain_graph=True)[0]
    assert torch.allclose(grad_ref[..., 0], torch.ones_like(grad_ref[..., 0]),
                          atol=1e-4)
    model.zero_grad()
    losses = model.bbox_head.loss([out], head_in['bs_idx'], head_in['cls_idx'],
                                  samples)
    (losses['loss_bbox'] + losses['loss_iou']).backward()
    assert model.reference_points_fc.weight.grad.abs().sum() > 0
    assert model.reference_points_fc.bias.grad.abs().sum() > 0
    assert model.query_position.weight.grad.abs().sum() > 0


# with 4-d references the head refines x after step 0 and y after step 1 only
def test_refinement_head_updates_x_then_y_only():
    torch.manual_seed(0)
    pred = SequencePredictor(D, 4, 2, 2, 4, 0)
    pred.init_weights()
    randomise_outputs(pred)
    for fc in pred.signal_fcs:
        fc.bias.data.fill_(0.7)
    seen = []

    def keep(module, args, kwargs):
        seen.append(kwargs['reference_points'][:, :, 0].clone())

    hook = pred.cross_attn.register_forward_pre_hook(keep, with_kwargs=True)
    boxes = torch.rand(2, 3, 4) * 0.5 + 0.2
    pred.signals(torch.randn(2, 3, D), boxes, **memory_ctx(2))
    hook.remove()
    assert len(seen) == 4
    assert torch.allclose(seen[0], boxes)
    changed = [(seen[t + 1] - seen[t]).abs().amax((0, 1)) > 1e-6
               for t in range(3)]
    assert changed[0].tolist() == [True, False, False, False]  # x after step 0
    assert changed[1].tolist() == [False, True, False, False]  # y after step 1
    assert changed[2].tolist() == [False] * 4
    assert torch.allclose(seen[3][..., 2:], boxes[..., 2:])  # w, h never


# the groups of one image share one cross-attention call on its memory
def test_grouped_cross_attention_equals_per_group_memory():
    model = build_tiny()
    randomise_outputs(model.bbox_head.predictors[0])
    model.eval()
    with torch.no_grad():
        dec_in, _ = run_pipeline(model, torch.randn(2, 3, 64, 64),
                                 two_samples())
        bs_idx = dec_in['bs_idx']
        mask = dec_in['memory_mask']
        assert mask[1].any() and not mask[0].any()  # image 1 is padded
        ratios = dec_in['valid_ratios'][bs_idx]
        ref_input = dec_in['reference_points'][:, :, None] * ratios[:, None]
        shared = dict(spatial_shapes=dec_in['spatial_shapes'],
                      level_start_index=dec_in['level_start_index'])
        layer = model.decoder.layers[0]
        per_group = layer(
            dec_in['query'], query_pos=None, value=dec_in['memory'][bs_idx],
            key_padding_mask=mask[bs_idx], valid_ratios=ratios,
            reference_points=ref_input, **shared)
        grouped = model.decoder_layer(layer, dec_in['query'], ref_input,
                                      dec_in['memory'], key_padding_mask=mask,
                                      **shared)
        assert torch.allclose(grouped, per_group, atol=1e-5)
        head = model.bbox_head
        args = (0, grouped, dec_in['reference_points'],
                dec_in['class_vectors'], dec_in['presence_logits'])
        a = head.forward_layer(*args, value=dec_in['memory'],
                               key_padding_mask=mask, valid_ratios=ratios,
                               **shared)
        b = head.forward_layer(*args, value=dec_in['memory'][bs_idx],
                               key_padding_mask=mask[bs_idx],
                               valid_ratios=ratios, **shared)
        assert torch.allclose(a['boxes'], b['boxes'], atol=1e-5)
        assert torch.allclose(a['logits'], b['logits'], atol=1e-5)


# the official initialisation (PyTorch defaults, copied layers)
def test_official_initialisation():
    model = build_tiny(options={'model.decoder.num_layers': 3,
                                'model.with_box_refine': True,
                                'model.indicator.num_blocks': 2})
    for coder in (model.encoder, model.decoder):
        ffn = coder.layers[0].ffn.layers[0][0]
        bound = 1 / math.sqrt(ffn.in_features)  # nn.Linear default, not xavier
        assert ffn.weight.abs().max() <= bound
        assert ffn.weight.abs().max() > 0.9 * bound
    for layers in (model.decoder.layers, model.prompt_indicator.blocks):
        first = layers[0].state_dict()
        for layer in layers[1:]:
            for k, v in layer.state_dict().items():
                assert torch.equal(v, first[k]), k
    for conv in (model.neck.convs[0].conv, ):
        assert conv.bias is not None and (conv.bias == 0).all()
    heads = model.bbox_head.predictors
    assert len(heads) == 3
    assert heads[0].signal_fcs[2].bias.item() == -2.
    assert heads[1].signal_fcs[2].bias.item() == 0.
    assert torch.equal(heads[1].self_attn.qkv.weight, heads[0].self_attn.qkv.weight)
    pose = build_tiny(TINY_POSE)
    w = pose.bbox_head.predictors[0].classifier.weight
    assert w.dim() == 1 and w.abs().max() <= 1 / math.sqrt(w.numel())
