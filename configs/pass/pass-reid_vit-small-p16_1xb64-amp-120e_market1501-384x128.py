# PASS ViT-S/16 supervised fine-tuning on Market-1501 at 384x128 (official
# run_pass_vit_small_Market_384.sh; README: 92.6 mAP / 96.8 R1): the 256x128 recipe at a
# taller input (24x8 patch grid; the 16x8 pre-training grid is resized bilinearly).
_base_ = ['./pass-reid_vit-small-p16_1xb64-amp-120e_market1501-256x128.py']

img_size = (384, 128)  # (h, w)
model = dict(backbone=dict(img_size=img_size))
train_pipeline, test_pipeline = _base_.train_pipeline, _base_.test_pipeline
train_pipeline[1].scale = test_pipeline[1].scale = img_size[::-1]
train_pipeline[3].crop_size = img_size
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
val_dataloader = test_dataloader
