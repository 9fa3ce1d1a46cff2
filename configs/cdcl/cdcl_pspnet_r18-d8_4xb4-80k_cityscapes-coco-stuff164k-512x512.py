_base_ = ['./_base_/cdcl_pspnet_r18-d8_4xb4-80k_two-datasets-512x512.py']

# CDCL (paper Sec. 3) on Cityscapes + COCO-Stuff 164k: dataset-specific BN everywhere, one classifier per
# dataset, the losses of one sub-batch per dataset summed every iteration. The shared recipe
# (PSPNet-R18, batch 8 per dataset, 512x512 crops, SGD 0.01 + poly) is in the base.
dataset_names = ['cityscapes', 'coco_stuff']
num_classes = [19, 171]
model = dict(
    dataset_names=dataset_names,
    decode_head=dict(num_classes=num_classes),
    auxiliary_head=dict(num_classes=num_classes))
train_dataloader = dict(
    dataset=dict(datasets=[
        {{_base_.cityscapes_train}},
        {{_base_.coco_stuff_train}}
    ]))
val_dataloader = dict(
    dataset=dict(datasets=[
        {{_base_.cityscapes_val}},
        {{_base_.coco_stuff_val}}
    ]))
test_dataloader = val_dataloader
val_cfg = dict(dataset_names=dataset_names)
test_cfg = dict(dataset_names=dataset_names)
