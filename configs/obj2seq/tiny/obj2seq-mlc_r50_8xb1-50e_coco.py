# Tiny twin of ../obj2seq-mlc_r50_8xb1-50e_coco.py: tiny COCO (8 classes), 128 px, a
# quarter-width ResNet-18 without pretrained weights, d=32, 1 encoder layer, 1
# indicator block; only the indicator is trained (multi-label mAP).
_base_ = [
    '../obj2seq-mlc_r50_8xb1-50e_coco.py',
    './_base_/tiny_coco_det.py'
]

data_root = _base_.tiny_det_data_root
classes = _base_.tiny_det_classes
metainfo = _base_.tiny_det_metainfo
img_scale = _base_.tiny_det_img_scale
d = _base_.tiny_det_d
levels = _base_.tiny_det_levels

model = dict(
    num_queries=10,
    num_feature_levels=levels,
    backbone=dict(
        depth=18, base_channels=16, out_indices=(2, 3), frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[64, 128], out_channels=d, num_outs=levels,
              norm_cfg=dict(type='GN', num_groups=8)),
    encoder=dict(
        num_layers=1,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=d, num_heads=4, num_levels=levels,
                               num_points=2),
            ffn_cfg=dict(embed_dims=d, feedforward_channels=64))),
    decoder=dict(
        num_layers=1,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=d, num_heads=4),
            cross_attn_cfg=dict(embed_dims=d, num_heads=4, num_levels=levels,
                                num_points=2),
            ffn_cfg=dict(embed_dims=d, feedforward_channels=64))),
    positional_encoding=dict(num_feats=d // 2),
    indicator=dict(num_blocks=1, num_heads=4, ffn_dims=64, retain_topk=3),
    bbox_head=dict(
        num_classes=len(classes), embed_dims=d, num_heads=4,
        num_levels=levels, num_points=2))

train_pipeline = _base_.tiny_det_train_pipeline
test_pipeline = _base_.tiny_det_test_pipeline
train_dataloader = _base_.tiny_det_train_dataloader
val_dataloader = _base_.tiny_det_val_dataloader
test_dataloader = val_dataloader

max_epochs = 20
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[16], gamma=0.1)
]
optim_wrapper = _base_.tiny_det_optim_wrapper
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
auto_scale_lr = _base_.tiny_det_auto_scale_lr
