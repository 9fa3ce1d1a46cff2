# Obj2Seq R50 human pose on COCO person keypoints, 50 epochs. One class (person), so
# no prompt indicator: each image is one group; 6 decoder layers; the sequence head
# predicts 38 steps (box x, y, w, h, then x/y offsets of the 17 joints relative to
# the box). Paper: 55.4 box AP / 61.2 keypoint AP on val2017.
_base_ = ['./obj2seq_r50_8xb1-50e_coco.py']

data_root = 'data/coco/'
model = dict(
    indicator=None,
    decoder=dict(num_layers=6),
    bbox_head=dict(
        num_classes=1,
        num_keypoints=17,
        classifier='linear',
        classifier_layers=1,
        combine='none',
        loss_keypoint=dict(type='KeypointL1Loss', loss_weight=40.0),
        loss_oks=dict(type='KeypointOKSLoss', loss_weight=5.0)),
    train_cfg=dict(
        assigner=dict(
            type='Obj2SeqHungarianAssigner',
            match_costs=[
                dict(type='FocalLossCost', weight=2.0, eps=1e-8),
                dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
                dict(type='IoUCost', iou_mode='giou', weight=2.0),
                dict(type='KeypointL1Cost', weight=40.0),
                dict(type='KeypointOKSCost', weight=5.0)
            ])))

scales = [(480, 1333), (512, 1333), (544, 1333), (576, 1333), (608, 1333),
          (640, 1333), (672, 1333), (704, 1333), (736, 1333), (768, 1333),
          (800, 1333)]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadKeypointAnnotations', with_bbox=True),
    dict(type='KeypointRandomFlip', prob=0.5),
    dict(
        type='RandomChoice',
        transforms=[[
            dict(type='RandomChoiceResize', resize_type='KeypointResize',
                 scales=scales, keep_ratio=True)
        ], [
            dict(type='RandomChoiceResize', resize_type='KeypointResize',
                 scales=[(400, 4200), (500, 4200), (600, 4200)],
                 keep_ratio=True),
            dict(type='KeypointRandomCrop', crop_type='absolute_range',
                 crop_size=(384, 600), allow_negative_crop=True),
            dict(type='RandomChoiceResize', resize_type='KeypointResize',
                 scales=scales, keep_ratio=True)
        ]]),
    dict(type='PackKeypointDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='KeypointResize', scale=(1333, 800), keep_ratio=True),
    dict(type='LoadKeypointAnnotations', with_bbox=True),
    dict(type='PackKeypointDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))
]
train_dataloader = dict(
    dataset=dict(
        type='CocoKeypointDataset', data_root=data_root,
        ann_file='annotations/person_keypoints_train2017.json',
        data_prefix=dict(img='train2017/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=1),
        min_visible_keypoints=10, pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type='CocoKeypointDataset', data_root=data_root,
        ann_file='annotations/person_keypoints_val2017.json',
        data_prefix=dict(img='val2017/'), pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    _delete_=True, type='CocoKeypointMetric',
    ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator

optim_wrapper = dict(optimizer=dict(lr=3e-4))
