# UniVIP pre-training of ResNet-50 on COCO train2017 (~118k scene images), 800 epochs (the
# paper's 60.2 % ImageNet linear-probe row). The optimiser follows ORL's BYOL-on-COCO recipe,
# which UniVIP evidently reuses [INF]: 8 GPUs x 64 = 512 images per step, SGD lr 0.4,
# momentum 0.9, weight decay 1e-4, 4 linear warm-up epochs then cosine to 0, fp16; target
# tau 0.99 -> 1 (mmpretrain momentum 0.01 -> 0). Views, proposals, losses and evaluation as in
# ./univip_resnet50_16xb256-coslr-200e_in1k.py. Proposals: run
#   python tools/dataset_converters/univip_proposals.py data/coco/train2017 \
#       data/coco/annotations/univip_proposals_train2017.json \
#       --coco data/coco/annotations/instances_train2017.json
_base_ = ['./univip_resnet50_16xb256-coslr-200e_in1k.py']

max_epochs = 800
warmup_epochs = 4

model = dict(base_momentum=0.01, end_momentum=0.0)
train_dataloader = dict(
    batch_size=64,
    dataset=dict(
        data_root='data/coco/',
        ann_file='annotations/univip_proposals_train2017.json',
        data_prefix=dict(img_path='train2017/')))

optim_wrapper = dict(
    _delete_=True,
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(type='SGD', lr=0.4, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=0.,
         by_epoch=True, begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=512)
