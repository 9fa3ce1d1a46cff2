# The tiny shape-scene set (tools/dataset_converters/tiny_datasets/shapes.py: 32x32 scenes,
# 6 shape classes, per-pixel label maps) as pre-training data and as the three frozen-feature
# judges of the MST benchmark in miniature (spec section 8): [CLS] 20-NN and linear probe on
# the image label (the large shape), and the dense per-patch probe on the label maps
# (FrozenPatchTestLoop + PatchProbeMIoU, projects/mst/dense_probe.py). Names carry the
# shapes_ prefix; tools/analysis_tools/mst_benchmark.py assigns them to the real keys.
_base_ = ['./tiny_pretrain.py']

shapes_data_root = 'data/tiny/shapes/'
shapes_classes = ('circle', 'square', 'triangle', 'star', 'cross', 'hexagon')
shapes_seg_classes = ('background', ) + shapes_classes
shapes_patch_size = _base_.tiny_pt_patch_size

# the tiny twins' multi-crop views (2 x 32 global, 2 x 16 local crops, 4x4 patches)
shapes_pretrain_pipeline = _base_.tiny_pt_train_pipeline
shapes_test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
shapes_seg_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.PackSegInputs', meta_keys=('img_path', 'seg_map_path', 'ori_shape',
                                          'img_shape'))
]


def _cls_dataset(split, pipeline):
    return dict(type='CustomDataset', data_root=shapes_data_root,
                ann_file=f'meta/{split}.txt', data_prefix=f'img_dir/{split}',
                metainfo=dict(classes=shapes_classes), pipeline=pipeline)


def _seg_dataset(split):
    return dict(type='mmseg.BaseSegDataset', data_root=shapes_data_root,
                data_prefix=dict(img_path=f'img_dir/{split}',
                                 seg_map_path=f'ann_dir/{split}'),
                img_suffix='.png', seg_map_suffix='.png', reduce_zero_label=False,
                metainfo=dict(classes=shapes_seg_classes), pipeline=shapes_seg_pipeline)


def _loader(dataset, batch_size=50, shuffle=False):
    return dict(batch_size=batch_size, num_workers=0, persistent_workers=False,
                pin_memory=False, sampler=dict(type='DefaultSampler', shuffle=shuffle),
                collate_fn=dict(type='default_collate'), dataset=dataset)


shapes_train_dataloader = _loader(_cls_dataset('train', shapes_pretrain_pipeline), 16, True)
shapes_bank_dataloader = _loader(_cls_dataset('train', shapes_test_pipeline))
shapes_test_dataloader = _loader(_cls_dataset('val', shapes_test_pipeline))
shapes_seg_bank_dataloader = _loader(_seg_dataset('train'))
shapes_seg_test_dataloader = _loader(_seg_dataset('val'))
shapes_dense_test_cfg = dict(type='FrozenPatchTestLoop',
                             bank_dataloader=shapes_seg_bank_dataloader,
                             patch_size=shapes_patch_size,
                             num_classes=len(shapes_seg_classes))
shapes_dense_evaluator = dict(type='PatchProbeMIoU', num_classes=len(shapes_seg_classes))
