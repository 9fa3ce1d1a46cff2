# Tiny twin of ../mac_vit-base-p16-res224-webvid2m-cc3m-pre_4xb16-u1-10e_coco-karpathy-rgb.py:
# still synthetic shapes as one-frame clips in Karpathy's COCO layout (200 train / 40
# test images, 5 captions each: multi-caption ground truth), tiny encoders, 2 epochs.
_base_ = [
    '../mac_vit-base-p16-res224-webvid2m-cc3m-pre_4xb16-u1-10e_coco-karpathy-rgb.py',
    './_base_/tiny_mac.py', './_base_/tiny_mac_image.py'
]

model = _base_.tiny_model
train_pipeline = _base_.tiny_image_train.pipeline
test_pipeline = _base_.tiny_image_test_loader.dataset.pipeline
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    dataset=_base_.tiny_image_train)
val_dataloader = _base_.tiny_image_test_loader
test_dataloader = val_dataloader
optim_wrapper = _base_.tiny_optim_wrapper
train_cfg = dict(max_epochs=_base_.tiny_max_epochs)
param_scheduler = _base_.tiny_param_scheduler
env_cfg = _base_.tiny_env_cfg
