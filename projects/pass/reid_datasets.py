"""Person re-identification datasets in their released on-disk layouts.

``Market1501Dataset`` reads the Market-1501 folders, ``MSMT17Dataset`` the MSMT17 list
files, as the official PASS fine-tuning code (a TransReID fork, ``datasets/market1501.py``
and ``datasets/msmt17.py``) does:

- the training split is relabelled to contiguous identities ``0..N-1`` (``gt_label``);
- junk images (pid ``-1``) are dropped, distractors (pid ``0``) stay in the gallery;
- cameras are 0-based;
- ``split='test'`` is the query set followed by the gallery; every sample carries ``pid``,
  ``camid`` and ``query`` (True for queries) and the metainfo ``num_query``, which
  :class:`~projects.pass.reid_metric.ReIDMetric` uses to apply the Market protocol.
"""
import os
import os.path as osp
import re
from typing import List, Sequence, Union

from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

SPLITS = ('train', 'query', 'gallery', 'test')


def relabel(data_list: List[dict]) -> List[str]:
    """Give each sample of a training split ``gt_label`` = index of its sorted pid.

    Returns:
        list[str]: the sorted pids as strings, the ``classes`` of the split.
    """
    pids = sorted({d['pid'] for d in data_list})
    index = {pid: i for i, pid in enumerate(pids)}
    for d in data_list:
        d['gt_label'] = index[d['pid']]
    return [str(p) for p in pids]


class _ReIDDataset(BaseDataset):
    """Split handling shared by the ReID datasets.

    Subclasses define ``read_split(split)``, returning the samples
    ``dict(img_path, pid, camid)`` of ``'train'``, ``'query'`` or ``'gallery'``.
    """

    def __init__(self, data_root: str, split: str = 'train', **kwargs):
        if split not in SPLITS:
            raise ValueError(f'{type(self).__name__}: split={split!r} is not '
                             f'one of {SPLITS}.')
        self.split = split
        super().__init__(ann_file='', data_root=data_root, **kwargs)

    def load_data_list(self) -> List[dict]:
        if self.split in ('train', 'query', 'gallery'):
            data_list = self.read_split(self.split)
            if self.split == 'train':
                self._metainfo['classes'] = tuple(relabel(data_list))
            else:
                for d in data_list:
                    d['query'] = self.split == 'query'
            self._metainfo['num_query'] = sum(
                d.get('query', False) for d in data_list)
            return data_list
        query = self.read_split('query')
        gallery = self.read_split('gallery')
        for d in query:
            d['query'] = True
        for d in gallery:
            d['query'] = False
        self._metainfo['num_query'] = len(query)
        return query + gallery

    def _get_unserialized_subset(self, indices: Union[Sequence[int], int]):
        """An int ``indices`` on the test split keeps the first N queries and the
        whole gallery (a valid, smaller evaluation); otherwise as in mmengine."""
        if self.split == 'test' and isinstance(indices, int):
            query = [d for d in self.data_list if d['query']]
            gallery = [d for d in self.data_list if not d['query']]
            self._metainfo['num_query'] = min(indices, len(query))
            return query[:indices] + gallery
        return super()._get_unserialized_subset(indices)


