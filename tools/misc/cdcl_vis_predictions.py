"""Draw a CDCL model's predictions for each of its datasets with that dataset's palette.

For every dataset of the config's test set (a ``ConcatDataset`` of per-dataset val sets),
the first ``--num-images`` images are predicted with that dataset's BN branch and
classifier and saved as PNG overlays (ground truth left, prediction right) under
``<out-dir>/<dataset name>/``. Single-dataset configs work too (one folder).

Example::

    python tools/misc/cdcl_vis_predictions.py \
        configs/cdcl/tiny/cdcl_pspnet_r18-d8_4xb4-80k_cityscapes-camvid-512x512.py \
        work_dirs/x/iter_300.pth --out-dir work_dirs/x/vis --num-images 4
"""
import argparse
import os
import os.path as osp
import sys
import uuid

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

import mmcv  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.dataset import pseudo_collate  # noqa: E402
from mmengine.model import revert_sync_batchnorm  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import load_checkpoint  # noqa: E402
from mmseg.registry import DATASETS, MODELS  # noqa: E402
from mmseg.visualization import SegLocalVisualizer  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint', help='checkpoint file, or "none" to draw an '
                   'untrained model (for checking the pipeline)')
    p.add_argument('--out-dir', default='work_dirs/cdcl_vis')
    p.add_argument('--datasets', nargs='+', default=None,
                   help='dataset names to draw (default: all)')
    p.add_argument('--num-images', type=int, default=4)
    p.add_argument('--alpha', type=float, default=0.5)
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args(argv)


def dataset_cfgs(cfg):
    """(name, dataset config) for each dataset of the test set."""
    ds = cfg.test_dataloader.dataset
    subs = ds.datasets if ds.get('type') == 'ConcatDataset' else [ds]
    names = (cfg.get('test_cfg') or {}).get('dataset_names') or \
        cfg.model.get('dataset_names') or [
            f'dataset{i}' for i in range(len(subs))]
    return list(zip(names, subs))


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = MODELS.build(cfg.model)
    if args.checkpoint.lower() != 'none':
        load_checkpoint(model, args.checkpoint, map_location='cpu')
    model = revert_sync_batchnorm(model).eval()
    pairs = dataset_cfgs(cfg)
    known = [n for n, _ in pairs]
    wanted = args.datasets or known
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise SystemExit(f'--datasets {unknown} not in this config; choose '
                         f'from {known}.')
    vis = SegLocalVisualizer(name=f'cdcl_vis_{uuid.uuid4().hex[:8]}',
                             alpha=args.alpha)
    written = []
    for name, ds_cfg in pairs:
        if name not in wanted:
            continue
        dataset = DATASETS.build(ds_cfg)
        vis.set_dataset_meta(dataset.metainfo['classes'],
                             dataset.metainfo['palette'])
        out_dir = osp.join(args.out_dir, name)
        os.makedirs(out_dir, exist_ok=True)
        for i in range(min(args.num_images, len(dataset))):
            batch = pseudo_collate([dataset[i]])
            with torch.no_grad():
                sample = model.test_step(batch)[0]
            image = mmcv.imread(sample.img_path, channel_order='rgb')
            out_file = osp.join(
                out_dir,
                osp.splitext(osp.basename(sample.img_path))[0] + '.png')
            vis.add_datasample(name, image, sample, draw_gt=True,
                               draw_pred=True, show=False, out_file=out_file)
            written.append(out_file)
    print(f'wrote {len(written)} overlays under {args.out_dir}')
    return written


if __name__ == '__main__':
    main()
