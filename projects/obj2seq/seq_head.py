"""General sequence predictor of Obj2Seq and its head (paper Sec. 3.3-3.4).

Every object query of a retained (image, class) group is decoded into a sequence of
scalar signals, one attribute per step (x, y, w, h, then 17 x 2 keypoint offsets for
pose). Steps run in sequence for all objects in parallel: each step adds a learned
step embedding to the previous step's (detached) output, attends to the earlier steps
of the same object through a key/value cache, samples the encoder memory around the
current (detached) reference with deformable attention, and emits one signal with its
own linear layer. The head also owns per-group Hungarian matching and the losses.
"""
import copy
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from mmcv.ops import MultiScaleDeformableAttention
from mmengine.model import BaseModule
from mmengine.structures import InstanceData
from torch import Tensor

from mmdet.models.layers import MLP, inverse_sigmoid
from mmdet.registry import MODELS, TASK_UTILS
from mmdet.structures import SampleList
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy, bbox_xyxy_to_cxcywh
from mmdet.utils import reduce_mean

from .losses import keypoint_visibility
from .prompt_indicator import DictClassifier, LinearClassifier


def get_tensor(boxes):
    """Plain tensor of an mmdet box structure or tensor."""
    return boxes.tensor if hasattr(boxes, 'tensor') else boxes


def grouped_deformable_attention(attn: MultiScaleDeformableAttention,
                                 query: Tensor, reference_points: Tensor,
                                 value: Tensor, **kwargs) -> Tensor:
    """Deformable cross-attention of S groups on the memory of B images.

    Each query samples the memory on its own, so the groups of one image can
    share one attention call on that image's memory: the memory is neither
    copied nor projected once per group.

    Args:
        query (Tensor): (S, N, d), S = B * K groups ordered image by image.
        reference_points (Tensor): (S, N, L, 2|4), scaled by the valid ratios.
        value (Tensor): (B, HW, d) memory of the groups' images.
        kwargs: key_padding_mask (B, HW), spatial_shapes, level_start_index.

    Returns:
        Tensor: (S, N, d), the residual included (mmcv adds it).
    """
    num_groups, num_queries, dims = query.shape
    num_images = value.size(0)
    if num_groups % num_images:
        raise ValueError(f'{num_groups} groups cannot be split evenly over '
                         f'{num_images} images.')
    out = attn(
        query=query.reshape(num_images, -1, dims), value=value,
        reference_points=reference_points.flatten(0, 1).unflatten(
            0, (num_images, -1)), **kwargs)
    return out.view(num_groups, num_queries, dims)


class CachedSelfAttention(nn.Module):
    """Single-token multi-head attention over the cached steps of the same object.

    ``qkv`` is one Linear d -> 3d with rows [q; k; v]; scale ``d_head ** -0.5``.
    """

    def __init__(self, embed_dims: int, num_heads: int) -> None:
        super().__init__()
        if embed_dims % num_heads:
            raise ValueError(f'embed_dims={embed_dims} is not divisible by '
                             f'num_heads={num_heads}.')
        self.num_heads = num_heads
        self.head_dims = embed_dims // num_heads
        self.qkv = nn.Linear(embed_dims, 3 * embed_dims)
        self.proj = nn.Linear(embed_dims, embed_dims)

    def forward(self, x: Tensor, cache: List[Tensor]) -> Tensor:
        """Args: x (S, N, d) current step; cache: list of (k, v) of earlier steps,
        appended in place. Returns (S, N, d)."""
        s, n, d = x.shape
        q, k, v = self.qkv(x).view(s, n, 3, self.num_heads,
                                   self.head_dims).unbind(2)
        cache.append((k, v))
        keys = torch.stack([c[0] for c in cache], dim=2)  # (S, N, T, H, dh)
        values = torch.stack([c[1] for c in cache], dim=2)
        attn = (q[:, :, None] * keys).sum(-1) * self.head_dims**-0.5
        attn = attn.softmax(dim=2)
        out = (attn[..., None] * values).sum(2).reshape(s, n, d)
        return self.proj(out)


