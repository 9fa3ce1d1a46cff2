"""Obj2Seq detector: objects as sequences with class prompts (paper Sec. 3).

Reuses mmdet's Deformable DETR pre-processing, positional encoding, deformable
encoder and decoder layers. New here: the prompt indicator runs on the encoder
memory and picks K classes per image; each retained (image, class) group gets its
own N object queries (learned position patterns + the class feature), decoded by
the object transition decoder on that image's memory only; the sequence head
predicts each object as a sequence of attributes.
"""
import copy
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from mmcv.ops import MultiScaleDeformableAttention
from mmengine.model import BaseModule, xavier_init
from mmengine.structures import InstanceData
from torch import Tensor

from mmdet.models.detectors import DeformableDETR
from mmdet.models.layers import (DeformableDetrTransformerDecoder,
                                 DeformableDetrTransformerEncoder,
                                 SinePositionalEncoding)
from mmdet.registry import MODELS
from mmdet.structures import OptSampleList, SampleList
from .prompt_indicator import LinearClassifier
from .seq_head import grouped_deformable_attention


def multi_label_targets(batch_data_samples: SampleList, num_classes: int,
                        device=None) -> Tensor:
    """(B, C) multi-hot of the classes present in each image, crowd ones included."""
    targets = torch.zeros(len(batch_data_samples), num_classes, device=device)
    for b, sample in enumerate(batch_data_samples):
        labels = [sample.gt_instances.labels]
        if 'ignored_instances' in sample and \
                'labels' in sample.ignored_instances:
            labels.append(sample.ignored_instances.labels)
        labels = torch.cat(labels).long()
        targets[b, labels.to(targets.device)] = 1
    return targets


