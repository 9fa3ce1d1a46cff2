# The tiny Faster R-CNN setup of tiny_lvis-v0.5_faster-rcnn.py on tiny LVIS v1
# (same 30 classes; images are found through the annotation file names).
_base_ = ['./tiny_lvis-v0.5_faster-rcnn.py']

tiny_lvis_data_root = 'data/tiny/lvis_v1/'
tiny_lvis_train_dataloader = dict(
    dataset=dict(
        data_root=tiny_lvis_data_root,
        ann_file='annotations/lvis_v1_train.json',
        data_prefix=dict(img='')))
tiny_lvis_val_dataloader = dict(
    dataset=dict(
        data_root=tiny_lvis_data_root,
        ann_file='annotations/lvis_v1_val.json',
        data_prefix=dict(img='')))
tiny_lvis_val_evaluator = dict(
    ann_file=tiny_lvis_data_root + 'annotations/lvis_v1_val.json')
tiny_lvis_label_groups_file = tiny_lvis_data_root + \
    'annotations/lvis_v1_val.json'
tiny_lvis_acsl_model = dict(
    roi_head=dict(
        bbox_head=dict(
            loss_cls=dict(label_groups_file=tiny_lvis_label_groups_file))))
