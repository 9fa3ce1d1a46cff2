"""Small CDCL models and hand-made batches shared by the CDCL tests."""
import copy

import torch
from mmengine.config import ConfigDict
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmengine.structures import PixelData

import projects.cdcl  # noqa: F401


def backbone_cfg(norm_cfg):
    return dict(
        type='ResNetV1c', depth=18, stem_channels=8, base_channels=8,
        num_stages=4, out_indices=(0, 1, 2, 3), dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1), norm_cfg=norm_cfg, norm_eval=False,
        style='pytorch', contract_dilation=True)


def cdcl_cfg(num_classes=(4, 3), names=None, bn_type='BN', dsbn=True):
    """A CDCL PSPNet with an 8-channel ResNet-18 (64-channel last stage)."""
    n = len(num_classes)
    norm_cfg = (dict(type='DSBN', num_datasets=n, bn_type=bn_type)
                if dsbn else dict(type='BN'))
    return dict(
        type='CDCLEncoderDecoder',
        num_datasets=n,
        dataset_names=names or [f'd{i}' for i in range(n)],
        data_preprocessor=dict(type='SegDataPreProcessor', mean=None, size=(32, 32),
                               std=None, pad_val=0, seg_pad_val=255),
        backbone=backbone_cfg(norm_cfg),
        decode_head=dict(
            type='DatasetAwarePSPHead', in_channels=64, in_index=3,
            channels=16, pool_scales=(1, 2), dropout_ratio=0.0,
            num_classes=list(num_classes), norm_cfg=norm_cfg,
            align_corners=False),
        auxiliary_head=dict(
            type='DatasetAwareFCNHead', in_channels=32, in_index=2,
            channels=8, num_convs=1, concat_input=False, dropout_ratio=0.0,
            num_classes=list(num_classes), norm_cfg=norm_cfg,
            align_corners=False,
            loss_decode=dict(type='CrossEntropyLoss', loss_weight=0.4)),
        train_cfg=dict(),
        test_cfg=dict(mode='whole'))


def stock_cfg(num_classes=4):
    """The mmseg EncoderDecoder + PSPHead + FCNHead twin of :func:`cdcl_cfg` (N = 1)."""
    cfg = cdcl_cfg((num_classes, ))
    cfg.pop('num_datasets')
    cfg.pop('dataset_names')
    cfg['type'] = 'EncoderDecoder'
    cfg['backbone'] = backbone_cfg(dict(type='BN'))
    for key, typ in (('decode_head', 'PSPHead'), ('auxiliary_head', 'FCNHead')):
        cfg[key]['type'] = typ
        cfg[key]['num_classes'] = num_classes
        cfg[key]['norm_cfg'] = dict(type='BN')
    return cfg


def build(cfg):
    init_default_scope('mmseg')
    torch.manual_seed(0)
    return MODELS.build(ConfigDict(copy.deepcopy(cfg)))


def make_batch(dataset_ids, num_classes=(4, 3), size=32, seed=0, tag='idx'):
    """Inputs (B, 3, size, size) and SegDataSamples tagged with their dataset."""
    g = torch.Generator().manual_seed(seed)
    inputs = torch.randn(len(dataset_ids), 3, size, size, generator=g)
    samples = []
    for i, d in enumerate(dataset_ids):
        meta = dict(img_shape=(size, size), ori_shape=(size, size),
                    pad_shape=(size, size), padding_size=[0, 0, 0, 0],
                    img_path=f'img{i}.png')
        if tag == 'idx':
            meta['dataset_idx'] = d
        elif tag == 'name':
            meta['dataset_name'] = f'd{d}'
        sample = SegDataSample(metainfo=meta)
        label = torch.randint(0, num_classes[d], (1, size, size), generator=g)
        sample.gt_sem_seg = PixelData(data=label)
        samples.append(sample)
    return inputs, samples
