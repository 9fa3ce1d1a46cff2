# Shared by the tiny twins of ../retinanet_dpt-{tiny,small,medium}-fpn_8xb2_1x_coco.py:
# the tiny COCO setup of tiny_coco_1x.py with a 32-channel RetinaNet head.
_base_ = ['./tiny_coco_1x.py']

tiny_coco_model = dict(
    bbox_head=dict(
        num_classes=len(_base_.tiny_coco_classes),
        in_channels=32,
        feat_channels=32,
        stacked_convs=1),
    test_cfg=dict(nms_pre=200, score_thr=0.005, max_per_img=50))
