_base_ = ['./dpt-small_8xb128_300e_in1k.py']

model = dict(backbone=dict(arch='medium'))
