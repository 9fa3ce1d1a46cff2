"""Per-label frequency groups (rare / common / frequent) for ACSL's background sampling.

LVIS annotations carry a ``frequency`` field per category (``'r'``: 1-10 training
images, ``'c'``: 11-100, ``'f'``: more than 100). mmdet's LVIS datasets number their
labels by the position of each category in the annotation's category list, while the
released code (mmdet v1, background = label 0) indexed channels by raw category ids.
The helpers here always go through the dataset's own ``cat_ids`` so non-contiguous
category ids map correctly.
"""
import json
import re

from mmengine.fileio import get_local_path

#: LVIS thresholds on the number of training images per category (Gupta et al., 2019).
LVIS_RARE_MAX_IMAGES = 10
LVIS_COMMON_MAX_IMAGES = 100


def _stream_categories(local_path, chunk_size):
    """The top-level ``categories`` list of a JSON file, decoded on its own.

    The file is scanned in chunks for the ``"categories"`` key and only the array that
    follows it is decoded, so memory stays at a few chunks even for LVIS train
    (~1 GB, 1.27M annotations). Returns ``None`` when the key is not found or the
    text after it is not a JSON array (the caller then parses the whole file).
    """
    key = re.compile(rb'"categories"\s*:\s*\[')
    decoder = json.JSONDecoder()
    with open(local_path, 'rb') as f:
        tail = b''
        offset = 0
        while True:
            chunk = f.read(chunk_size)
            if not chunk:
                return None
            buf = tail + chunk
            match = key.search(buf)
            if match is not None:
                start = offset - len(tail) + match.end() - 1
                break
            tail = buf[-64:]
            offset += len(chunk)
        f.seek(start)
        text = b''
        while True:
            chunk = f.read(chunk_size)
            text += chunk
            try:
                value, _ = decoder.raw_decode(text.decode('utf-8'))
                return value if isinstance(value, list) else None
            except (json.JSONDecodeError, UnicodeDecodeError):
                if not chunk:
                    return None


def read_lvis_categories(ann_file, backend_args=None, chunk_size=1 << 22):
    """The ``categories`` list of an LVIS annotation, without parsing its annotations.

    LVIS v1 train is about 1 GB of JSON; ``json.load`` of it peaks at several GB per
    process. Only the category table (a few hundred KB) is decoded here; a file whose
    ``categories`` cannot be located this way is parsed completely.

    Raises:
        ValueError: when the file has no ``categories`` list; the message names the
            file.
    """
    with get_local_path(ann_file, backend_args=backend_args) as local_path:
        categories = _stream_categories(local_path, chunk_size)
        if categories is None:
            with open(local_path) as f:
                data = json.load(f)
            categories = data.get('categories') if isinstance(data,
                                                              dict) else None
    if not categories or not all(isinstance(c, dict) for c in categories):
        raise ValueError(
            f'LVIS annotation {ann_file} has no "categories" list, so ACSL '
            'cannot read the category frequencies; pass an LVIS v0.5/v1 '
            'annotation file.')
    return categories


def load_lvis_frequencies(ann_file, backend_args=None):
    """Read ``{category_id: 'r' | 'c' | 'f'}`` from an LVIS annotation file.

    Only the category table is decoded (:func:`read_lvis_categories`).

    Raises:
        ValueError: when the file has no ``categories`` list or a category has no
            valid ``frequency`` field; the message names the file.
    """
    categories = read_lvis_categories(ann_file, backend_args=backend_args)
    return _frequencies(categories, ann_file)


def _frequencies(categories, ann_file):
    """``{category_id: code}`` of an LVIS category table; error naming ``ann_file``."""
    freqs = {}
    missing = []
    for cat in categories:
        freq = cat.get('frequency')
        if freq not in ('r', 'c', 'f'):
            missing.append(cat.get('id'))
            continue
        freqs[cat['id']] = freq
    if missing:
        shown = ', '.join(str(m) for m in missing[:5])
        more = f' and {len(missing) - 5} more' if len(missing) > 5 else ''
        raise ValueError(
            f'LVIS annotation {ann_file}: {len(missing)} categories (ids '
            f'{shown}{more}) have no "frequency" field ("r", "c" or "f"). '
            "ACSL's official background sampling needs it: use an LVIS "
            'annotation that has it, set ACSLFrequencyHook(source='
            "'image_counts') to derive the groups from the training images, or "
            "train with ACSLLoss(bg_mode='adaptive').")
    return freqs


