# Obj2Seq R50, COCO detection, 50 epochs (official recipe; 8 GPUs x 1 image).
# Deformable encoder (6 layers), prompt indicator (2 blocks, K=20 classes kept per
# image), object transition decoder (4 layers, 100 queries per class group) and the
# sequence head (4 steps: x, y, w, h). Paper: 45.7 box AP on val2017.
_base_ = ['mmdet::deformable_detr/deformable-detr_r50_16xb2-50e_coco.py']

custom_imports = dict(imports=['projects.obj2seq'], allow_failed_imports=False)
default_scope = 'mmdet'

model = dict(
    type='Obj2Seq',
    num_queries=100,
    with_box_refine=False,
    # the official input projections have a bias before GroupNorm(32); with
    # 8 channels per group GroupNorm does not absorb it (mmdet's 'auto' drops it)
    neck=dict(bias=True),
    encoder=dict(
        layer_cfg=dict(
            self_attn_cfg=dict(dropout=0.0),
            ffn_cfg=dict(ffn_drop=0.0))),
    decoder=dict(
        num_layers=4,
        layer_cfg=dict(
            self_attn_cfg=dict(dropout=0.0),
            # cross-attention runs per image (the K groups of an image share
            # one call); mmcv's CUDA kernel needs the batch divisible by
            # min(batch, im2col_step): 64 holds for up to 64 images per GPU
            cross_attn_cfg=dict(dropout=0.0, im2col_step=64),
            ffn_cfg=dict(ffn_drop=0.0))),
    # class prompts: CLIP ViT-B/32 text embeddings of "a {class}" (80 x 512),
    # trained, mapped to d=256 by Linear + LayerNorm. The file initialises them
    # (needed to train from scratch, not to load a checkpoint): make it with
    # tools/misc/obj2seq_clip_prompts.py, or use the one that
    # tools/model_converters/obj2seq2mmvrl.py writes beside a converted
    # checkpoint; prompt_file=None starts the 512-d prompts from N(0, 1).
    indicator=dict(
        type='PromptIndicator',
        num_blocks=2,
        num_heads=8,
        ffn_dims=1024,
        prompt_file='data/coco/obj2seq_clip_prompts.npy',
        prompt_dims=512,
        retain_topk=20,
        init_prob=0.1,
        loss=dict(type='Obj2SeqAsymmetricLoss', gamma_pos=0.0, gamma_neg=2.0,
                  clip=0.0, eps=1e-5, loss_weight=0.25)),
    bbox_head=dict(
        _delete_=True,
        type='Obj2SeqHead',
        num_classes=80,
        embed_dims=256,
        num_heads=8,
        num_levels=4,
        num_points=4,
        predictor='sequence',
        classifier='dict',
        classifier_layers=2,
        init_prob=0.01,
        combine='multiple',
        im2col_step=64,
        loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0,
                      alpha=0.25, loss_weight=2.0),
        loss_bbox=dict(type='L1Loss', loss_weight=5.0),
        loss_iou=dict(type='GIoULoss', loss_weight=2.0)),
    train_cfg=dict(
        assigner=dict(
            type='Obj2SeqHungarianAssigner',
            match_costs=[
                dict(type='FocalLossCost', weight=2.0, eps=1e-8),
                dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
                dict(type='IoUCost', iou_mode='giou', weight=2.0)
            ])),
    # the official post-processing does not clip boxes to the image
    test_cfg=dict(max_per_img=100, clip_boxes=False))

train_dataloader = dict(batch_size=1)

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=2e-4, weight_decay=1e-4),
    clip_grad=dict(max_norm=0.1, norm_type=2),
    paramwise_cfg=dict(
        bias_decay_mult=0.0,
        flat_decay_mult=0.0,
        custom_keys={
            'backbone': dict(lr_mult=0.1),
            'sampling_offsets.bias': dict(lr_mult=0.1, decay_mult=0.0),
            'sampling_offsets': dict(lr_mult=0.1),
            'reference_points_fc.bias': dict(lr_mult=0.1, decay_mult=0.0),
            'reference_points': dict(lr_mult=0.1),
            'class_prompts': dict(decay_mult=0.0),
            'query_position': dict(decay_mult=0.0),
            'query_patterns': dict(decay_mult=0.0),
            'step_embed': dict(decay_mult=0.0),
        }))

auto_scale_lr = dict(base_batch_size=8)
# draws keypoints when present and writes PNG files (tools/test.py --show-dir)
visualizer = dict(type='KeypointDetLocalVisualizer')
