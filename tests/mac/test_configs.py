"""The full MAC configs carry the recipe of the spec (table-driven); the tiny twins train,
evaluate and resume through tools/train.py and tools/test.py."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from tests.utils import REPO_ROOT, as_cli, load_tool

CFG = osp.join(REPO_ROOT, 'configs', 'mac')
PRETRAIN = 'mac_vit-base-p16-res224_4xb8-u4-amp-coslr-3125k_webvid2m-cc3m-rgb.py'
MSRVTT = 'mac_vit-base-p16-res224-webvid2m-cc3m-pre_4xb16-u4-100e_msrvtt-9k-rgb.py'
DIDEMO = 'mac_vit-base-p16-res224-webvid2m-cc3m-pre_4xb16-u8-100e_didemo-rgb.py'
ANET = ('mac_vit-base-p16-res224-webvid2m-cc3m-pre_4xb16-u8-100e_'
        'activitynet-captions-rgb.py')
COCO = 'mac_vit-base-p16-res224-webvid2m-cc3m-pre_4xb16-u1-10e_coco-karpathy-rgb.py'
ALL = [PRETRAIN, MSRVTT, DIDEMO, ANET, COCO]


def _get(cfg, dotted):
    node = cfg
    for key in dotted.split('.'):
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def _step(pipeline, kind):
    return next(t for t in pipeline if t['type'] == kind)


SHARED = {
    'default_scope': 'mmaction',
    'model.type': 'MACRetriever',
    'model.video_encoder.type': 'MACSpaceTimeViT',
    'model.video_encoder.img_size': 224,
    'model.video_encoder.patch_size': 16,
    'model.video_encoder.embed_dims': 768,
    'model.video_encoder.depth': 12,
    'model.video_encoder.num_heads': 12,
    'model.video_encoder.time_init': 'zeros',
    'model.video_encoder.mask_strategy': 'frame_random',
    'model.text_encoder.vocab_size': 30522,
    'model.text_encoder.embed_dims': 768,
    'model.text_encoder.depth': 6,
    'model.text_encoder.num_heads': 12,
    'model.proj_dims': 256,
    'model.mask_token_id': 103,
    'model.special_token_ids': (0, 101, 102),
    'model.loss.temperature': 0.05,
    'model.loss.reduction': 'sum',
    'optim_wrapper.type': 'AmpOptimWrapper',
    'optim_wrapper.optimizer.type': 'AdamW',
    'optim_wrapper.optimizer.weight_decay': 0.01,
    'val_evaluator.type': 'MACRetrievalMetric',
    'val_evaluator.tie_break': 'optimistic',
}
RECIPES = {
    PRETRAIN: {
        'model.video_encoder.num_frames': 4,
        'model.video_encoder.mask_ratio': 0.6,
        'model.text_mask_ratio': 0.3,
        'optim_wrapper.optimizer.lr': 1e-4,
        'train_dataloader.batch_size': 8,
        'train_dataloader.batch_sampler.type': 'MACSourceBatchSampler',
        'train_dataloader.dataset.datasets.0.type': 'MACVideoTextDataset',
        'train_dataloader.dataset.datasets.1.type': 'MACImageTextDataset',
        'train_dataloader.dataset.datasets.0.caption_mode': 'random',
        'train_cfg.type': 'IterBasedTrainLoop',
        'train_cfg.max_iters': 3_125_000,
        'train_cfg.val_interval': 31_250,
        'param_scheduler.0.end': 31_250,
        'param_scheduler.1.end': 3_125_000,
        'val_dataloader.dataset.ann_file': 'test_JSFUSION.json',
    },
    MSRVTT: {
        'model.video_encoder.num_frames': 4,
        'model.video_encoder.mask_ratio': 0.0,
        'model.text_mask_ratio': 0.0,
        'optim_wrapper.optimizer.lr': 3e-5,
        'train_dataloader.batch_size': 16,
        'train_dataloader.dataset.ann_file': 'train_9k.json',
        'train_dataloader.dataset.caption_mode': 'random',
        'val_dataloader.dataset.ann_file': 'test_JSFUSION.json',
        'val_dataloader.dataset.caption_mode': 'all',
        'train_cfg.max_epochs': 100,
    },
    DIDEMO: {
        'model.video_encoder.num_frames': 8,
        'train_dataloader.dataset.caption_mode': 'paragraph',
        'val_dataloader.dataset.caption_mode': 'paragraph',
        'val_dataloader.dataset.ann_file': 'test.json',
        'optim_wrapper.optimizer.lr': 3e-5,
        'train_cfg.max_epochs': 100,
    },
    ANET: {
        'model.video_encoder.num_frames': 8,
        'train_dataloader.dataset.caption_mode': 'paragraph',
        'val_dataloader.dataset.ann_file': 'val_1.json',
        'val_dataloader.dataset.data_root': 'data/video_retrieval/activitynet',
    },
    COCO: {
        'train_dataloader.dataset.type': 'MACImageTextDataset',
        'train_dataloader.dataset.split': ('train', 'restval'),
        'val_dataloader.dataset.split': 'test',
        'val_dataloader.dataset.caption_mode': 'all',
        'train_cfg.max_epochs': 10,
    },
}
FRAMES_AND_TEXT = {PRETRAIN: (4, 32), MSRVTT: (4, 32), DIDEMO: (8, 64),
                   ANET: (8, 128), COCO: (None, 32)}


@pytest.mark.parametrize('name', ALL)
def test_full_config_recipe(name):
    cfg = Config.fromfile(osp.join(CFG, name))
    for key, value in {**SHARED, **RECIPES[name]}.items():
        got = _get(cfg, key)
        got = tuple(got) if isinstance(got, list) else got
        assert got == value, f'{name}: {key} = {got!r}, recipe says {value!r}'
    frames, max_len = FRAMES_AND_TEXT[name]
    train = cfg.train_dataloader.dataset
    train = train.datasets[0] if 'datasets' in train else train
    train_p, test_p = train.pipeline, cfg.val_dataloader.dataset.pipeline
    if frames is None:  # images: one-frame clips
        assert train_p[0]['type'] == test_p[0]['type'] == 'MACLoadImageClip'
    else:
        assert _step(train_p, 'UniformSample')['clip_len'] == frames
        assert _step(test_p, 'UniformSample')['test_mode'] is True
        assert _step(test_p, 'UniformSample')['clip_len'] == frames
    assert tuple(_step(train_p, 'RandomResizedCrop')['area_range']) == (0.5,
                                                                       1.0)
    assert _step(train_p, 'Flip')['flip_ratio'] == 0.5
    assert tuple(_step(test_p, 'Resize')['scale']) == (-1, 256)
    assert _step(test_p, 'CenterCrop')['crop_size'] == 256
    assert tuple(test_p[-4]['scale']) == (224, 224)
    for p in (train_p, test_p):
        tok = _step(p, 'MACTokenize')
        assert tok['max_len'] == max_len and tok['vocab'] == 'bert-base-uncased'
        assert tuple(_step(p, 'PackActionInputs')['collect_keys']) == (
            'imgs', 'text_ids', 'text_mask')


def test_every_full_config_has_a_tiny_twin():
    fulls = sorted(osp.basename(p) for p in glob.glob(osp.join(CFG, '*.py')))
    assert fulls == sorted(ALL)
    for name in fulls:
        assert osp.isfile(osp.join(CFG, 'tiny', name)), name


@pytest.mark.slow
def test_tiny_msrvtt_trains_evaluates_and_resumes(tiny_video_text, tmp_path):
    """Invariant 10: one epoch, evaluation through tools/test.py, then --resume runs
    exactly the remaining epoch from the saved checkpoint."""
    path = osp.join('configs', 'mac', 'tiny', MSRVTT)
    work = str(tmp_path / 'work')
    opts = {
        'train_cfg.max_epochs': 1,
        'train_dataloader.dataset.indices': 32,
        'val_dataloader.dataset.indices': 20,
        'randomness.seed': 0,
        'experiment_name': 'mac_resume_a',
        'visualizer.name': 'mac_resume_a',
    }
    load_tool('train').main([path, '--work-dir', work] + as_cli(opts))
    ckpt = osp.join(work, 'epoch_1.pth')
    assert osp.isfile(ckpt)
    metrics = load_tool('test').main(
        [path, ckpt, '--work-dir', work] + as_cli({
            'test_dataloader.dataset.indices': 20,
            'experiment_name': 'mac_resume_t',
            'visualizer.name': 'mac_resume_t'
        }))
    assert 0 <= metrics['retrieval/R1'] <= 100
    assert 1 <= metrics['retrieval/MdR'] <= 20
    opts.update({'train_cfg.max_epochs': 2, 'experiment_name': 'mac_resume_b',
                 'visualizer.name': 'mac_resume_b'})
    load_tool('train').main([path, '--work-dir', work, '--resume'] +
                            as_cli(opts))
    import torch
    state = torch.load(osp.join(work, 'epoch_2.pth'), map_location='cpu',
                       weights_only=False)
    assert state['meta']['epoch'] == 2 and state['meta']['iter'] == 4
