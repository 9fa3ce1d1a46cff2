# Shared by the tiny twins of ../obj2seq-pose_r50_8xb1-{50e,150e}_coco-keypoint.py:
# tiny COCO stick-figure persons, 128 px, and the tiny Obj2Seq model and schedule
# of tiny_coco_det.py (quarter-width ResNet-18 without pretrained weights, d=32,
# 2 levels, 1 encoder / 2 decoder layers, 10 queries per image) without the
# class indicator; the full 38-step sequence. Every name carries the tiny_pose_
# prefix so that it never clashes with a key of the full config; each twin
# assigns them to the real keys.
_base_ = ['./tiny_coco_det.py']

tiny_pose_data_root = _base_.tiny_det_data_root
tiny_pose_img_scale = _base_.tiny_det_img_scale
tiny_pose_d = _base_.tiny_det_d
tiny_pose_levels = _base_.tiny_det_levels

# one class (person): no class indicator, no class count in the head
tiny_pose_model = {
    key: value
    for key, value in _base_.tiny_det_model.items() if key != 'indicator'
}
tiny_pose_model['bbox_head'] = {
    key: value
    for key, value in _base_.tiny_det_model.bbox_head.items()
    if key != 'num_classes'
}

tiny_pose_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadKeypointAnnotations', with_bbox=True),
    dict(type='KeypointResize', scale=tiny_pose_img_scale, keep_ratio=True),
    dict(type='KeypointRandomFlip', prob=0.5),
    dict(type='PackKeypointDetInputs'),
]
tiny_pose_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='KeypointResize', scale=tiny_pose_img_scale, keep_ratio=True),
    dict(type='LoadKeypointAnnotations', with_bbox=True),
    dict(
        type='PackKeypointDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor')),
]
tiny_pose_train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=tiny_pose_data_root,
        min_visible_keypoints=0,
        ann_file='annotations/person_keypoints_train2017.json',
        data_prefix=dict(img='train2017/'),
        pipeline=tiny_pose_train_pipeline))
tiny_pose_val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=tiny_pose_data_root,
        ann_file='annotations/person_keypoints_val2017.json',
        data_prefix=dict(img='val2017/'),
        pipeline=tiny_pose_test_pipeline))
tiny_pose_val_evaluator = dict(ann_file=tiny_pose_data_root +
                               'annotations/person_keypoints_val2017.json')

tiny_pose_max_epochs = _base_.tiny_det_max_epochs
tiny_pose_train_cfg = _base_.tiny_det_train_cfg
tiny_pose_param_scheduler = _base_.tiny_det_param_scheduler
tiny_pose_optim_wrapper = _base_.tiny_det_optim_wrapper
tiny_pose_default_hooks = _base_.tiny_det_default_hooks
tiny_pose_auto_scale_lr = _base_.tiny_det_auto_scale_lr