@MODELS.register_module()
class Obj2Seq(DeformableDETR):
    """Obj2Seq (Chen et al., NeurIPS 2022).

    Args:
        indicator (dict, optional): :class:`PromptIndicator` config. None means
            every class is a group of every image (the pose setting with one
            class): queries are the position patterns alone and the head scores
            them with its own learned vector (``bbox_head.classifier``
            defaults to ``'linear'`` then).
        num_queries (int): N object queries per (image, class) group.
        with_box_refine (bool): iterative box refinement across decoder layers.
        indicator_only (bool): train and predict the prompt indicator alone
            (multi-label classification); the decoder and head are skipped.
        Other arguments: see :class:`DeformableDETR`. ``test_cfg.class_subset``
        (list of class indices) restricts inference to those class prompts.

    Loading a state dict checks it against the model first: any missing,
    unexpected or differently shaped key raises (mmengine's non-strict load
    would only warn and leave those weights at their initialisation).
    """

    def __init__(self, *args, indicator: Optional[dict] = None,
                 num_queries: int = 100, indicator_only: bool = False,
                 **kwargs) -> None:
        if indicator_only and indicator is None:
            raise ValueError('indicator_only=True needs an indicator config.')
        self._indicator_cfg = copy.deepcopy(indicator)
        self.indicator_only = indicator_only
        if indicator is None and kwargs.get('bbox_head') is not None:
            kwargs['bbox_head'] = dict(kwargs['bbox_head'])
            kwargs['bbox_head'].setdefault('classifier', 'linear')
        super().__init__(*args, num_queries=num_queries, **kwargs)

    def _init_layers(self) -> None:
        if self.as_two_stage:
            raise ValueError('Obj2Seq has no two-stage variant; set '
                             'as_two_stage=False.')
        self.positional_encoding = SinePositionalEncoding(
            **self.positional_encoding)
        self.encoder = DeformableDetrTransformerEncoder(**self.encoder)
        self.decoder = DeformableDetrTransformerDecoder(**self.decoder)
        self.embed_dims = self.encoder.embed_dims
        if self.positional_encoding.num_feats * 2 != self.embed_dims:
            raise ValueError(
                f'positional_encoding.num_feats='
                f'{self.positional_encoding.num_feats} must be embed_dims/2 = '
                f'{self.embed_dims // 2}.')
        self.level_embed = nn.Parameter(
            torch.Tensor(self.num_feature_levels, self.embed_dims))
        self.query_patterns = nn.Embedding(self.num_queries, self.embed_dims)
        self.query_position = nn.Embedding(self.num_queries, self.embed_dims)
        self.reference_points_fc = nn.Linear(self.embed_dims, 2)
        num_classes = self.bbox_head.num_classes
        if self._indicator_cfg is not None:
            cfg = dict(self._indicator_cfg)
            cfg.setdefault('embed_dims', self.embed_dims)
            cfg.setdefault('num_classes', num_classes)
            if cfg['num_classes'] != num_classes:
                raise ValueError(
                    f'indicator.num_classes={cfg["num_classes"]} differs from '
                    f'bbox_head.num_classes={num_classes}; use the same value.')
            self.prompt_indicator = MODELS.build(cfg)
        else:
            if not isinstance(self.bbox_head.predictors[0].classifier,
                              LinearClassifier):
                raise ValueError(
                    'indicator=None gives the head no class features to score '
                    "against; set bbox_head.classifier='linear' (the official "
                    'pose head).')
            self.prompt_indicator = None

    def init_weights(self) -> None:
        """The official initialisation (not mmdet's xavier reset of every
        encoder/decoder matrix): PyTorch defaults for the FFN and attention
        projections, every encoder/decoder layer a copy of the first (the
        official layers are deep copies of one layer), the deformable sampling
        grid, xavier-uniform input projections and reference-point layer with
        zero biases, N(0, 1) level embeddings and query embeddings."""
        BaseModule.init_weights(self)
        for coder in (self.encoder, self.decoder):
            for m in coder.modules():
                if isinstance(m, MultiScaleDeformableAttention):
                    m.init_weights()
            for layer in coder.layers[1:]:
                layer.load_state_dict(coder.layers[0].state_dict())
        for conv in self.neck.modules():
            if isinstance(conv, nn.Conv2d):
                xavier_init(conv, distribution='uniform', bias=0.)
        xavier_init(self.reference_points_fc, distribution='uniform', bias=0.)
        nn.init.normal_(self.level_embed)
        nn.init.normal_(self.query_patterns.weight)
        nn.init.normal_(self.query_position.weight)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict,
                              missing_keys, unexpected_keys, error_msgs):
        expected = {prefix + k: v.shape for k, v in self.state_dict().items()}
        given = {k: v.shape for k, v in state_dict.items()
                 if k.startswith(prefix)}
        missing = sorted(k for k in expected if k not in given
                         and not k.endswith('num_batches_tracked'))
        unexpected = sorted(k for k in given if k not in expected)
        shapes = sorted(f'{k}: checkpoint {tuple(given[k])} vs model '
                        f'{tuple(v)}' for k, v in expected.items()
                        if k in given and given[k] != v)
        if missing or unexpected or shapes:

            def head(keys):
                return ', '.join(keys[:6]) + (' ...' if len(keys) > 6 else '')

            raise RuntimeError(
                f'The checkpoint does not match this Obj2Seq model: '
                f'{len(missing)} missing keys ({head(missing)}), '
                f'{len(unexpected)} unexpected keys ({head(unexpected)}), '
                f'{len(shapes)} shape mismatches ({head(shapes)}). Convert '
                'official checkpoints with tools/model_converters/'
                'obj2seq2mmvrl.py and use the config of the same variant '
                '(refinement, pose, prompt_dims=512 for the released CLIP '
                'prompts, neck bias=True).')
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def forward_transformer(self, img_feats: Tuple[Tensor],
                            batch_data_samples: OptSampleList = None) -> Dict:
        """pre_transformer -> encoder -> indicator/retention -> decoder + head."""
        encoder_inputs_dict, decoder_inputs_dict = self.pre_transformer(
            img_feats, batch_data_samples)
        encoder_outputs_dict = self.forward_encoder(**encoder_inputs_dict)
        tmp_dec_in, head_inputs_dict = self.pre_decoder(
            **encoder_outputs_dict, batch_data_samples=batch_data_samples)
        decoder_inputs_dict.update(tmp_dec_in)
        if not self.indicator_only:
            head_inputs_dict.update(
                self.forward_decoder(**decoder_inputs_dict))
        return head_inputs_dict

    def pre_decoder(self, memory: Tensor, memory_mask: Tensor,
                    spatial_shapes: Tensor,
                    batch_data_samples: OptSampleList = None
                    ) -> Tuple[Dict, Dict]:
        """Indicator, retention and group queries (paper Sec. 3.2, 3.3).

        Returns decoder inputs: ``query`` (S, N, d), ``reference_points``
        (S, N, 2), ``memory`` (B, HW, d), ``bs_idx``/``cls_idx`` (S,),
        ``class_vectors`` (S, d) or None (no indicator), ``presence_logits``
        (S,) or None; and head
        inputs: ``indicator_logits`` (list of (B, C)), ``bs_idx``, ``cls_idx``.
        """
        batch_size = memory.size(0)
        indicator_logits = None
        presence = None
        if self.prompt_indicator is not None:
            indicator_logits, class_feats = self.prompt_indicator(
                memory, memory_mask)
            forced = None
            if self.training:
                forced = [s.gt_instances.labels.unique()
                          for s in batch_data_samples]
            subset = (self.test_cfg or {}).get('class_subset', None) \
                if not self.training else None
            bs_idx, cls_idx = self.prompt_indicator.retain(
                indicator_logits[-1], forced, subset)
            class_vectors = class_feats[bs_idx, cls_idx]
            presence = indicator_logits[-1][bs_idx, cls_idx]
        else:
            num_classes = self.bbox_head.num_classes
            cls_idx = torch.arange(num_classes, device=memory.device)
            cls_idx = cls_idx.repeat(batch_size)
            bs_idx = torch.arange(batch_size, device=memory.device)
            bs_idx = bs_idx.repeat_interleave(num_classes)
            class_vectors = None
        num_groups = bs_idx.numel()
        query = self.query_patterns.weight[None].expand(num_groups, -1, -1)
        if self.prompt_indicator is not None:
            query = query + class_vectors[:, None]
        reference = self.reference_points_fc(
            self.query_position.weight).sigmoid()
        reference = reference[None].expand(num_groups, -1, -1)
        decoder_inputs_dict = dict(
            query=query, reference_points=reference, memory=memory,
            bs_idx=bs_idx, class_vectors=class_vectors,
            presence_logits=presence)
        head_inputs_dict = dict(
            indicator_logits=indicator_logits, bs_idx=bs_idx, cls_idx=cls_idx)
        return decoder_inputs_dict, head_inputs_dict

    def forward_decoder(self, query: Tensor, reference_points: Tensor,
                        memory: Tensor, memory_mask: Optional[Tensor],
                        spatial_shapes: Tensor, level_start_index: Tensor,
                        valid_ratios: Tensor, bs_idx: Tensor,
                        class_vectors: Optional[Tensor],
                        presence_logits: Optional[Tensor]) -> Dict:
        """Object transition decoder over S groups (paper Sec. 3.3).

        Self-attention runs among the N queries of one group; cross-attention
        reads the memory of the group's image, for all groups of an image in one
        call (groups come image by image, K per image), so the memory is not
        copied or projected once per group.
        The head runs on every layer in training (aux losses) or with box
        refinement (next references = detached predicted boxes), else on the
        last layer only.

        Returns: ``layer_outputs``, a list of head output dicts.
        """
        num_images = memory.size(0)
        per_image = bs_idx.numel() // num_images
        image_major = torch.arange(
            num_images, device=bs_idx.device).repeat_interleave(per_image)
        if not torch.equal(bs_idx, image_major):
            memory = memory[bs_idx]
            memory_mask = memory_mask[bs_idx] \
                if memory_mask is not None else None
            valid_ratios = valid_ratios[bs_idx]
            bs_idx = torch.arange(bs_idx.numel(), device=bs_idx.device)
        ratios = valid_ratios[bs_idx]
        attn_inputs = dict(
            key_padding_mask=memory_mask, spatial_shapes=spatial_shapes,
            level_start_index=level_start_index)
        reference = reference_points
        num_layers = len(self.decoder.layers)
        layer_outputs: List[Dict[str, Tensor]] = []
        for lid, layer in enumerate(self.decoder.layers):
            if reference.size(-1) == 4:
                ref_input = reference[:, :, None] * \
                    torch.cat([ratios, ratios], -1)[:, None]
            else:
                ref_input = reference[:, :, None] * ratios[:, None]
            query = self.decoder_layer(layer, query, ref_input, memory,
                                       **attn_inputs)
            if self.training or self.with_box_refine or lid == num_layers - 1:
                out = self.bbox_head.forward_layer(
                    lid, query, reference, class_vectors, presence_logits,
                    value=memory, valid_ratios=ratios, **attn_inputs)
                out['hidden_states'] = query
                layer_outputs.append(out)
                if self.with_box_refine:
                    reference = out['boxes'].detach()
        return dict(layer_outputs=layer_outputs)

    @staticmethod
    def decoder_layer(layer: nn.Module, query: Tensor, ref_input: Tensor,
                      memory: Tensor, **attn_inputs) -> Tensor:
        """mmdet's ``DeformableDetrTransformerDecoderLayer`` (post-norm, no query
        position) with self-attention among the N queries of each group and
        the cross-attention of all groups of an image on its memory at once
        (:func:`grouped_deformable_attention`)."""
        query = layer.norms[0](layer.self_attn(
            query=query, key=query, value=query))
        query = layer.norms[1](grouped_deformable_attention(
            layer.cross_attn, query, ref_input, memory, **attn_inputs))
        return layer.norms[2](layer.ffn(query))

    def loss(self, batch_inputs: Tensor,
             batch_data_samples: SampleList) -> Dict[str, Tensor]:
        img_feats = self.extract_feat(batch_inputs)
        head_inputs = self.forward_transformer(img_feats, batch_data_samples)
        losses = dict()
        if not self.indicator_only:
            losses.update(self.bbox_head.loss(
                head_inputs['layer_outputs'], head_inputs['bs_idx'],
                head_inputs['cls_idx'], batch_data_samples))
        if self.prompt_indicator is not None:
            targets = multi_label_targets(
                batch_data_samples, self.prompt_indicator.num_classes,
                batch_inputs.device)
            losses.update(self.prompt_indicator.loss(
                head_inputs['indicator_logits'], targets))
        return losses

    def predict(self, batch_inputs: Tensor, batch_data_samples: SampleList,
                rescale: bool = True) -> SampleList:
        """Detections (and keypoints) per image; ``multilabel_scores`` (C,) holds
        the indicator's class-presence probabilities."""
        img_feats = self.extract_feat(batch_inputs)
        head_inputs = self.forward_transformer(img_feats, batch_data_samples)
        if self.indicator_only:
            results = [InstanceData(
                bboxes=batch_inputs.new_zeros(0, 4),
                scores=batch_inputs.new_zeros(0),
                labels=batch_inputs.new_zeros(0, dtype=torch.long))
                for _ in batch_data_samples]
        else:
            results = self.bbox_head.predict(
                head_inputs['layer_outputs'][-1], head_inputs['bs_idx'],
                head_inputs['cls_idx'],
                [s.metainfo for s in batch_data_samples], rescale=rescale)
        batch_data_samples = self.add_pred_to_datasample(
            batch_data_samples, results)
        if self.prompt_indicator is not None:
            probs = head_inputs['indicator_logits'][-1].sigmoid()
            for sample, prob in zip(batch_data_samples, probs):
                sample.multilabel_scores = prob
        return batch_data_samples

    def _forward(self, batch_inputs: Tensor,
                 batch_data_samples: OptSampleList = None):
        img_feats = self.extract_feat(batch_inputs)
        head_inputs = self.forward_transformer(img_feats, batch_data_samples)
        if self.indicator_only:
            return head_inputs['indicator_logits']
        return head_inputs['layer_outputs']
