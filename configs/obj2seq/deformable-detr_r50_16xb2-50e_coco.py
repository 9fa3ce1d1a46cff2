# Baseline: mmdet's own Deformable DETR R50 50e (300 queries), unchanged. The official
# Obj2Seq release reports 44.6 box AP for it (converted checkpoint).
_base_ = ['mmdet::deformable_detr/deformable-detr_r50_16xb2-50e_coco.py']

default_scope = 'mmdet'
