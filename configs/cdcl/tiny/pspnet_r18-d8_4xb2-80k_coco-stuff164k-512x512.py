_base_ = [
    '../pspnet_r18-d8_4xb2-80k_coco-stuff164k-512x512.py',
    '../_base_/tiny_datasets.py'
]

# Tiny twin: 128x128 crops of the tiny datasets, a 16-channel ResNet-18, no pretrained
# weights, 300 iterations.
crop_size = (128, 128)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(stem_channels=16, base_channels=16, init_cfg=None),
    decode_head=dict(in_channels=128, channels=32),
    auxiliary_head=dict(in_channels=64, channels=16))
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset={{_base_.tiny_coco_stuff_train}})
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset={{_base_.tiny_coco_stuff_val}})
test_dataloader = val_dataloader
train_cfg = dict(max_iters=300, val_interval=300)
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=0.9,
        begin=0,
        end=300,
        by_epoch=False)
]
default_hooks = dict(
    logger=dict(interval=20), checkpoint=dict(interval=300))
