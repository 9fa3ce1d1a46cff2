"""Evaluation of a masked-image-modelling model on held-out images."""
from typing import List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS


@METRICS.register_module()
class ReconstructionMetric(BaseMetric):
    """Mean of per-image scores written by ``EMAE.predict``.

    Reports ``mse`` (masked-patch reconstruction MSE to the normalised-pixel target) and
    ``inconsistency`` (MSE between two parts' predictions of the same masked patch, the
    quantity EMAE's self-consistency loss reduces). Lower is better for both.

    Args:
        keys (Sequence[str]): the per-image fields to average.
        collect_device (str): 'cpu' or 'gpu'.
        prefix (str, optional): metric name prefix. Defaults to 'reconstruction'.
    """
    default_prefix = 'reconstruction'

    def __init__(self,
                 keys: Sequence[str] = ('mse', 'inconsistency'),
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.keys = tuple(keys)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            missing = [k for k in self.keys if k not in sample]
            if missing:
                raise KeyError(
                    f'data sample lacks {missing}; ReconstructionMetric needs '
                    'a model whose predict() writes them (type="EMAE")')
            self.results.append(
                {k: float(np.asarray(sample[k].cpu()).reshape(-1)[0])
                 for k in self.keys})

    def compute_metrics(self, results: List[dict]) -> dict:
        return {k: float(np.mean([r[k] for r in results])) for k in self.keys}