class SequencePredictor(nn.Module):
    """Score and attribute sequence for every object query (one decoder layer).

    Args:
        embed_dims (int): d.
        num_heads (int): heads of the step attention and deformable sampling.
        num_levels (int): feature levels of the memory.
        num_points (int): sampling points per head and level.
        num_steps (int): T = 4 (boxes) or 4 + 2 * num_keypoints (pose).
        num_keypoints (int): K joints (0 for detection).
        mode (str): ``'sequence'`` (the paper) or ``'parallel'`` (MLP baseline
            that predicts all attributes at once from the query).
        classifier (str): ``'dict'`` (score against the group's class feature)
            or ``'linear'`` (against one learned vector, the pose setting).
        classifier_layers (int): Linear layers of the classifier's MLP.
        init_prob (float): initial object probability.
        im2col_step (int): CUDA deformable-attention chunk; the kernel needs the
            image batch B of the memory to be divisible by ``min(B,
            im2col_step)`` (the groups of an image share one call).
    """

    def __init__(self, embed_dims: int = 256, num_heads: int = 8,
                 num_levels: int = 4, num_points: int = 4, num_steps: int = 4,
                 num_keypoints: int = 0, mode: str = 'sequence',
                 classifier_layers: int = 2, init_prob: float = 0.01,
                 im2col_step: int = 64, classifier: str = 'dict') -> None:
        super().__init__()
        if num_steps != 4 + 2 * num_keypoints:
            raise ValueError(
                f'num_steps={num_steps} must be 4 + 2 * num_keypoints '
                f'= {4 + 2 * num_keypoints} (box first, then x/y per joint).')
        if mode not in ('sequence', 'parallel'):
            raise ValueError(f"mode={mode!r}; use 'sequence' or 'parallel'.")
        self.mode = mode
        self.num_steps = num_steps
        self.num_keypoints = num_keypoints
        if classifier not in ('dict', 'linear'):
            raise ValueError(
                f"classifier={classifier!r}; use 'dict' or 'linear'.")
        classifier_type = DictClassifier if classifier == 'dict' else \
            LinearClassifier
        self.classifier = classifier_type(embed_dims, classifier_layers,
                                          init_prob)
        if mode == 'sequence':
            self.step_embed = nn.Parameter(torch.zeros(num_steps, embed_dims))
            self.self_attn = CachedSelfAttention(embed_dims, num_heads)
            self.norm2 = nn.LayerNorm(embed_dims)
            self.cross_attn = MultiScaleDeformableAttention(
                embed_dims=embed_dims, num_heads=num_heads,
                num_levels=num_levels, num_points=num_points, dropout=0.,
                im2col_step=im2col_step, batch_first=True)
            self.cross_attn.value_proj = nn.Identity()
            self.norm1 = nn.LayerNorm(embed_dims)
            self.signal_fcs = nn.ModuleList(
                nn.Linear(embed_dims, 1) for _ in range(num_steps))
        else:
            self.box_mlp = MLP(embed_dims, embed_dims, 4, 3)
            if num_keypoints:
                self.keypoint_mlp = MLP(embed_dims, embed_dims,
                                        2 * num_keypoints, 3)

    def init_weights(self) -> None:
        """The official initialisation: PyTorch defaults for the step attention
        and the classifier MLP, the classifier bias at ``logit(init_prob)``,
        step embeddings ~ trunc-normal(0.02), the deformable sampling grid, and
        zero output layers with w/h biases -2 (sigma(-2) = 0.1192)."""
        self.classifier.reset_bias()
        if self.mode == 'sequence':
            nn.init.trunc_normal_(self.step_embed, std=0.02)
            self.cross_attn.init_weights()
        self.reset_output_layers(size_bias=-2.)

    def reset_output_layers(self, size_bias: float = 0.) -> None:
        """Zero output weights and biases, w/h biases ``size_bias``: -2 for the
        first head, 0 for the refinement heads of layers 1..L-1."""
        if self.mode == 'sequence':
            for t, fc in enumerate(self.signal_fcs):
                nn.init.zeros_(fc.weight)
                nn.init.constant_(fc.bias, size_bias if t in (2, 3) else 0.)
            return
        last = self.box_mlp.layers[-1]
        nn.init.zeros_(last.weight)
        nn.init.constant_(last.bias, 0.)
        last.bias.data[2:] = size_bias
        if self.num_keypoints:
            nn.init.zeros_(self.keypoint_mlp.layers[-1].weight)
            nn.init.zeros_(self.keypoint_mlp.layers[-1].bias)

    @staticmethod
    def _ref_input(reference: Tensor, valid_ratios: Tensor) -> Tensor:
        """(S, N, 2|4) -> (S, N, L, 2|4) scaled by the valid ratios (S, L, 2)."""
        if reference.size(-1) == 4:
            valid_ratios = torch.cat([valid_ratios, valid_ratios], -1)
        return reference[:, :, None] * valid_ratios[:, None]

    def signals(self, hidden: Tensor, reference: Tensor, value: Tensor,
                key_padding_mask: Optional[Tensor], spatial_shapes: Tensor,
                level_start_index: Tensor, valid_ratios: Tensor) -> Tensor:
        """Run the attribute sequence; returns signals (S, N, T).

        Sampling uses detached references. The centre is refined for the
        later steps: x after step 0 and y after step 1; w and h references (4-d
        references, box refinement) are never updated inside the head.
        """
        if self.mode == 'parallel':
            out = [self.box_mlp(hidden)]
            if self.num_keypoints:
                out.append(self.keypoint_mlp(hidden))
            return torch.cat(out, -1)
        ref = reference.detach()
        ref_logit = inverse_sigmoid(ref)
        cache: List[Tensor] = []
        signals = []
        x_out = None
        for t in range(self.num_steps):
            x = (hidden if t == 0 else x_out.detach()) + self.step_embed[t]
            u = self.norm2(x + self.self_attn(x, cache))
            x_out = self.norm1(
                grouped_deformable_attention(
                    self.cross_attn, u, self._ref_input(ref, valid_ratios),
                    value, key_padding_mask=key_padding_mask,
                    spatial_shapes=spatial_shapes,
                    level_start_index=level_start_index))
            signal = self.signal_fcs[t](x_out).squeeze(-1)
            signals.append(signal)
            if t < 2:
                ref = ref.clone()
                ref[..., t] = (ref_logit[..., t] + signal).sigmoid().detach()
        return torch.stack(signals, -1)

    def decode(self, signals: Tensor, reference: Tensor) -> Dict[str, Tensor]:
        """Signals -> boxes (normalised cxcywh) and keypoints (normalised xy).

        ``box = sigmoid([a0 + logit(rx), a1 + logit(ry), a2, a3])``; with 4-d
        references every signal gets its reference logit. Keypoints are
        ``centre + delta * wh`` with ``delta = a[4:]`` as (K, 2), no sigmoid.
        The reference is NOT detached here (official): box losses reach the
        reference-point layer and the query position embedding.
        """
        box_logit = signals[..., :4]
        ref_logit = inverse_sigmoid(reference)
        if reference.size(-1) == 2:
            ref_logit = torch.cat(
                [ref_logit, torch.zeros_like(ref_logit)], -1)
        boxes = (box_logit + ref_logit).sigmoid()
        out = dict(boxes=boxes)
        if self.num_keypoints:
            delta = signals[..., 4:].unflatten(-1, (self.num_keypoints, 2))
            out['keypoints'] = boxes[..., None, :2] + delta * boxes[..., None, 2:]
        return out

    def forward(self, hidden: Tensor, reference: Tensor,
                class_vectors: Optional[Tensor], **memory) -> Dict[str, Tensor]:
        """Args: hidden (S, N, d); reference (S, N, 2|4); class_vectors (S, d),
        or None with the linear classifier;
        ``memory``: value (S, HW, d), key_padding_mask, spatial_shapes,
        level_start_index, valid_ratios (S, L, 2).

        Returns: dict with obj_logits (S, N), boxes (S, N, 4), [keypoints].
        """
        obj_logits = self.classifier(
            hidden, None if class_vectors is None else class_vectors[:, None])
        out = self.decode(self.signals(hidden, reference, **memory), reference)
        out['obj_logits'] = obj_logits
        return out


