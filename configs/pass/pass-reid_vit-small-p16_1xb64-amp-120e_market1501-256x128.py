# PASS ViT-S/16 supervised fine-tuning on Market-1501 at 256x128 (official
# run_pass_vit_small_Market.sh; README: 92.2 mAP / 96.3 R1).
_base_ = ['./_base_/pass-reid_vit-small-p16_1xb64-amp-120e.py']

img_size = (256, 128)  # (h, w)
dataset_cfg = dict(type='Market1501Dataset', data_root='data/market1501')
model = dict(backbone=dict(img_size=img_size), head=dict(num_classes=751))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_size[::-1], interpolation='bicubic',
         backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=img_size, padding=10, pad_val=0),
    # official: timm RandomErasing(p 0.5, 'pixel' noise) after normalisation; here
    # before it, filled with N(127.5, 127.5) pixels (= N(0, 1) after mean=std=127.5)
    dict(type='RandomErasing', erase_prob=0.5, mode='rand',
         min_area_ratio=0.02, max_area_ratio=1 / 3, aspect_range=(0.3, 1 / 0.3),
         fill_color=(127.5, 127.5, 127.5), fill_std=(127.5, 127.5, 127.5)),
    dict(type='PackInputs', meta_keys=_base_.meta_keys),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_size[::-1], interpolation='bicubic',
         backend='pillow'),
    dict(type='PackInputs', meta_keys=_base_.meta_keys),
]
train_dataloader = dict(
    dataset=dict(split='train', pipeline=train_pipeline, **dataset_cfg))
test_dataloader = dict(
    dataset=dict(split='test', pipeline=test_pipeline, **dataset_cfg))
val_dataloader = test_dataloader
