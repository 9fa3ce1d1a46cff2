# UniVIP pre-training of ResNet-50 on ImageNet-1k, 200 epochs (the paper's 73.1 % linear-probe
# row, +2.5 over BYOL's 70.6). UniVIP publishes no code; the optimiser is mmpretrain's BYOL
# recipe at batch 4096 (16 GPUs x 256, inherited): LARS lr 4.8, momentum 0.9, weight decay
# 1e-6, BN and bias parameters excluded from decay and from the LARS adaptation, 10 linear
# warm-up epochs then cosine. Target tau 0.996 -> 1 (mmpretrain momentum 0.004 -> 0) as in
# BYOL's ImageNet recipe [INF]. Per image: two 224 scene windows sharing K = 4 offline
# proposals (20 tries, random fill when none fit), instances cropped from the original image at
# 96 px; BYOL T1/T2 augmentations on the scenes, T1 on the online and T2 on the target copy of
# each instance [INF]; loss = scene-scene + scene-instance + OT instance-instance (weights 1),
# Sinkhorn eps 0.1, 50 iterations, unit mass [INF]. Proposals: run
#   python tools/dataset_converters/univip_proposals.py data/imagenet/train \
#       data/imagenet/meta/univip_proposals_train.json
# `tools/test.py <this config> <checkpoint>` reports the 20-NN accuracy (T 0.07) of the frozen
# pooled ResNet feature on the val split, the train split serving as the labelled bank.
_base_ = ['mmpretrain::byol/byol_resnet50_16xb256-coslr-200e_in1k.py']

custom_imports = dict(imports=['projects.univip'], allow_failed_imports=False)

data_root = 'data/imagenet/'
proposal_file = 'meta/univip_proposals_train.json'
img_prefix = 'train/'
num_instances = 4
scene_size = 224
instance_size = 96

model = dict(
    type='UniVIP',
    num_instances=num_instances,
    embed_dim=256,
    base_momentum=0.004,
    end_momentum=0.0,
    ot=dict(type='SinkhornOT', eps=0.1, num_iters=50, mass='unit'),
    ot_weights='scene',
    loss_weights=dict(scene=1.0, scene_instance=1.0, instance=1.0))

# BYOL's T1 / T2 of mmpretrain's BYOL data config without their RandomResizedCrop (the sampler
# crops and resizes)
view_pipeline1 = _base_.view_pipeline1[1:]
view_pipeline2 = _base_.view_pipeline2[1:]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='UniVIPSceneInstanceSampler',
        num_instances=num_instances,
        max_tries=20,
        scene_size=scene_size,
        instance_size=instance_size,
        crop_ratio_range=(0.08, 1.0),
        aspect_ratio_range=(3. / 4., 4. / 3.),
        interpolation='bicubic',
        min_overlap=64,
        min_size=64,
        max_ratio=3.0,
        iou_thr=0.5,
        instance_select='rank'),
    dict(
        type='UniVIPViewAugment',
        scene_pipelines=[view_pipeline1, view_pipeline2],
        instance_pipelines=[view_pipeline1, view_pipeline2],
        instance_two_views=True),
    dict(type='PackInputs', algorithm_keys=['num_fallback_instances'])
]
train_dataloader = dict(
    batch_size=256,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    drop_last=True,
    dataset=dict(
        _delete_=True,
        type='UniVIPProposalDataset',
        data_root=data_root,
        ann_file=proposal_file,
        data_prefix=dict(img_path=img_prefix),
        pipeline=train_pipeline))

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow',
         interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs')
]
test_dataloader = dict(
    batch_size=128,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='ImageNet', data_root='data/imagenet/', split='val',
                 pipeline=test_pipeline))
knn_bank_dataloader = dict(
    test_dataloader,
    dataset=dict(test_dataloader['dataset'], split='train'))
test_cfg = dict(type='FrozenFeatureTestLoop', bank_dataloader=knn_bank_dataloader)
test_evaluator = [dict(type='KNNAccuracy', k=20, temperature=0.07, topk=(1, 5))]

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=3))
randomness = dict(seed=0, diff_rank_seed=True)
