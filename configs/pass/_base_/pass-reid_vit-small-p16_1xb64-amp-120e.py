# Shared recipe of the PASS supervised ReID fine-tuning (official PASS_transreid
# configs/{market,msmt17}/vit_small.yml and run_pass_vit_small_*.sh): converted PASS
# ViT-S/16 teacher, BN necks on [CLS] and the 3 [PART] tokens fused by concatenation,
# CE + soft-margin batch-hard triplet, SGD 4e-4 (bias lr x2, wd 1e-4 everywhere), timm
# cosine with 20 warm-up epochs from 0.01 x lr to 0.002 x lr over 120 epochs (stepped per
# epoch), P x K = 16 x 4 batches on one GPU, AMP, evaluation at epoch 120 with the
# Market-1501 protocol. Datasets, pipelines and the input size live in the full configs.
_base_ = ['mmpretrain::_base_/default_runtime.py']

custom_imports = dict(imports=['projects.pass'], allow_failed_imports=False)

# Converted official teacher backbone (tools/model_converters/pass2mmvrl.py
# pass_vit_small_full.pth <this path>) or the teacher of our own pre-training.
pretrained = 'checkpoints/pass_vit-small-p16_lup_backbone.pth'
embed_dims = 384
num_classes = 751
batch_size = 64
num_instances = 4
base_lr = 4e-4
max_epochs = 120

model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        mean=[127.5, 127.5, 127.5],  # mean = std = 0.5 (not ImageNet's)
        std=[127.5, 127.5, 127.5],
        to_rgb=True),
    backbone=dict(
        type='PASSViT',
        arch='deit-small',
        img_size=(256, 128),
        patch_size=16,
        num_parts=3,
        drop_path_rate=0.1,
        pos_embed_mode='finetune',
        pos_embed_hw_ratio=2,
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(
        type='PartBNNeck',
        in_channels=embed_dims,
        num_parts=3,
        fusion='cat',
        multi_neck=True),
    head=dict(
        type='PASSReIDHead',
        num_classes=num_classes,
        in_channels=2 * embed_dims,
        loss_cls=dict(type='CrossEntropyLoss', loss_weight=1.0),
        triplet_weight=1.0))

meta_keys = ('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'pid',
             'camid', 'query')
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(
        type='RandomIdentitySampler',
        batch_size=batch_size,
        num_instances=num_instances),
    collate_fn=dict(type='default_collate'))
test_dataloader = dict(
    batch_size=256,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'))
val_dataloader = test_dataloader
test_evaluator = dict(type='ReIDMetric', ranks=(1, 5, 10))
val_evaluator = test_evaluator

optim_wrapper = dict(
    type='AmpOptimWrapper',
    optimizer=dict(
        type='SGD', lr=base_lr, momentum=0.9, weight_decay=1e-4),
    # official: every parameter whose name contains "bias" gets lr x 2 and the same
    # weight decay (BIAS_LR_FACTOR 2, WEIGHT_DECAY_BIAS 1e-4)
    paramwise_cfg=dict(custom_keys={'bias': dict(lr_mult=2.0, decay_mult=1.0)}))
param_scheduler = [
    dict(
        type='WarmupCosineLR',
        max_epochs=max_epochs,
        warmup_epochs=20,
        warmup_value=0.01 * base_lr,
        eta_min=0.002 * base_lr,
        t_offset=1)
]
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64, enable=False)

default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=2,
                    save_last=True))
randomness = dict(seed=42)
