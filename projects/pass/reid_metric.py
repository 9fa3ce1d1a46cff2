"""Market-1501 evaluation protocol for person re-identification (CMC and mAP).

Follows ``eval_func`` / ``R1_mAP_eval`` of the official PASS fine-tuning code (TransReID's
``utils/metrics.py``), the standard Market-1501 protocol:

1. features are L2-normalised (the official ``FEAT_NORM`` switch is only tested for
   truthiness, so features are always normalised), distances are squared Euclidean;
2. for each query, gallery images of the same identity AND the same camera are removed;
3. queries left without any correct gallery match are skipped; if no query has one the
   evaluation is an error, not an mAP of 0;
4. CMC at ranks 1/5/10 (curve to 50) and AP = mean of the precision at each correct hit,
   averaged over the valid queries.
"""
from typing import List, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS


def squared_euclidean(query: torch.Tensor, gallery: torch.Tensor,
                      normalize: bool = True) -> torch.Tensor:
    """(Q, G) squared Euclidean distances, after L2 normalisation if ``normalize``."""
    if normalize:
        query = torch.nn.functional.normalize(query, dim=1)
        gallery = torch.nn.functional.normalize(gallery, dim=1)
    return (query.pow(2).sum(1, keepdim=True) + gallery.pow(2).sum(1)[None] -
            2 * query @ gallery.t())


def market_protocol(distmat: np.ndarray, q_pids: np.ndarray,
                    g_pids: np.ndarray, q_camids: np.ndarray,
                    g_camids: np.ndarray, max_rank: int = 50):
    """CMC curve and mAP of a (Q, G) distance matrix under the Market-1501 protocol.

    Returns:
        tuple: ``cmc`` (max_rank,) in [0, 1], ``mAP`` in [0, 1], the number of valid
        queries.

    Raises:
        ValueError: when no query has a correct match in the gallery.
    """
    num_q, num_g = distmat.shape
    max_rank = min(max_rank, num_g)
    indices = np.argsort(distmat, axis=1)
    matches = (g_pids[indices] == q_pids[:, None]).astype(np.int32)
    all_cmc, all_ap = [], []
    for q in range(num_q):
        order = indices[q]
        remove = (g_pids[order] == q_pids[q]) & (g_camids[order] == q_camids[q])
        hits = matches[q][~remove]
        if not hits.any():
            continue
        cmc = hits.cumsum()
        cmc[cmc > 1] = 1
        cmc = cmc[:max_rank]
        if len(cmc) < max_rank:
            cmc = np.pad(cmc, (0, max_rank - len(cmc)), mode='edge')
        all_cmc.append(cmc)
        precision = hits.cumsum() / np.arange(1, len(hits) + 1)
        all_ap.append((precision * hits).sum() / hits.sum())
    if not all_cmc:
        raise ValueError(
            f'ReIDMetric: none of the {num_q} queries has a correct match in the '
            f'{num_g}-image gallery (same identity from another camera), so CMC '
            'and mAP are undefined. Check that the test set holds the query AND '
            'the gallery split (split="test") and that their identities overlap.')
    cmc = np.asarray(all_cmc, np.float64).mean(0)
    return cmc, float(np.mean(all_ap)), len(all_cmc)


@METRICS.register_module()
class ReIDMetric(BaseMetric):
    """Market-1501 protocol CMC and mAP (in percent) over a query + gallery test set.

    Each data sample must carry ``pred_feature`` (D,), ``pid``, ``camid`` and ``query``
    (True for queries), as :class:`~projects.pass.reid_datasets.Market1501Dataset` and
    ``PackInputs(meta_keys=(..., 'pid', 'camid', 'query'))`` provide.

    Args:
        ranks (Sequence[int]): CMC ranks to report. Default (1, 5, 10).
        max_rank (int): length of the CMC curve. Default 50.
        normalize (bool): L2-normalise features first (official: always). Default True.
    """
    default_prefix = 'reid'

    def __init__(self,
                 ranks: Sequence[int] = (1, 5, 10),
                 max_rank: int = 50,
                 normalize: bool = True,
                 collect_device: str = 'cpu',
                 prefix: str = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if max(ranks) > max_rank:
            raise ValueError(f'ReIDMetric: rank {max(ranks)} exceeds '
                             f'max_rank={max_rank}; raise max_rank.')
        self.ranks = tuple(ranks)
        self.max_rank = max_rank
        self.normalize = normalize

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            missing = [k for k in ('pred_feature', 'pid', 'camid', 'query')
                       if k not in sample]
            if missing:
                raise KeyError(
                    f'ReIDMetric: data sample lacks {missing}; the model must '
                    'set pred_feature and the test pipeline must end with '
                    "PackInputs(meta_keys=(..., 'pid', 'camid', 'query')).")
            self.results.append(
                dict(
                    feature=sample['pred_feature'].detach().float().cpu(),
                    pid=int(sample['pid']),
                    camid=int(sample['camid']),
                    query=bool(sample['query'])))

    def compute_metrics(self, results: List[dict]) -> dict:
        query = [r for r in results if r['query']]
        gallery = [r for r in results if not r['query']]
        if not query or not gallery:
            raise ValueError(
                f'ReIDMetric: the test set has {len(query)} queries and '
                f'{len(gallery)} gallery images; both are needed (use the '
                'dataset split "test", query followed by gallery).')
        distmat = squared_euclidean(
            torch.stack([r['feature'] for r in query]),
            torch.stack([r['feature'] for r in gallery]),
            self.normalize).numpy()
        cmc, mean_ap, _ = market_protocol(
            distmat, np.array([r['pid'] for r in query]),
            np.array([r['pid'] for r in gallery]),
            np.array([r['camid'] for r in query]),
            np.array([r['camid'] for r in gallery]), self.max_rank)
        metrics = dict(mAP=100 * mean_ap)
        for k in self.ranks:
            metrics[f'R{k}'] = 100 * float(cmc[min(k, len(cmc)) - 1])
        return metrics
