"""Generate the tiny synthetic datasets used by the tiny configs and the tests.

Each dataset is written in the real on-disk format of the dataset it imitates (ImageNet,
COCO with keypoints, LVIS v0.5 / v1, Cityscapes, BDD100K, CamVid, COCO-Stuff-164k, Open
Images) with learnable content: coloured shapes, stick figures and road scenes whose class
is decided by shape and colour. Output is deterministic (same bytes on every run) and
written to a temporary folder that is renamed into place when complete, so an interrupted
run never leaves a folder that looks finished.

Examples::

    python tools/dataset_converters/make_tiny_datasets.py --out data/tiny
    python tools/dataset_converters/make_tiny_datasets.py --out data/tiny --only coco,lvis_v1
    python tools/dataset_converters/make_tiny_datasets.py --out data/tiny --only camvid --force
"""
import argparse
import functools
import os
import os.path as osp
import shutil
import sys
import time

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from tiny_datasets import coco, imagenet, lvis, openimages  # noqa: E402
from tiny_datasets import video_text  # noqa: E402
from tiny_datasets import reid  # noqa: E402
from tiny_datasets import scenes, shapes  # noqa: E402
from tiny_datasets import segmentation as seg  # noqa: E402
from tiny_datasets.common import is_complete, publish, write_marker  # noqa: E402

DATASETS = {
    # name: (folder, version, generate(root, progress), number of images)
    'imagenet': ('imagenet', imagenet.VERSION, imagenet.generate,
                 imagenet.num_images()),
    'coco': ('coco', coco.VERSION, coco.generate, coco.num_images()),
    'lvis_v0.5': ('lvis_v0.5', lvis.VERSION, lvis.generate_v05,
                  lvis.num_images()),
    'lvis_v1': ('lvis_v1', lvis.VERSION, lvis.generate_v1, lvis.num_images()),
    **{
        name: (name, seg.VERSION, functools.partial(seg.generate, name),
               seg.num_images(name))
        for name in ('cityscapes', 'bdd100k', 'camvid', 'coco_stuff164k')
    },
    'shapes': ('shapes', shapes.VERSION, shapes.generate, shapes.num_images()),
    'openimages': ('OpenImages', openimages.VERSION, openimages.generate,
                   openimages.num_images()),
    'msrvtt': ('msrvtt', video_text.VERSION, video_text.generate_msrvtt,
               video_text.num_videos()),
    'coco_karpathy': ('coco_karpathy', video_text.VERSION,
                      video_text.generate_coco, video_text.num_images()),
    **{
        name: (name, reid.VERSION, reid.GENERATORS[name],
               reid.num_images(name))
        for name in ('market1501', 'msmt17', 'luperson')
    },
    'univip_scenes': ('univip_scenes', scenes.VERSION, scenes.generate,
                      scenes.num_images()),
}
"""Every dataset the generator can write, by the name ``--only`` takes."""


def parse_names(only):
    """Split ``--only`` into dataset names, with a clear error for unknown ones."""
    if not only:
        return list(DATASETS)
    names = [n.strip() for n in only.split(',') if n.strip()]
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        raise SystemExit(
            f'make_tiny_datasets: unknown dataset name(s) {unknown}; '
            f'--only takes a comma-separated subset of {list(DATASETS)}.')
    return names


def _remove_stale_temps(out):
    """Delete temp folders left by interrupted runs whose process is gone."""
    for entry in os.listdir(out):
        if not entry.startswith('.tmp-'):
            continue
        try:
            pid = int(entry.rsplit('-', 1)[1])
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(osp.join(out, entry), ignore_errors=True)
        except (ValueError, PermissionError, OSError):
            continue


def _progress_bar(name, total, quiet):
    if quiet:
        return None, None
    try:
        from tqdm import tqdm
    except ImportError:
        return None, None
    bar = tqdm(total=total, desc=f'tiny {name}', unit='img', leave=True,
               file=sys.stderr)
    return bar, bar.update


def make_dataset(name, out='data/tiny', force=False, quiet=False):
    """Write dataset ``name`` under ``out`` unless it is already complete.

    Returns:
        tuple[str, bool]: the dataset root and whether it was (re)generated.
    """
    if name not in DATASETS:
        raise KeyError(f'unknown tiny dataset {name!r}; choose one of '
                       f'{list(DATASETS)}')
    folder, version, generate, total = DATASETS[name]
    root = osp.join(out, folder)
    if not force and is_complete(root, version):
        return root, False
    os.makedirs(out, exist_ok=True)
    _remove_stale_temps(out)
    tmp = osp.join(out, f'.tmp-{folder}-{os.getpid()}')
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    bar, update = _progress_bar(name, total, quiet)
    try:
        generate(tmp, update)
        write_marker(tmp, name, version)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if bar is not None:
            bar.close()
    publish(tmp, root, version)
    return root, True


def make_datasets(names=None, out='data/tiny', force=False, quiet=False):
    """Write several datasets; returns {name: root}."""
    return {
        name: make_dataset(name, out, force, quiet)[0]
        for name in (names or list(DATASETS))
    }


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Generate the tiny synthetic datasets (real on-disk formats).')
    parser.add_argument('--out', default='data/tiny',
                        help='output root (default: data/tiny)')
    parser.add_argument(
        '--only', default='',
        help=f'comma-separated subset of: {",".join(DATASETS)} (default: all)')
    parser.add_argument('--force', action='store_true',
                        help='regenerate datasets that are already complete')
    parser.add_argument('--quiet', action='store_true',
                        help='no progress bars')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    for name in parse_names(args.only):
        start = time.time()
        root, made = make_dataset(name, args.out, args.force, args.quiet)
        state = f'written in {time.time() - start:.1f} s' if made else \
            'already complete (use --force to regenerate)'
        print(f'{name}: {root} {state}')


if __name__ == '__main__':
    main()