@DATASETS.register_module()
class Market1501Dataset(_ReIDDataset):
    """Market-1501 (Zheng et al., ICCV 2015) from its released folders.

    Layout under ``data_root``::

        bounding_box_train/0002_c1s1_000451_03.jpg    12,936 images, 751 identities
        query/0001_c1s1_001051_00.jpg                  3,368 images
        bounding_box_test/0000_c1s1_000151_01.jpg      15,913 images after dropping
        bounding_box_test/-1_c1s1_000401_03.jpg        the pid -1 junk; pid 0 are distractors

    The pid and the 1-based camera are parsed with ``([-\\d]+)_c(\\d)`` from each ``*.jpg``
    file name; a name that does not match is an error.

    Args:
        data_root (str): the ``Market-1501-v15.09.15`` folder.
        split (str): ``'train'``, ``'query'``, ``'gallery'`` or ``'test'`` (query then
            gallery).
    """
    FOLDERS = dict(
        train='bounding_box_train', query='query', gallery='bounding_box_test')
    PATTERN = re.compile(r'([-\d]+)_c(\d)')

    def read_split(self, split: str) -> List[dict]:
        folder = osp.join(self.data_root, self.FOLDERS[split])
        if not osp.isdir(folder):
            raise FileNotFoundError(
                f'Market1501Dataset: folder {folder} does not exist; data_root '
                f'must hold {sorted(self.FOLDERS.values())}.')
        data_list = []
        for name in sorted(os.listdir(folder)):
            if not name.endswith('.jpg'):
                continue
            match = self.PATTERN.search(name)
            if match is None:
                raise ValueError(
                    f'Market1501Dataset: cannot parse {osp.join(folder, name)}; '
                    'Market-1501 file names start with "<pid>_c<camera>", e.g. '
                    '0002_c1s1_000451_03.jpg (regex ([-\\d]+)_c(\\d)). Remove or '
                    'rename the file.')
            pid, cam = int(match.group(1)), int(match.group(2))
            if pid == -1:
                continue
            if not (0 <= pid <= 1501 and 1 <= cam <= 6):
                raise ValueError(
                    f'Market1501Dataset: {osp.join(folder, name)} has pid {pid} '
                    f'and camera {cam}; Market-1501 has pids 0..1501 and cameras '
                    '1..6.')
            data_list.append(
                dict(img_path=osp.join(folder, name), pid=pid, camid=cam - 1))
        if not data_list:
            raise ValueError(f'Market1501Dataset: no *.jpg image in {folder}.')
        return data_list


@DATASETS.register_module()
class MSMT17Dataset(_ReIDDataset):
    """MSMT17 (Wei et al., CVPR 2018) from its released list files (use ``MSMT17_V1``:
    PASS issue #1 reports about 1.7 mAP less with V2).

    Layout under ``data_root``::

        train/0000/0000_000_01_0303morning_0015_0.jpg
        test/0000/0000_000_01_0303morning_0008_0.jpg
        list_train.txt  list_val.txt    "0000/0000_000_01_0303morning_0015_0.jpg 0"
        list_query.txt  list_gallery.txt (paths relative to test/)

    The camera is the third ``_`` field of the file name (1-based). As in the official
    code, the training split is ``list_train`` + ``list_val`` (32,621 images, 1,041 ids).

    Args:
        data_root (str): the ``MSMT17_V1`` folder.
        split (str): ``'train'``, ``'query'``, ``'gallery'`` or ``'test'``.
    """
    LISTS = dict(
        train=(('train', 'list_train.txt'), ('train', 'list_val.txt')),
        query=(('test', 'list_query.txt'), ),
        gallery=(('test', 'list_gallery.txt'), ))

    def read_split(self, split: str) -> List[dict]:
        data_list = []
        for folder, list_name in self.LISTS[split]:
            list_path = osp.join(self.data_root, list_name)
            if not osp.isfile(list_path):
                raise FileNotFoundError(
                    f'MSMT17Dataset: list file {list_path} does not exist; '
                    f'data_root must be the MSMT17_V1 folder with train/, test/ '
                    f'and list_{{train,val,query,gallery}}.txt.')
            with open(list_path) as f:
                lines = [ln.strip() for ln in f if ln.strip()]
            for lineno, line in enumerate(lines, 1):
                parts = line.split()
                fields = osp.basename(parts[0]).split('_')
                if len(parts) != 2 or len(fields) < 3 or not (
                        parts[1].isdigit() and fields[2].isdigit()):
                    raise ValueError(
                        f'MSMT17Dataset: {list_path} line {lineno} {line!r} does '
                        'not parse; expected "<pid>/<pid>_<n>_<camera>_<...>.jpg '
                        '<pid>", e.g. "0000/0000_000_01_0303morning_0015_0.jpg 0".')
                data_list.append(
                    dict(
                        img_path=osp.join(self.data_root, folder, parts[0]),
                        pid=int(parts[1]),
                        camid=int(fields[2]) - 1))
        return data_list
