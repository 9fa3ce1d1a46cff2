# Obj2Seq R50 with iterative box refinement: one sequence head per decoder layer, the
# next layer samples around the previous layer's (detached) boxes. Paper: 46.7 box AP.
_base_ = ['./obj2seq_r50_8xb1-50e_coco.py']

model = dict(with_box_refine=True)
