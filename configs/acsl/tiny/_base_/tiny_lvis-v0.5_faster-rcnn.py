# Shared by the tiny twins of the Faster R-CNN LVIS v0.5 configs: tiny LVIS v0.5
# (30 classes, 10 rare / 10 common / 10 frequent, 128-160 px), a ResNet at 1/8
# width, narrow FPN/RPN/RoI heads, few proposals, short schedule, no pretrained
# weights. Every name carries the tiny_lvis_ prefix so that it never clashes
# with a key of the full config; each twin assigns them to the real keys.
tiny_lvis_data_root = 'data/tiny/lvis_v0.5/'
tiny_lvis_classes = ('airplane', 'apple', 'backpack', 'banana', 'baseball_bat',
                     'bicycle', 'book', 'bottle', 'bowl', 'cake', 'chair',
                     'clock', 'cow', 'cup', 'dog', 'elephant', 'frisbee',
                     'giraffe', 'horse', 'kite', 'motorcycle', 'pizza',
                     'sheep', 'umbrella', 'zebra', 'bench', 'bird', 'knife',
                     'laptop_computer', 'toothbrush')
tiny_lvis_metainfo = dict(classes=tiny_lvis_classes)
tiny_lvis_img_scale = (160, 160)

tiny_lvis_model = dict(
    backbone=dict(
        base_channels=8, frozen_stages=-1, norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[32, 64, 128, 256], out_channels=32),
    rpn_head=dict(
        in_channels=32,
        feat_channels=32,
        anchor_generator=dict(scales=[4], strides=[4, 8, 16, 32, 64])),
    roi_head=dict(
        bbox_roi_extractor=dict(
            out_channels=32, roi_layer=dict(output_size=4)),
        bbox_head=dict(
            in_channels=32,
            fc_out_channels=64,
            roi_feat_size=4,
            num_classes=len(tiny_lvis_classes))),
    train_cfg=dict(
        rpn=dict(sampler=dict(num=64)),
        rpn_proposal=dict(nms_pre=300, max_per_img=100),
        rcnn=dict(sampler=dict(num=64))),
    test_cfg=dict(
        rpn=dict(nms_pre=300, max_per_img=100), rcnn=dict(max_per_img=50)))

# the stage-2 twins read the frequency groups from the tiny val annotation
tiny_lvis_label_groups_file = tiny_lvis_data_root + \
    'annotations/lvis_v0.5_val.json'
tiny_lvis_acsl_model = dict(
    tiny_lvis_model,
    roi_head=dict(
        tiny_lvis_model['roi_head'],
        bbox_head=dict(
            tiny_lvis_model['roi_head']['bbox_head'],
            loss_cls=dict(label_groups_file=tiny_lvis_label_groups_file))))

tiny_lvis_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=tiny_lvis_img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
tiny_lvis_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=tiny_lvis_img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor')),
]
tiny_lvis_train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=tiny_lvis_data_root,
        metainfo=tiny_lvis_metainfo,
        ann_file='annotations/lvis_v0.5_train.json',
        data_prefix=dict(img='train2017/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=4),
        pipeline=tiny_lvis_train_pipeline))
tiny_lvis_val_dataloader = dict(
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=tiny_lvis_data_root,
        metainfo=tiny_lvis_metainfo,
        ann_file='annotations/lvis_v0.5_val.json',
        data_prefix=dict(img='val2017/'),
        pipeline=tiny_lvis_test_pipeline))
tiny_lvis_val_evaluator = dict(ann_file=tiny_lvis_data_root +
                               'annotations/lvis_v0.5_val.json')

tiny_lvis_max_epochs = 12
tiny_lvis_train_cfg = dict(
    max_epochs=tiny_lvis_max_epochs, val_interval=tiny_lvis_max_epochs)
tiny_lvis_param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(
        type='MultiStepLR',
        begin=0,
        end=tiny_lvis_max_epochs,
        by_epoch=True,
        milestones=[8, 11],
        gamma=0.1),
]
tiny_lvis_optim_wrapper = dict(optimizer=dict(lr=0.04))
# stage 2 (ACSL fc_cls re-training) doubles the stage-1 lr, as the recipe does
# (0.01 -> 0.02 at 16 images)
tiny_lvis_acsl_optim_wrapper = dict(optimizer=dict(lr=0.08))
tiny_lvis_default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=tiny_lvis_max_epochs, max_keep_ckpts=1))
tiny_lvis_auto_scale_lr = dict(base_batch_size=4)
