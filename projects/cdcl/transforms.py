"""Pipeline step that tags a sample with the dataset it came from."""
from typing import Optional

from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class SetDatasetIndex(BaseTransform):
    """Write ``results['dataset_idx'] = idx`` and/or ``results['dataset_name'] = name``.

    mmengine's ``ConcatDataset`` does not tell a sample which source it came from, so every
    source's pipeline ends with this step and
    ``PackSegInputs(meta_keys=(..., 'dataset_idx', 'dataset_name'))`` carries the tag into
    the sample's metainfo, where :class:`CDCLEncoderDecoder` reads it. ``idx`` is the
    position in the model's per-dataset lists; ``name`` is resolved through the model's
    ``dataset_names`` (so one pipeline serves every dataset combination). When both are
    given, ``idx`` wins.

    Args:
        idx (int, optional): Index of the dataset.
        name (str, optional): Name of the dataset (an entry of the model's
            ``dataset_names``).
    """

    def __init__(self, idx: Optional[int] = None, name: Optional[str] = None):
        if idx is None and name is None:
            raise ValueError('SetDatasetIndex needs idx=<int> or name=<str> '
                             '(an entry of the model dataset_names).')
        if idx is not None and (not isinstance(idx, int) or idx < 0):
            raise ValueError(
                f'SetDatasetIndex needs a non-negative integer idx, got {idx!r}.')
        if name is not None and not isinstance(name, str):
            raise ValueError(f'SetDatasetIndex name must be a str, got {name!r}.')
        self.idx = idx
        self.name = name

    def transform(self, results: dict) -> dict:
        if self.idx is not None:
            results['dataset_idx'] = self.idx
        if self.name is not None:
            results['dataset_name'] = self.name
        return results

    def __repr__(self):
        return f'{type(self).__name__}(idx={self.idx}, name={self.name!r})'