def load_label_groups_file(path, backend_args=None):
    """Per-label frequency codes from a small groups file or an LVIS annotation.

    Accepted contents (JSON):

    * a list of codes, one per label index (``["r", "c", "f", ...]``);
    * a dict with ``"label_groups"`` (that list) and any other keys (e.g. the
      category ids and names the list was made from);
    * an LVIS annotation (``"categories"`` with ``frequency``): label ``i`` is the
      ``i``-th entry of its category list, which is how mmdet's LVIS datasets number
      their labels (``dataset.cat_ids``); only the category table is decoded, so the
      val annotation or even the train one is cheap to read.

    Raises:
        ValueError: naming the file when it holds none of these.
    """
    with get_local_path(path, backend_args=backend_args) as local_path:
        with open(local_path, 'rb') as f:
            head = f.read(1 << 16).lstrip()
        small = head[:1] == b'[' or (b'"label_groups"' in head
                                     and b'"categories"' not in head)
        if small:
            with open(local_path) as f:
                data = json.load(f)
            groups = data.get('label_groups') if isinstance(data,
                                                            dict) else data
            if not isinstance(groups, list) or not groups:
                raise ValueError(
                    f'Label-groups file {path} holds no list of "r"/"c"/"f" '
                    'codes; write a JSON list with one code per label, '
                    '{"label_groups": [...]}, or point to the LVIS annotation.')
            return list(groups)
    categories = read_lvis_categories(path, backend_args=backend_args)
    freqs = _frequencies(categories, path)
    return [freqs[cat['id']] for cat in categories]


def label_groups_from_lvis(ann_file, cat_ids, backend_args=None):
    """Frequency code of every label index, ``cat_ids[label]`` being its category id.

    Args:
        ann_file (str): LVIS annotation with ``categories[*].frequency``.
        cat_ids (Sequence[int]): Category id of each label index (mmdet's
            ``dataset.cat_ids``).

    Returns:
        list[str]: ``'r'``, ``'c'`` or ``'f'`` per label index.
    """
    freqs = load_lvis_frequencies(ann_file, backend_args=backend_args)
    unknown = [c for c in cat_ids if c not in freqs]
    if unknown:
        raise ValueError(
            f'Category ids {unknown[:5]} of the dataset are not in the '
            f'categories of {ann_file}; the frequency annotation must be the '
            "dataset's own LVIS annotation (same version).")
    return [freqs[c] for c in cat_ids]


def label_groups_from_image_counts(image_counts,
                                   rare_max=LVIS_RARE_MAX_IMAGES,
                                   common_max=LVIS_COMMON_MAX_IMAGES):
    """LVIS-style groups from the number of training images containing each label.

    Used where the annotation has no ``frequency`` field (Open Images). A label with
    ``n <= rare_max`` images is rare, ``rare_max < n <= common_max`` common, the rest
    frequent.
    """
    if not 0 <= rare_max < common_max:
        raise ValueError(
            f'rare_max={rare_max} and common_max={common_max} must satisfy '
            '0 <= rare_max < common_max.')
    groups = []
    for n in image_counts:
        groups.append('r' if n <= rare_max else 'c' if n <= common_max else 'f')
    return groups


def count_images_per_label(dataset, num_classes):
    """Number of images of ``dataset`` that contain each label (mmdet BaseDetDataset)."""
    counts = [0] * num_classes
    for idx in range(len(dataset)):
        for label in set(int(c) for c in dataset.get_cat_ids(idx)):
            if 0 <= label < num_classes:
                counts[label] += 1
    return counts
