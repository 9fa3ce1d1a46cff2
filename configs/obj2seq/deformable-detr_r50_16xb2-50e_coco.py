# Baseline: mmdet's own Deformable DETR R50 50e (300 queries), unchanged: the peer of
# the speed comparison. The 44.6 box AP that the Obj2Seq release lists for Deformable
# DETR comes from an official checkpoint and is not claimed for this config.
_base_ = ['mmdet::deformable_detr/deformable-detr_r50_16xb2-50e_coco.py']

default_scope = 'mmdet'
