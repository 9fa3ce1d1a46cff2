# ViT-iGPT baseline of the SAIM paper (README table: 300 epochs, 82.7 fine-tune, 20.4 linear):
# the SAIM recipe with the fixed raster (row-major) generation order instead of a random
# permutation per image [INF: the README does not spell the baseline out].
_base_ = ['./saim_vit-base-p16_32xb64-amp-coslr-300e_in1k.py']

model = dict(backbone=dict(generation_order='raster'))
