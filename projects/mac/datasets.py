"""Video-text and image-text retrieval datasets for MAC.

mmaction2's ``VideoTextDataset`` yields one item per caption: MSR-VTT's train_9k becomes 180k
items a "epoch" and captions of one clip land in one batch as false negatives. Frozen in Time
(and so MAC) draws ONE random caption per video per sample; these datasets do that in
training and list every (video, caption) pair for evaluation, with the indices the retrieval
metric needs for multi-caption ground truth.

Caption modes:

- ``'random'``: one item per video, a caption drawn at random each time it is loaded (train).
- ``'all'``: one item per (video, caption) pair (test; MSR-VTT 1k-A has one caption a video).
- ``'paragraph'``: one item per video, its captions joined in order (DiDeMo, ActivityNet
  Captions paragraph-to-video retrieval).

Every item carries ``video_idx`` (index of its video) and ``text_idx`` (index of its text).
"""
import json
import os.path as osp
from typing import Dict, List

import numpy as np
from mmengine.dataset import BaseDataset

from mmaction.datasets import BaseActionDataset
from mmaction.registry import DATASETS

CAPTION_MODES = ('random', 'all', 'paragraph')


class CaptionedMixin:
    """Turns ``(path, [captions])`` records into items by ``caption_mode``."""

    caption_mode: str

    def _check_mode(self, caption_mode):
        if caption_mode is None:
            caption_mode = 'all' if self.test_mode else 'random'
        if caption_mode not in CAPTION_MODES:
            raise ValueError(f'caption_mode={caption_mode!r} is unknown; '
                             f'choose one of {CAPTION_MODES}')
        return caption_mode

    def _items(self, records: List[tuple], key: str) -> List[Dict]:
        """records: ``(file path, [captions])`` in annotation order."""
        missing = [path for path, _ in records if not osp.isfile(path)]
        if missing:
            raise FileNotFoundError(
                f'{len(missing)} of the {len(records)} files listed in '
                f'{self.ann_file} are missing on disk (first: '
                f'{missing[:3]}); check data_root / data_prefix or remove '
                'them from the annotation file')
        items, text_idx = [], 0
        for video_idx, (path, captions) in enumerate(records):
            if not captions:
                raise ValueError(f'{self.ann_file}: {osp.basename(path)} has '
                                 'no caption; remove it or add one')
            if self.caption_mode == 'all':
                for caption in captions:
                    items.append({key: path, 'text': caption,
                                  'video_idx': video_idx,
                                  'text_idx': text_idx})
                    text_idx += 1
            elif self.caption_mode == 'paragraph':
                items.append({key: path, 'text': ' '.join(captions),
                              'video_idx': video_idx, 'text_idx': video_idx})
            else:
                items.append({key: path, 'captions': list(captions),
                              'video_idx': video_idx, 'text_idx': video_idx})
        self.num_videos = len(records)
        self.num_texts = text_idx if self.caption_mode == 'all' else len(
            records)
        return items

    def _pick_caption(self, info: dict) -> dict:
        if 'captions' in info:
            captions = info.pop('captions')
            info['text'] = captions[np.random.randint(len(captions))]
        return info

    def _prepare_named(self, idx: int, key: str):
        try:
            return BaseDataset.prepare_data(self, idx)
        except Exception as e:
            path = self.get_data_info(idx).get(key, '?')
            raise RuntimeError(
                f'could not load {path} (item {idx} of {self.ann_file}): '
                f'{type(e).__name__}: {e}. Re-encode or replace the file, or '
                'remove it from the annotation file') from e


@DATASETS.register_module()
class MACVideoTextDataset(CaptionedMixin, BaseActionDataset):
    """MSR-VTT / DiDeMo / ActivityNet Captions in mmaction2's retrieval layout.

    The annotation file is the JSON ``{video file: [caption, ...]}`` written by mmaction2's
    ``tools/data/video_retrieval`` scripts (``train_9k.json``, ``test_JSFUSION.json``), video
    files under ``data_prefix['video']``.

    Args:
        caption_mode (str, optional): ``'random'``, ``'all'`` or ``'paragraph'``; default
            ``'all'`` with ``test_mode`` and ``'random'`` otherwise.
        **kwargs: ``BaseActionDataset`` arguments (ann_file, pipeline, data_prefix, ...).
    """

    def __init__(self, *args, caption_mode=None, **kwargs):
        self.test_mode = kwargs.get('test_mode', False)
        self.caption_mode = self._check_mode(caption_mode)
        kwargs.setdefault('data_prefix', dict(video=''))
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[Dict]:
        with open(self.ann_file) as f:
            videos = json.load(f)
        if not isinstance(videos, dict):
            raise ValueError(
                f'{self.ann_file} must map video files to caption lists '
                '({"video0.mp4": ["a caption", ...]}, mmaction2 layout), got a '
                f'{type(videos).__name__}')
        prefix = self.data_prefix.get('video', '')
        records = [(osp.join(prefix, name),
                    [caps] if isinstance(caps, str) else list(caps))
                   for name, caps in videos.items()]
        return self._items(records, 'filename')

    def get_data_info(self, idx: int) -> dict:
        return self._pick_caption(super().get_data_info(idx))

    def prepare_data(self, idx: int):
        return self._prepare_named(idx, 'filename')


@DATASETS.register_module()
class MACImageTextDataset(CaptionedMixin, BaseDataset):
    """COCO / Flickr30K captions (Karpathy split JSON) as one-frame clips (Frozen's T = 1).

    The annotation file is Karpathy's ``dataset_coco.json`` / ``dataset_flickr30k.json``:
    ``{"images": [{"filepath"?: ..., "filename": ..., "split": ..., "sentences":
    [{"raw": ...}, ...]}, ...]}``; images under ``data_prefix['img']`` (+ ``filepath``).

    Args:
        split (str or Sequence[str]): Karpathy splits to use (``'train'`` also takes
            ``'restval'`` when listed).
        caption_mode (str, optional): as in :class:`MACVideoTextDataset`.
    """

    def __init__(self, *args, split='train', caption_mode=None, **kwargs):
        self.test_mode = kwargs.get('test_mode', False)
        self.caption_mode = self._check_mode(caption_mode)
        self.split = (split, ) if isinstance(split, str) else tuple(split)
        kwargs.setdefault('data_prefix', dict(img=''))
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[Dict]:
        with open(self.ann_file) as f:
            ann = json.load(f)
        if 'images' not in ann:
            raise ValueError(f'{self.ann_file} has no "images" list; expected '
                             "Karpathy's split JSON (dataset_coco.json)")
        prefix = self.data_prefix.get('img', '')
        records = [(osp.join(prefix, im.get('filepath', ''), im['filename']),
                    [s['raw'] for s in im['sentences']])
                   for im in ann['images'] if im['split'] in self.split]
        if not records:
            raise ValueError(f'{self.ann_file} has no image in split '
                             f'{self.split}; check the split names')
        return self._items(records, 'img_path')

    def get_data_info(self, idx: int) -> dict:
        return self._pick_caption(super().get_data_info(idx))

    def prepare_data(self, idx: int):
        return self._prepare_named(idx, 'img_path')
