# MAC fine-tuning for MSR-VTT text-to-video retrieval: train_9k (one random caption of
# each of the 9,000 clips per sample, Frozen in Time's protocol), test 1k-A (JSFusion).
# Frozen's MSR-VTT recipe: 4 frames at 224, AdamW lr 3e-5 (weight decay 0.01), 4 GPUs x
# 16, 100 epochs of 9k samples; warm-up (1 epoch) + cosine and AMP are ours [INF].
# Whether MAC masks during fine-tuning is not stated: masks are off by default
# (finetune ratios 0 = Frozen); set video_encoder.mask_ratio / text_mask_ratio to use them.
# Start from a MAC pre-training checkpoint: --cfg-options load_from=<ckpt>.
_base_ = ['./_base_/mac_vit-base-p16-res224.py']

finetune_video_mask_ratio = 0.0
finetune_text_mask_ratio = 0.0
model = dict(
    video_encoder=dict(mask_ratio=finetune_video_mask_ratio),
    text_mask_ratio=finetune_text_mask_ratio)

train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='MACVideoTextDataset',
        ann_file='train_9k.json',
        data_root={{_base_.msrvtt_root}},
        data_prefix=dict(video='videos'),
        caption_mode='random',
        pipeline={{_base_.train_pipeline}}))

max_epochs = 100
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_begin=1,
    val_interval=1)
optim_wrapper = dict(optimizer=dict(lr=3e-5))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=max_epochs,
         T_max=max_epochs - 1, eta_min=0, convert_to_iter_based=True)
]
auto_scale_lr = dict(enable=False, base_batch_size=64)
