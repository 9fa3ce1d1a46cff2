"""Hooks of the decoupled ACSL recipe: train only named parameters, fill frequency groups."""
import fnmatch

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmdet.registry import HOOKS

from .acsl_loss import ACSLLoss
from .frequency import (count_images_per_label, label_groups_from_image_counts,
                        label_groups_from_lvis)


def _unwrap(model):
    return model.module if is_model_wrapper(model) else model


def _matches(name, pattern):
    """``name`` is ``pattern``, lies below it (``pattern.``), or matches it as a glob."""
    return (name == pattern or name.startswith(pattern + '.')
            or fnmatch.fnmatchcase(name, pattern)
            or fnmatch.fnmatchcase(name, pattern + '.*'))


def freeze_all_but(model, trainable):
    """Set ``requires_grad=False`` on every parameter not matched by ``trainable``.

    Args:
        model (nn.Module): The model (a model wrapper is unwrapped).
        trainable (Sequence[str]): Parameter-name prefixes or globs that stay
            trainable, e.g. ``['roi_head.bbox_head.fc_cls']`` or
            ``['roi_head.bbox_head.*.fc_cls']``.

    Returns:
        list[str]: The names of the parameters left trainable.

    Raises:
        ValueError: when a pattern matches no parameter (names close candidates).
    """
    model = _unwrap(model)
    named = list(model.named_parameters())
    kept = []
    for pattern in trainable:
        if not any(_matches(name, pattern) for name, _ in named):
            close = sorted({n.rsplit('.', 1)[0] for n, _ in named
                            if pattern.split('.')[-1] in n})[:6]
            raise ValueError(
                f'Trainable pattern {pattern!r} matches no parameter of '
                f'{type(model).__name__}. Parameters with a similar name: '
                f'{close or "none"}. Fix the pattern (a name prefix or a glob '
                'such as "roi_head.bbox_head.*.fc_cls").')
    for name, param in named:
        keep = any(_matches(name, p) for p in trainable)
        param.requires_grad_(keep)
        if keep:
            kept.append(name)
    return kept


@HOOKS.register_module()
class FreezeAllButHook(Hook):
    """Train only the named parameters: the decoupled recipe of the released ACSL configs.

    The released ACSL recipe fine-tunes only the classifier (``fc_cls``) of a
    softmax-trained detector (``selectp`` in its ``tools/train.py``). This hook sets
    ``requires_grad=False`` on every other parameter before training, so they get no
    gradient, no momentum and no weight decay from the optimizer. Frozen BatchNorm
    statistics are unaffected as mmdet's ResNets already run BN in eval mode
    (``norm_eval=True``). In distributed runs set ``find_unused_parameters=True``, since
    the DDP wrapper is built before hooks run.

    Args:
        trainable (Sequence[str]): Parameter-name prefixes or globs that stay
            trainable, e.g. ``['roi_head.bbox_head.fc_cls']``.
    """

    priority = 'VERY_HIGH'

    def __init__(self, trainable):
        if isinstance(trainable, str):
            trainable = [trainable]
        if not trainable:
            raise ValueError(
                'FreezeAllButHook needs at least one trainable name, e.g. '
                "trainable=['roi_head.bbox_head.fc_cls'].")
        self.trainable = list(trainable)

    def before_train(self, runner):
        kept = freeze_all_but(runner.model, self.trainable)
        runner.logger.info(
            f'FreezeAllButHook: training only {len(kept)} parameter tensors: '
            f'{kept}')


def _leaf_dataset(dataset):
    """The dataset below mmengine/mmdet wrappers (ClassBalanced, Repeat, Concat)."""
    while True:
        if hasattr(dataset, 'dataset'):
            dataset = dataset.dataset
        elif hasattr(dataset, 'datasets'):
            dataset = dataset.datasets[0]
        else:
            return dataset


def acsl_losses(model):
    """Every :class:`ACSLLoss` module inside ``model`` (cascade heads have several)."""
    return [m for m in _unwrap(model).modules() if isinstance(m, ACSLLoss)]


@HOOKS.register_module()
class ACSLFrequencyHook(Hook):
    """Give every ACSLLoss of the model the frequency group of each label.

    A convenience for data sets whose groups are not in the config: losses that got
    ``label_groups`` or ``label_groups_file`` are left alone. The groups come from the
    training set itself:

    * ``source='lvis_frequency'`` (default): the ``frequency`` field of the training
      dataset's own LVIS annotation (``dataset.ann_file``), mapped from category ids
      to label indices through ``dataset.cat_ids``; only the annotation's category
      table is decoded (:func:`projects.acsl.frequency.read_lvis_categories`).
    * ``source='image_counts'``: LVIS thresholds (<= 10 images rare, <= 100 common)
      applied to the number of training images per label, for data sets without a
      ``frequency`` field (Open Images).

    Args:
        source (str): ``'lvis_frequency'`` or ``'image_counts'``.
        ann_file (str, optional): Read the frequencies from this LVIS annotation
            instead of the training dataset's (e.g. the smaller val file, which has the
            same category table).
    """

    priority = 'VERY_HIGH'

    def __init__(self, source='lvis_frequency', ann_file=None):
        if source not in ('lvis_frequency', 'image_counts'):
            raise ValueError(
                f"ACSLFrequencyHook source={source!r}; use 'lvis_frequency' or "
                "'image_counts'.")
        self.source = source
        self.ann_file = ann_file

    def label_groups(self, dataset):
        """The per-label frequency codes for ``dataset`` (a possibly wrapped dataset)."""
        leaf = _leaf_dataset(dataset)
        if hasattr(leaf, 'full_init'):
            leaf.full_init()
        if self.source == 'image_counts':
            num_classes = len(leaf.metainfo['classes'])
            counts = count_images_per_label(leaf, num_classes)
            return label_groups_from_image_counts(counts)
        cat_ids = getattr(leaf, 'cat_ids', None)
        if cat_ids is None:
            raise ValueError(
                f'{type(leaf).__name__} has no cat_ids, so ACSLFrequencyHook '
                "cannot map LVIS frequencies to labels; use source='image_counts'"
                ' for non-LVIS data sets.')
        ann_file = self.ann_file or leaf.ann_file
        return label_groups_from_lvis(
            ann_file, cat_ids, backend_args=getattr(leaf, 'backend_args', None))

    def before_train(self, runner):
        losses = [loss for loss in acsl_losses(runner.model)
                  if not loss.has_label_groups]
        if not losses:
            return
        groups = self.label_groups(runner.train_dataloader.dataset)
        for loss in losses:
            loss.set_label_groups(groups)
        counts = {g: groups.count(g) for g in ('r', 'c', 'f')}
        runner.logger.info(
            f'ACSLFrequencyHook: {len(groups)} classes, rare/common/frequent = '
            f"{counts['r']}/{counts['c']}/{counts['f']} ({self.source}); set on "
            f'{len(losses)} ACSLLoss module(s) without label groups.')
