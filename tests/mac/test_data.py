"""Datasets, the tiny video-text generator, real mp4 decoding, the retrieval metric and the
single-source batch sampler (spec section 6, invariant 9; the issue's bad-input cases)."""
import json
import os.path as osp
import shutil

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope

from projects.mac import (MACImageTextDataset, MACRetrievalMetric,
                          MACSourceBatchSampler, MACVideoTextDataset,
                          ranks_from_similarity)
from tests.utils import REPO_ROOT

TINY = osp.join(REPO_ROOT, 'configs', 'mac', 'tiny',
                'mac_vit-base-p16-res224-webvid2m-cc3m-pre_4xb16-u4-100e_'
                'msrvtt-9k-rgb.py')


def _test_pipeline(path=TINY):
    return Config.fromfile(path).test_dataloader.dataset.pipeline


def _shape_centre(frame):
    """Centroid of the bright shape in a (C, H, W) frame."""
    mask = frame.max(0) > 100
    ys, xs = np.nonzero(mask)
    return xs.mean(), ys.mean()


def test_generator_writes_msrvtt_layout(tiny_video_text):
    root = tiny_video_text['msrvtt']
    train = json.load(open(osp.join(root, 'train_9k.json')))
    test = json.load(open(osp.join(root, 'test_JSFUSION.json')))
    assert len(train) == 400 and len(test) == 100
    assert all(len(c) == 5 for c in train.values())
    assert all(len(c) == 1 for c in test.values())
    assert not set(train) & set(test)
    assert all(osp.getsize(osp.join(root, 'videos', v)) > 0 for v in test)
    vocab = open(osp.join(root, 'vocab.txt')).read().split('\n')
    assert vocab[:5] == ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
    assert len(vocab) < 128  # the tiny text encoder's vocab_size


def test_real_mp4_decodes_through_config_pipeline(tiny_video_text):
    """decord + mmaction2's UniformSample / DecordDecode on a generated mp4: the shape
    moves the way the caption says."""
    root = tiny_video_text['msrvtt']
    test = json.load(open(osp.join(root, 'test_JSFUSION.json')))
    with DefaultScope.overwrite_default_scope('mmaction'):
        pipeline = Compose(_test_pipeline())
    checked = 0
    for name, (caption, ) in test.items():
        direction = next((d for d in ('left', 'right') if d in caption), None)
        if direction is None:
            continue
        out = pipeline(dict(filename=osp.join(root, 'videos', name),
                            text=caption, video_idx=0, text_idx=0,
                            start_index=0, modality='RGB'))
        imgs = out['inputs']['imgs']
        assert imgs.shape == (4, 3, 32, 32) and imgs.dtype == torch.uint8
        x0 = _shape_centre(imgs[0].numpy())[0]
        x1 = _shape_centre(imgs[-1].numpy())[0]
        assert (x1 > x0 + 5) if direction == 'right' else (x1 < x0 - 5)
        assert out['inputs']['text_ids'][0] == 2
        assert out['data_samples'].video_idx == 0
        checked += 1
        if checked == 3:
            break
    assert checked == 3


def _dataset(root, ann, **kw):
    return MACVideoTextDataset(ann_file=ann, data_root=root,
                               data_prefix=dict(video='videos'), pipeline=[],
                               **kw)


def test_video_dataset_caption_modes(tiny_video_text):
    root = tiny_video_text['msrvtt']
    train = _dataset(root, 'train_9k.json')
    assert len(train) == 400 and train.caption_mode == 'random'
    captions = json.load(open(osp.join(root, 'train_9k.json')))
    first = osp.basename(train[0]['filename'])
    np.random.seed(0)
    seen = {train[0]['text'] for _ in range(40)}
    assert seen <= set(captions[first]) and len(seen) > 1
    everything = _dataset(root, 'train_9k.json', caption_mode='all',
                          test_mode=True)
    assert len(everything) == 2000 and everything.num_texts == 2000
    assert [everything[i]['video_idx'] for i in range(6)] == [0] * 5 + [1]
    para = _dataset(root, 'train_9k.json', caption_mode='paragraph')
    assert para[0]['text'] == ' '.join(captions[first])
    test = _dataset(root, 'test_JSFUSION.json', test_mode=True)
    assert len(test) == 100 and test.caption_mode == 'all'


