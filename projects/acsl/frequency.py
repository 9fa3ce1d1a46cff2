"""Per-label frequency groups (rare / common / frequent) for ACSL's background sampling.

LVIS annotations carry a ``frequency`` field per category (``'r'``: 1-10 training
images, ``'c'``: 11-100, ``'f'``: more than 100). mmdet's LVIS datasets number their
labels by the position of each category in the annotation's category list, while the
released code (mmdet v1, background = label 0) indexed channels by raw category ids.
The helpers here always go through the dataset's own ``cat_ids`` so non-contiguous
category ids map correctly.
"""
import json

from mmengine.fileio import get_local_path

#: LVIS thresholds on the number of training images per category (Gupta et al., 2019).
LVIS_RARE_MAX_IMAGES = 10
LVIS_COMMON_MAX_IMAGES = 100


def load_lvis_frequencies(ann_file, backend_args=None):
    """Read ``{category_id: 'r' | 'c' | 'f'}`` from an LVIS annotation file.

    Raises:
        ValueError: when the file has no ``categories`` list or a category has no
            valid ``frequency`` field; the message names the file.
    """
    with get_local_path(ann_file, backend_args=backend_args) as local_path:
        with open(local_path) as f:
            data = json.load(f)
    categories = data.get('categories') if isinstance(data, dict) else None
    if not categories:
        raise ValueError(
            f'LVIS annotation {ann_file} has no "categories" list, so ACSL '
            'cannot read the category frequencies; pass an LVIS v0.5/v1 '
            'annotation file.')
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
