# Shared by the tiny twins of the UniVIP pre-training configs: 64x64 multi-object scenes of
# tools/dataset_converters/make_tiny_datasets.py (--only univip_scenes; 2-4 shapes of 10
# classes, proposals = jittered ground-truth boxes + random distractors in the proposals JSON
# format), two 64 px scene windows sharing K = 3 proposals, 32 px instances, a ResNet-18 at
# quarter width (16 stem / base channels, 128-d output, BN), a 256 -> 64 projector and
# predictor, fp32 (CPU), a short schedule. The frozen pooled feature is judged by 20-NN on
# tiny ImageNet (train split as bank). Names carry the tiny_pt_ prefix so that they never
# clash with a key of the full config; each twin assigns them to the real keys.
tiny_pt_data_root = 'data/tiny/univip_scenes/'
tiny_pt_eval_root = 'data/tiny/imagenet/'
tiny_pt_num_instances = 3
tiny_pt_max_epochs = 4
tiny_pt_batch_size = 32

tiny_pt_model = dict(
    num_instances=tiny_pt_num_instances,
    embed_dim=64,
    backbone=dict(depth=18, stem_channels=16, base_channels=16,
                  norm_cfg=dict(type='BN')),
    neck=dict(in_channels=128, hid_channels=256, out_channels=64,
              norm_cfg=dict(type='BN1d')),
    head=dict(predictor=dict(in_channels=64, hid_channels=256, out_channels=64,
                             norm_cfg=dict(type='BN1d'))))

tiny_pt_sampler = dict(
    num_instances=tiny_pt_num_instances, scene_size=64, instance_size=32,
    min_overlap=16, min_size=12)
tiny_pt_train_dataloader = dict(
    batch_size=tiny_pt_batch_size, num_workers=0, persistent_workers=False,
    pin_memory=False,
    dataset=dict(data_root=tiny_pt_data_root, ann_file='annotations/proposals_train.json',
                 data_prefix=dict(img_path='train/')))
tiny_pt_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=64, edge='short', backend='pillow',
         interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=64),
    dict(type='PackInputs')
]
tiny_pt_test_dataloader = dict(
    batch_size=50, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=tiny_pt_eval_root, pipeline=tiny_pt_test_pipeline))
tiny_pt_bank_dataloader = dict(
    batch_size=50, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='ImageNet', data_root=tiny_pt_eval_root, split='train',
                 pipeline=tiny_pt_test_pipeline))
tiny_pt_param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=tiny_pt_max_epochs - 1, eta_min=0.,
         by_epoch=True, begin=1, end=tiny_pt_max_epochs, convert_to_iter_based=True)
]
tiny_pt_default_hooks = dict(
    logger=dict(type='LoggerHook', interval=5),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1))
tiny_pt_auto_scale_lr = dict(base_batch_size=tiny_pt_batch_size)
