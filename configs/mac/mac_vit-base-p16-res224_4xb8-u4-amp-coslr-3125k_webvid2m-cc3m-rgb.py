# MAC pre-training on WebVid-2M clips (T = 4) + CC3M images (T = 1), 5.5M pairs, end to
# end from pixels (arXiv 2212.00986, Table 1). Masks: rho_v 0.6 per frame, rho_t 0.3.
# Schedule: Frozen in Time's 100 "epochs" of 1M samples = 100M samples; with 4 GPUs x 8
# that is 3,125k iterations, one Frozen epoch (31,250 iterations) of linear warm-up,
# then cosine [INF]; AdamW lr 1e-4, weight decay 0.01 [INF]. Each batch holds one source
# (MACSourceBatchSampler), so 4-frame clips and 1-frame images never share a tensor.
# Zero-shot MSR-VTT 1k-A retrieval every Frozen epoch.
# Data layout: data/webvid/{train.json, videos/} ({video file: [caption]}, see README)
# and data/cc3m/{cc3m_train.json, images/} (Karpathy-style JSON, split 'train').
_base_ = [
    './_base_/mac_vit-base-p16-res224.py', './_base_/mac_image_pipelines.py'
]

iters_per_frozen_epoch = 1_000_000 // 32
max_iters = 100 * iters_per_frozen_epoch

__webvid = dict(
    type='MACVideoTextDataset',
    ann_file='train.json',
    data_root='data/webvid',
    data_prefix=dict(video='videos'),
    caption_mode='random',
    pipeline={{_base_.train_pipeline}})
__cc3m = dict(
    type='MACImageTextDataset',
    ann_file='cc3m_train.json',
    data_root='data/cc3m',
    data_prefix=dict(img='images'),
    split='train',
    caption_mode='random',
    pipeline={{_base_.image_train_pipeline}})
train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='MACSourceBatchSampler', drop_last=True),
    dataset=dict(type='ConcatDataset', datasets=[__webvid, __cc3m]))

train_cfg = dict(
    type='IterBasedTrainLoop',
    max_iters=max_iters,
    val_interval=iters_per_frozen_epoch)
optim_wrapper = dict(optimizer=dict(lr=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=iters_per_frozen_epoch),
    dict(type='CosineAnnealingLR', by_epoch=False,
         begin=iters_per_frozen_epoch, end=max_iters, T_max=max_iters -
         iters_per_frozen_epoch, eta_min=0)
]
default_hooks = dict(
    checkpoint=dict(by_epoch=False, interval=iters_per_frozen_epoch))
log_processor = dict(by_epoch=False)
auto_scale_lr = dict(enable=False, base_batch_size=32)
