# Shared by the tiny twins of ../mask-rcnn_dpt-{tiny,small,medium}-fpn_8xb2_1x_coco.py:
# the tiny COCO setup of tiny_coco_1x.py with a 32-channel Mask R-CNN neck/head
# and pipelines that load the masks.
_base_ = ['./tiny_coco_1x.py']

tiny_coco_model = dict(
    rpn_head=dict(in_channels=32, feat_channels=32),
    roi_head=dict(
        bbox_roi_extractor=dict(
            out_channels=32, roi_layer=dict(output_size=4)),
        bbox_head=dict(
            in_channels=32,
            fc_out_channels=64,
            roi_feat_size=4,
            num_classes=len(_base_.tiny_coco_classes)),
        mask_roi_extractor=dict(
            out_channels=32, roi_layer=dict(output_size=7)),
        mask_head=dict(
            num_convs=1,
            in_channels=32,
            conv_out_channels=32,
            num_classes=len(_base_.tiny_coco_classes))),
    train_cfg=dict(
        rpn=dict(sampler=dict(num=64)),
        rpn_proposal=dict(nms_pre=300, max_per_img=100),
        rcnn=dict(sampler=dict(num=64), mask_size=14)),
    test_cfg=dict(
        rpn=dict(nms_pre=300, max_per_img=100), rcnn=dict(max_per_img=50)))

tiny_coco_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='Resize', scale=_base_.tiny_coco_img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
tiny_coco_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=_base_.tiny_coco_img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
tiny_coco_train_dataloader = dict(
    dataset=dict(pipeline=tiny_coco_train_pipeline))
tiny_coco_val_dataloader = dict(dataset=dict(pipeline=tiny_coco_test_pipeline))
