# PASS ViT-S/16 supervised fine-tuning on MSMT17_V1 at 256x128 (official
# run_pass_vit_small_MSMT17.sh; README: 69.1 mAP / 86.5 R1): the Market-1501 recipe on
# MSMT17_V1 (1,041 training identities; the script sets no seed, so the cfg default).
_base_ = ['./pass-reid_vit-small-p16_1xb64-amp-120e_market1501-256x128.py']

dataset_cfg = dict(type='MSMT17Dataset', data_root='data/msmt17')
model = dict(head=dict(num_classes=1041))
train_dataloader = dict(dataset=dataset_cfg)
test_dataloader = dict(dataset=dataset_cfg)
val_dataloader = test_dataloader
randomness = dict(seed=1234)