@MODELS.register_module()
class Obj2SeqHead(BaseModule):
    """Per-group detection / pose head of Obj2Seq (paper Sec. 3.3-3.5).

    Args:
        num_classes (int): dataset classes.
        embed_dims, num_heads, num_levels, num_points: attention sizes.
        num_keypoints (int): 0 for detection, 17 for COCO pose.
        predictor (str): ``'sequence'`` or ``'parallel'`` (baseline).
        im2col_step (int): see :class:`SequencePredictor`.
        classifier (str): ``'dict'`` (detection) or ``'linear'`` (pose, no
            indicator: one learned class vector).
        classifier_layers (int): MLP layers of the classifier: 2 (detection)
            or 1 (pose).
        init_prob (float): object probability at init. Defaults to 0.01.
        combine (str): ``'multiple'``: score = sigma(o) * sigma(s_(b,c)) through
            ``inverse_sigmoid`` (eps 1e-5); ``'none'``: score = sigma(o).
        share_pred_layer, num_pred_layer, as_two_stage: set by the detector.
        loss_cls, loss_bbox, loss_iou (dict): focal x2, L1 x5, GIoU x2.
        loss_keypoint, loss_oks (dict, optional): pose losses (x40, x5).
        train_cfg (dict): ``assigner``.
        test_cfg (dict): ``max_per_img`` (100) and ``clip_boxes`` (False: the
            official post-processing does not clip boxes to the image; True
            clips them as mmdet's DETR heads do).
    """

    def __init__(self,
                 num_classes: int,
                 embed_dims: int = 256,
                 num_heads: int = 8,
                 num_levels: int = 4,
                 num_points: int = 4,
                 num_keypoints: int = 0,
                 predictor: str = 'sequence',
                 classifier: str = 'dict',
                 classifier_layers: int = 2,
                 init_prob: float = 0.01,
                 combine: str = 'multiple',
                 im2col_step: int = 64,
                 share_pred_layer: bool = True,
                 num_pred_layer: int = 4,
                 as_two_stage: bool = False,
                 loss_cls: dict = dict(type='FocalLoss', use_sigmoid=True,
                                       gamma=2.0, alpha=0.25, loss_weight=2.0),
                 loss_bbox: dict = dict(type='L1Loss', loss_weight=5.0),
                 loss_iou: dict = dict(type='GIoULoss', loss_weight=2.0),
                 loss_keypoint: Optional[dict] = None,
                 loss_oks: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: dict = dict(max_per_img=100),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if as_two_stage:
            raise ValueError('Obj2Seq has no two-stage variant; set '
                             'as_two_stage=False in the detector.')
        if combine not in ('multiple', 'none'):
            raise ValueError(f"combine={combine!r}; use 'multiple' or 'none'.")
        if num_keypoints and (loss_keypoint is None or loss_oks is None):
            raise ValueError(f'num_keypoints={num_keypoints} needs loss_keypoint '
                             'and loss_oks configs.')
        self.num_classes = num_classes
        self.num_keypoints = num_keypoints
        self.combine = combine
        self.share_pred_layer = share_pred_layer
        self.num_pred_layer = num_pred_layer
        predictor_layer = SequencePredictor(
            embed_dims, num_heads, num_levels, num_points,
            4 + 2 * num_keypoints, num_keypoints, predictor,
            classifier_layers, init_prob, im2col_step, classifier)
        if share_pred_layer:
            self.predictors = nn.ModuleList([predictor_layer])
        else:
            self.predictors = nn.ModuleList(
                copy.deepcopy(predictor_layer) for _ in range(num_pred_layer))
        self.loss_cls = MODELS.build(loss_cls)
        self.loss_bbox = MODELS.build(loss_bbox)
        self.loss_iou = MODELS.build(loss_iou)
        self.loss_keypoint = MODELS.build(loss_keypoint) if num_keypoints else None
        self.loss_oks = MODELS.build(loss_oks) if num_keypoints else None
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg or dict()
        if train_cfg is not None:
            self.assigner = TASK_UTILS.build(train_cfg['assigner'])

    def init_weights(self) -> None:
        """As the official refinement heads: deep copies of the initialised
        first head whose output layers are then reset to zero biases."""
        super().init_weights()
        first = self.predictors[0]
        first.init_weights()
        for predictor in self.predictors[1:]:
            predictor.load_state_dict(first.state_dict())
            predictor.reset_output_layers(size_bias=0.)

    def forward_layer(self, layer_idx: int, hidden: Tensor, reference: Tensor,
                      class_vectors: Tensor,
                      presence_logits: Optional[Tensor] = None,
                      **memory) -> Dict[str, Tensor]:
        """Predict for one decoder layer; adds ``logits`` (S, N), the final
        score logit combined with the group's class-presence logit (S,)."""
        idx = 0 if self.share_pred_layer else layer_idx
        out = self.predictors[idx](hidden, reference, class_vectors, **memory)
        if self.combine == 'multiple' and presence_logits is not None:
            prob = out['obj_logits'].sigmoid() * \
                presence_logits.sigmoid()[:, None]
            out['logits'] = inverse_sigmoid(prob, eps=1e-5)
        else:
            out['logits'] = out['obj_logits']
        return out

    def _group_targets(self, bs_idx: Tensor, cls_idx: Tensor,
                       batch_gt_instances, batch_img_metas) -> List[InstanceData]:
        """GT of class c in image b, normalised helpers included, per group."""
        targets = []
        for b, c in zip(bs_idx.tolist(), cls_idx.tolist()):
            gt = batch_gt_instances[b]
            img_h, img_w = batch_img_metas[b]['img_shape'][:2]
            sel = gt.labels == c
            bboxes = get_tensor(gt.bboxes)[sel]
            factor = bboxes.new_tensor([img_w, img_h, img_w, img_h])
            norm = bbox_xyxy_to_cxcywh(bboxes / factor)
            target = InstanceData(
                bboxes=bboxes, norm_bboxes=norm,
                labels=torch.zeros_like(gt.labels[sel]),
                areas=norm[:, 2] * norm[:, 3])
            if self.num_keypoints:
                kpts = gt.keypoints[sel].clone().float()
                kpts[..., 0] /= img_w
                kpts[..., 1] /= img_h
                target.keypoints = kpts
            targets.append(target)
        return targets

    def loss(self, layer_outputs: List[Dict[str, Tensor]], bs_idx: Tensor,
             cls_idx: Tensor, batch_data_samples: SampleList) -> dict:
        """Losses of every decoder layer: ``d{i}.loss_*`` and ``loss_*`` (last)."""
        if self.train_cfg is None:
            raise RuntimeError('Obj2SeqHead.loss needs train_cfg with an assigner.')
        batch_gt_instances = [s.gt_instances for s in batch_data_samples]
        batch_img_metas = [s.metainfo for s in batch_data_samples]
        targets = self._group_targets(bs_idx, cls_idx, batch_gt_instances,
                                      batch_img_metas)
        device = layer_outputs[0]['logits'].device
        num_box = sum(len(g) for g in batch_gt_instances)
        num_box = reduce_mean(torch.tensor(float(num_box),
                                           device=device)).clamp(min=1).item()
        norms = dict(num_box=num_box)
        if self.num_keypoints:
            num_pts = sum(keypoint_visibility(t.keypoints).sum().item()
                          for t in self._group_targets(
                              torch.arange(len(batch_gt_instances)),
                              torch.zeros(len(batch_gt_instances),
                                          dtype=torch.long),
                              batch_gt_instances, batch_img_metas))
            norms['num_pts'] = reduce_mean(torch.tensor(
                float(num_pts), device=device)).clamp(min=1).item()
        metas = [batch_img_metas[b] for b in bs_idx.tolist()]
        losses = dict()
        num_layers = len(layer_outputs)
        for i, out in enumerate(layer_outputs):
            layer_losses = self.loss_by_feat_single(out, targets, metas, norms)
            prefix = '' if i == num_layers - 1 else f'd{i}.'
            for k, v in layer_losses.items():
                losses[prefix + k] = v
        return losses

    def assign(self, out: Dict[str, Tensor], targets: List[InstanceData],
               metas: List[dict], norms: Dict[str, float]):
        """Hungarian matching per group; returns (pos_query_idx, gt_idx) lists."""
        pos_inds, gt_inds = [], []
        with torch.no_grad():
            for g, target in enumerate(targets):
                if len(target) == 0:
                    pos_inds.append(target.labels.new_zeros(0))
                    gt_inds.append(target.labels.new_zeros(0))
                    continue
                img_h, img_w = metas[g]['img_shape'][:2]
                factor = out['boxes'].new_tensor([img_w, img_h, img_w, img_h])
                pred = InstanceData(
                    scores=out['logits'][g][:, None],
                    bboxes=bbox_cxcywh_to_xyxy(out['boxes'][g]) * factor)
                if self.num_keypoints:
                    pred.keypoints = out['keypoints'][g]
                result = self.assigner.assign(
                    pred, target, img_meta=metas[g],
                    **(dict(normalizers=norms) if self.num_keypoints else {}))
                pos = torch.nonzero(result.gt_inds > 0).squeeze(1)
                pos_inds.append(pos)
                gt_inds.append(result.gt_inds[pos] - 1)
        return pos_inds, gt_inds

    def loss_by_feat_single(self, out: Dict[str, Tensor],
                            targets: List[InstanceData], metas: List[dict],
                            norms: Dict[str, float]) -> Dict[str, Tensor]:
        """Focal over all queries of all groups, L1/GIoU (and pose) on matches."""
        pos_inds, gt_inds = self.assign(out, targets, metas, norms)
        logits = out['logits']
        labels = logits.new_ones(logits.shape, dtype=torch.long)
        for g, pos in enumerate(pos_inds):
            labels[g, pos] = 0
        num_box = norms['num_box']
        losses = dict(loss_cls=self.loss_cls(
            logits.reshape(-1, 1), labels.reshape(-1), avg_factor=num_box))
        groups = torch.cat([torch.full_like(p, g) for g, p in enumerate(pos_inds)])
        pos = torch.cat(pos_inds)
        gt_boxes = torch.cat([t.norm_bboxes[i] for t, i in zip(targets, gt_inds)])
        pred_boxes = out['boxes'][groups, pos]
        factors = logits.new_tensor(
            [[m['img_shape'][1], m['img_shape'][0]] * 2 for m in metas])
        factor = factors.view(-1, 4)[groups]
        losses['loss_bbox'] = self.loss_bbox(
            pred_boxes, gt_boxes, avg_factor=num_box)
        losses['loss_iou'] = self.loss_iou(
            bbox_cxcywh_to_xyxy(pred_boxes) * factor,
            bbox_cxcywh_to_xyxy(gt_boxes) * factor, avg_factor=num_box)
        if self.num_keypoints:
            gt_kpts = torch.cat([t.keypoints[i] for t, i in zip(targets, gt_inds)])
            areas = torch.cat([t.areas[i] for t, i in zip(targets, gt_inds)])
            pred_kpts = out['keypoints'][groups, pos]
            losses['loss_keypoint'] = self.loss_keypoint(
                pred_kpts, gt_kpts, avg_factor=norms['num_pts'])
            losses['loss_oks'] = self.loss_oks(
                pred_kpts, gt_kpts, areas, avg_factor=num_box)
        return losses

    def predict(self, out: Dict[str, Tensor], bs_idx: Tensor, cls_idx: Tensor,
                batch_img_metas: Sequence[dict],
                rescale: bool = True) -> List[InstanceData]:
        """Top ``max_per_img`` of all (retained class x query) candidates per
        image, score = sigmoid(logit), label = the group's class; no NMS."""
        max_per_img = self.test_cfg.get('max_per_img', 100)
        results = []
        for b, meta in enumerate(batch_img_metas):
            sel = bs_idx == b
            logits = out['logits'][sel]
            num_queries = logits.size(1)
            scores, idx = logits.sigmoid().flatten().topk(
                min(max_per_img, logits.numel()))
            labels = cls_idx[sel][idx // num_queries]
            boxes = out['boxes'][sel].flatten(0, 1)[idx]
            img_h, img_w = meta['img_shape'][:2]
            bboxes = bbox_cxcywh_to_xyxy(boxes)
            bboxes[:, 0::2] = bboxes[:, 0::2] * img_w
            bboxes[:, 1::2] = bboxes[:, 1::2] * img_h
            if self.test_cfg.get('clip_boxes', False):
                bboxes[:, 0::2].clamp_(min=0, max=img_w)
                bboxes[:, 1::2].clamp_(min=0, max=img_h)
            result = InstanceData(scores=scores, labels=labels)
            if self.num_keypoints:
                kpts = out['keypoints'][sel].flatten(0, 1)[idx].clone()
                kpts[..., 0] *= img_w
                kpts[..., 1] *= img_h
            if rescale:
                scale = bboxes.new_tensor(meta['scale_factor'])
                bboxes = bboxes / scale.repeat(2)
                if self.num_keypoints:
                    kpts = kpts / scale
            result.bboxes = bboxes
            if self.num_keypoints:
                result.keypoints = kpts
                result.keypoint_scores = torch.ones_like(kpts[..., 0])
            results.append(result)
        return results
