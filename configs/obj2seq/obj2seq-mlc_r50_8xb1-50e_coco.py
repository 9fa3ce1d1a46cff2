# Obj2Seq prompt indicator alone as a multi-label classifier on COCO (the decoder and
# sequence head are skipped), evaluated with VOC-style multi-label mAP. The paper's
# abstract reports 89.0 mAP, but its recipe (resolution, schedule) is not released;
# this config reuses the detection recipe.
_base_ = ['./obj2seq_r50_8xb1-50e_coco.py']

model = dict(indicator_only=True)
val_evaluator = dict(_delete_=True, type='MultiLabelMAPMetric')
test_evaluator = val_evaluator