def test_missing_videos_are_named(tmp_path, tiny_video_text):
    root = tiny_video_text['msrvtt']
    ann = json.load(open(osp.join(root, 'test_JSFUSION.json')))
    ann['video99999.mp4'] = ['a ghost']
    (tmp_path / 'ann.json').write_text(json.dumps(ann))
    with pytest.raises(FileNotFoundError, match='video99999.mp4'):
        MACVideoTextDataset(ann_file=str(tmp_path / 'ann.json'),
                            data_prefix=dict(video=osp.join(root, 'videos')),
                            pipeline=[])


@pytest.mark.parametrize('content', [b'', b'not a video at all' * 10])
def test_unreadable_video_names_the_file(tmp_path, tiny_video_text, content):
    root = tiny_video_text['msrvtt']
    videos = tmp_path / 'videos'
    videos.mkdir()
    shutil.copy(osp.join(root, 'videos', 'video0.mp4'), videos)
    (videos / 'broken.mp4').write_bytes(content)
    (tmp_path / 'ann.json').write_text(json.dumps(
        {'video0.mp4': ['a red disc'], 'broken.mp4': ['a blue box']}))
    with DefaultScope.overwrite_default_scope('mmaction'):
        ds = MACVideoTextDataset(
            ann_file=str(tmp_path / 'ann.json'),
            data_prefix=dict(video=str(videos)),
            pipeline=_test_pipeline(), test_mode=True)
        assert ds[0]['inputs']['imgs'].shape == (4, 3, 32, 32)
        with pytest.raises(RuntimeError, match='broken.mp4'):
            ds[1]


def test_image_dataset_karpathy_layout(tiny_video_text):
    root = tiny_video_text['coco_karpathy']
    pipeline = _test_pipeline(TINY.replace('u4-100e_msrvtt-9k',
                                           'u1-10e_coco-karpathy'))
    with DefaultScope.overwrite_default_scope('mmaction'):
        test = MACImageTextDataset(
            ann_file='dataset_coco.json', data_root=root, split='test',
            pipeline=pipeline, test_mode=True)
        assert len(test) == 40 * 5 and test.num_videos == 40
        item = test[0]
    assert item['inputs']['imgs'].shape == (1, 3, 32, 32)
    assert item['data_samples'].video_idx == 0
    with pytest.raises(ValueError, match='no image in split'):
        MACImageTextDataset(ann_file='dataset_coco.json', data_root=root,
                            split='val', pipeline=[])


# ---------------------------------------------------------------- metric


def _samples(video, text, video_idx):
    from mmaction.structures import ActionDataSample
    from mmengine.structures import InstanceData
    out = []
    for v, t, i in zip(video, text, video_idx):
        s = ActionDataSample()
        s.set_metainfo(dict(video_idx=i))
        s.features = InstanceData(video_feature=torch.as_tensor(v),
                                  text_feature=torch.as_tensor(t))
        out.append(s.to_dict())
    return out


def _evaluate(metric, video, text, video_idx):
    metric.process(None, _samples(video, text, video_idx))
    return metric.evaluate(len(video_idx))


