"""Text-to-video and video-to-text retrieval metric (R@1/5/10, MdR, MnR), multi-caption aware.

Frozen in Time's ``t2v_metrics`` / ``v2t_metrics`` protocol, used by MAC:

- t2v: every caption ranks all videos; its rank is the 1-based position of its own video.
- v2t: every video ranks all captions; its rank is that of its best-scored own caption
  (any of its captions counts as a hit).
- Ties: ``tie_break='optimistic'`` (Frozen): a candidate with exactly the positive's score
  does not push the positive down, rank = 1 + #(negatives scoring strictly higher);
  ``'pessimistic'``: rank = 1 + #(negatives scoring higher or equal). Without ties both
  agree, and t2v equals mmaction2's ``RetrievalMetric`` on a square (one caption a video)
  set; that metric counts a row with ties several times instead.

Features are L2-normalised before the cosine similarity. Each data sample must carry
``features.{video_feature, text_feature}`` (as the model's predict mode writes them) and
``video_idx`` in its meta information (the datasets of :mod:`projects.mac.datasets` set it);
a video appearing in several samples (several captions) is encoded once.
"""
import copy
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from mmaction.registry import METRICS


def ranks_from_similarity(similarity: np.ndarray, positives: np.ndarray,
                          tie_break: str = 'optimistic') -> np.ndarray:
    """1-based rank of the best positive of every query.

    Args:
        similarity (ndarray): (Q, C) query x candidate scores.
        positives (ndarray): (Q, C) bool, True where the candidate is a correct answer;
            every row needs at least one.
        tie_break (str): ``'optimistic'`` or ``'pessimistic'``.

    Returns:
        ndarray (Q,) of ints >= 1.
    """
    if not positives.any(1).all():
        raise ValueError('every query needs at least one positive candidate')
    best = np.where(positives, similarity, -np.inf).max(1, keepdims=True)
    negatives = np.where(positives, -np.inf, similarity)
    if tie_break == 'optimistic':
        above = negatives > best
    elif tie_break == 'pessimistic':
        above = negatives >= best
    else:
        raise ValueError(f"tie_break={tie_break!r} is unknown; use "
                         "'optimistic' (Frozen) or 'pessimistic'")
    return above.sum(1) + 1


def rank_summary(ranks: np.ndarray) -> Dict[str, float]:
    """R@1/5/10 (%), median and mean rank of 1-based ranks."""
    return OrderedDict(
        R1=float(np.mean(ranks <= 1) * 100),
        R5=float(np.mean(ranks <= 5) * 100),
        R10=float(np.mean(ranks <= 10) * 100),
        MdR=float(np.median(ranks)),
        MnR=float(np.mean(ranks)))


@METRICS.register_module()
class MACRetrievalMetric(BaseMetric):
    """Both retrieval directions with multi-caption ground truth.

    Reports ``R1``, ``R5``, ``R10``, ``MdR``, ``MnR`` (text-to-video, the papers' headline
    numbers, same names as mmaction2's ``RetrievalMetric``) and the same with a ``v2t_``
    prefix (video-to-text), under the prefix ``retrieval``.

    Args:
        tie_break (str): ``'optimistic'`` (Frozen, default) or ``'pessimistic'``.
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): metric name prefix.
    """

    default_prefix = 'retrieval'

    def __init__(self, tie_break: str = 'optimistic',
                 collect_device: str = 'cpu', prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if tie_break not in ('optimistic', 'pessimistic'):
            raise ValueError(f"tie_break={tie_break!r} is unknown; use "
                             "'optimistic' (Frozen) or 'pessimistic'")
        self.tie_break = tie_break

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in copy.deepcopy(data_samples):
            if 'video_idx' not in sample:
                raise KeyError(
                    'MACRetrievalMetric needs video_idx in each data sample; '
                    "add 'video_idx' to PackActionInputs(meta_keys=...) and use "
                    'MACVideoTextDataset / MACImageTextDataset')
            features = sample['features']
            self.results.append(
                dict(video_idx=int(sample['video_idx']),
                     video_feature=features['video_feature'].cpu().numpy(),
                     text_feature=features['text_feature'].cpu().numpy()))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        if not results:
            raise ValueError('MACRetrievalMetric got no sample to evaluate; '
                             'check the val/test dataloader')
        video_ids = np.array([r['video_idx'] for r in results])
        unique, first = np.unique(video_ids, return_index=True)
        videos = np.stack([results[i]['video_feature'] for i in first])
        texts = np.stack([r['text_feature'] for r in results])
        videos = videos / np.linalg.norm(videos, axis=-1, keepdims=True)
        texts = texts / np.linalg.norm(texts, axis=-1, keepdims=True)
        similarity = texts @ videos.T
        positives = video_ids[:, None] == unique[None, :]
        metrics = rank_summary(
            ranks_from_similarity(similarity, positives, self.tie_break))
        v2t = rank_summary(
            ranks_from_similarity(similarity.T, positives.T, self.tie_break))
        metrics.update({f'v2t_{k}': v for k, v in v2t.items()})
        return metrics