def test_metric_identical_and_reversed():
    eye = np.eye(6, dtype=np.float32)
    res = _evaluate(MACRetrievalMetric(), eye, eye, list(range(6)))
    assert res['retrieval/R1'] == 100 and res['retrieval/MdR'] == 1
    assert res['retrieval/v2t_R1'] == 100
    # Videos at 0, 10, ..., 50 degrees; caption i points at 51 - 10 i degrees, near
    # the video of caption 5 - i: own-video ranks by hand are 6, 5, 3, 2, 5, 6.
    deg = np.deg2rad
    videos = np.stack([np.cos(deg(np.arange(6) * 10.)),
                       np.sin(deg(np.arange(6) * 10.))], 1).astype(np.float32)
    t_angle = deg(51 - 10. * np.arange(6))
    texts = np.stack([np.cos(t_angle), np.sin(t_angle)], 1).astype(np.float32)
    res = _evaluate(MACRetrievalMetric(), videos, texts, list(range(6)))
    assert res['retrieval/R1'] == 0
    assert res['retrieval/R5'] == pytest.approx(100 * 4 / 6)
    assert res['retrieval/R10'] == 100
    assert res['retrieval/MdR'] == 5 and res['retrieval/MnR'] == 4.5


def test_metric_multi_caption_ground_truth():
    """Two captions of video 0, one of video 1; v2t counts the best own caption."""
    videos = np.array([[1, 0], [1, 0], [0, 1]], np.float32)
    texts = np.array([[0.6, 0.8], [1, 0.1], [0.1, 1]], np.float32)
    res = _evaluate(MACRetrievalMetric(), videos, texts, [0, 0, 1])
    # t2v ranks: caption 0 prefers video 1 (rank 2), caption 1 rank 1, caption 2 rank 1.
    assert res['retrieval/MnR'] == pytest.approx(4 / 3)
    # v2t: video 0's best caption (1) is first; video 1's caption (2) is first.
    assert res['retrieval/v2t_R1'] == 100


def test_metric_matches_mmaction_on_square_case_without_ties():
    from mmaction.evaluation import RetrievalMetric
    rng = np.random.default_rng(0)
    video = rng.normal(size=(30, 8)).astype(np.float32)
    text = (video + rng.normal(scale=1.5, size=(30, 8))).astype(np.float32)
    ours = _evaluate(MACRetrievalMetric(), video, text, list(range(30)))
    ref = RetrievalMetric()
    ref.process(None, _samples(video, text, list(range(30))))
    theirs = ref.evaluate(30)
    assert 0 < ours['retrieval/R1'] < 100
    for key in ('R1', 'R5', 'R10', 'MdR', 'MnR'):
        assert ours[f'retrieval/{key}'] == pytest.approx(
            theirs[f'retrieval/{key}']), key


def test_tie_handling_is_optimistic_by_default():
    """Constant features: optimistic ranks are all 1, pessimistic all N."""
    sim = np.zeros((4, 4))
    pos = np.eye(4, dtype=bool)
    assert ranks_from_similarity(sim, pos).tolist() == [1, 1, 1, 1]
    assert ranks_from_similarity(sim, pos, 'pessimistic').tolist() == [4] * 4
    ones = np.ones((4, 3), np.float32)
    res = _evaluate(MACRetrievalMetric(tie_break='pessimistic'), ones, ones,
                    list(range(4)))
    assert res['retrieval/R1'] == 0 and res['retrieval/MdR'] == 4
    with pytest.raises(ValueError, match='tie_break'):
        MACRetrievalMetric(tie_break='random')


# ---------------------------------------------------------------- sampler


def test_source_batch_sampler_never_mixes_sources():
    from mmengine.dataset import DefaultSampler
    from torch.utils.data import ConcatDataset

    class Items(torch.utils.data.Dataset):

        def __init__(self, n):
            self.n = n

        def __len__(self):
            return self.n

        def __getitem__(self, i):
            return i

    concat = ConcatDataset([Items(37), Items(23)])
    sampler = DefaultSampler(concat, shuffle=True, seed=0)
    batches = list(MACSourceBatchSampler(sampler, batch_size=8))
    for batch in batches:
        assert len({i >= 37 for i in batch}) == 1 and len(batch) == 8
    assert len(batches) == 4 + 2
    assert len(MACSourceBatchSampler(sampler, 8)) == len(batches)
