"""Miniature PASS benchmark (spec (f)): DINO vs PASS pre-training on synthetic persons.

Both arms are the tiny PASS pre-training twin (48-d 2-block ViT, 64x32 globals, 32x16
locals; same views, schedule, seed and compute) trained on the benchmark persons of
``tools/dataset_converters/tiny_datasets/reid.py: generate_part_benchmark`` (spec (f):
400 unlabelled identities x 5 images; an identity is a (head, torso, legs) triple of
band styles, 6 hues x 4 textures, and many identities share two of their three bands),
then scored on frozen teacher features of 100 unseen identities (2 queries from
cameras 1-2, 4 gallery images from cameras 3-6) with the Market protocol ``ReIDMetric``:

- ``dino``: the 9 local crops come from the whole image (``area_starts=(0, 0, 0)``,
  ``area_height=1``) and only the [CLS] terms are trained (``part_terms=False``);
  feature ``z_cls``. The backbone still carries the (untrained) [PART] tokens, so both
  arms cost the same.
- ``pass``: the official part areas and the 44-term loss; feature
  ``cat(z_cls, mean z_part)``.

Per-part retrieval: every token's feature alone (``cls``, ``part1..3``) and the ReID
feature ``cat(cls, mean parts)`` is scored (a) on identities (Market protocol) and
(b) per body band: the query's relevant images are those of *other* identities wearing
the same head / torso / legs band style (same-identity images removed), mAP over the
queries that have one. A part-specialised ``part3`` ranks same-legs images highest.

Baselines: the same model untrained (initialised per seed) and random features
(chance level, mean of 50 draws). Also the training step of each arm, interleaved,
as a ratio to DINO.

Finished (arm, seed) runs, the untrained ``init`` arm included, are kept in
``<work-dir>/runs/`` and reused; ``--merge`` reports the runs of several work dirs (one
process per seed) without training (the step times and chance level are measured afresh).

Example::

    python tools/analysis_tools/pass_benchmark.py --work-dir work_dirs/pass_benchmark
    python tools/analysis_tools/pass_benchmark.py --merge work_dirs/pass_s0 work_dirs/pass_s1 \
        --data-dir work_dirs/pass_s0/data --work-dir work_dirs/pass_benchmark
"""
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

import importlib  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.logging import MessageHub  # noqa: E402

from projects.common import benchmark as hb  # noqa: E402

_pass = importlib.import_module('projects.pass')  # `pass` is a keyword
CONFIG = 'configs/pass/tiny/pass_vit-small-p16_8xb128-amp-coslr-100e_luperson.py'
CROP = 'train_dataloader.dataset.pipeline.1'
ARMS = [
    hb.Arm('dino', CONFIG, 'DINO (CLS only, locals from the whole image)', {
        f'{CROP}.area_starts': (0.0, 0.0, 0.0),
        f'{CROP}.area_height': 1.0,
        'model.head.part_terms': False,
        'model.test_feature': 'cls',
    }),
    hb.Arm('pass', CONFIG, 'PASS (part areas, CLS + PART tokens)'),
]
FEATURES = ('cls', 'part1', 'part2', 'part3', 'cls_parts')
BANDS = ('head', 'torso', 'legs')
MARKER = '.pass_benchmark_complete'


def make_data(data_dir):
    """Generate the benchmark persons once (deterministic)."""
    if osp.exists(osp.join(data_dir, MARKER)):
        return
    tools = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                     'dataset_converters')
    sys.path.insert(0, tools)
    from tiny_datasets import reid
    from tqdm import tqdm
    cfg = reid.PART_BENCHMARK
    total = cfg['pretrain_ids'] * cfg['per_pretrain'] + cfg['test_ids'] * (
        cfg['queries'] + cfg['gallery'])
    with tqdm(total=total, desc='benchmark persons') as bar:
        reid.generate_part_benchmark(data_dir, progress=bar.update)
    open(osp.join(data_dir, MARKER), 'w').close()


def extract(model, dataloader):
    """Frozen features (``PASS.token_features``) and labels of a ReID test set."""
    feats = {name: [] for name in FEATURES}
    meta = dict(pid=[], camid=[], query=[])
    model.eval()
    for batch in dataloader:
        data = model.data_preprocessor(batch, False)
        for name, f in model.token_features(data['inputs']).items():
            feats[name].append(f.float().cpu())
        for sample in data['data_samples']:
            for k in meta:
                meta[k].append(sample.metainfo[k])
    return {k: torch.cat(v) for k, v in feats.items()}, \
        {k: np.asarray(v) for k, v in meta.items()}


def identity_metrics(feats, meta):
    """Market-protocol mAP / R1 / R5 (%) of one feature through ``ReIDMetric``."""
    metric = _pass.ReIDMetric()
    metric.process(None, [
        dict(pred_feature=f, pid=int(p), camid=int(c), query=bool(q))
        for f, p, c, q in zip(feats, meta['pid'], meta['camid'], meta['query'])
    ])
    out = metric.evaluate(len(feats))
    return {k: out[f'reid/{k}'] for k in ('mAP', 'R1', 'R5')}


def band_map(feats, meta, styles, band):
    """mAP (%) of retrieving other identities that wear the query's ``band`` style.

    ``market_protocol`` with the band style as the label and the identity as the
    "camera": its same-label-same-camera removal then drops exactly the query's own
    identity, and queries whose band style no other gallery identity wears are skipped.
    """
    q, g = meta['query'], ~meta['query']
    style = np.array([styles[str(p)][band] for p in meta['pid']])
    dist = _pass.squared_euclidean(feats[q], feats[g]).numpy()
    _, mean_ap, _ = _pass.market_protocol(dist, style[q], style[g],
                                          meta['pid'][q], meta['pid'][g])
    return 100 * mean_ap


def retrieval(model, dataloader, styles):
    """Identity and per-band retrieval of every frozen feature of ``model``."""
    feats, meta = extract(model, dataloader)
    out = {}
    for name, f in feats.items():
        for k, v in identity_metrics(f, meta).items():
            out[f'{name}/{k}'] = v
        for b, band in enumerate(BANDS):
            out[f'{name}/{band}_mAP'] = band_map(f, meta, styles, b)
    return out


def chance(meta, styles, draws=50, dims=96):
    """Mean identity / band metrics of random Gaussian features (chance level)."""
    gen = torch.Generator().manual_seed(0)
    runs = []
    for _ in range(draws):
        f = torch.randn(len(meta['pid']), dims, generator=gen)
        run = identity_metrics(f, meta)
        for b, band in enumerate(BANDS):
            run[f'{band}_mAP'] = band_map(f, meta, styles, b)
        runs.append(run)
    return {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}


def extract_meta(dataloader):
    meta = dict(pid=[], camid=[], query=[])
    for batch in dataloader:
        for sample in batch['data_samples']:
            for k in meta:
                meta[k].append(sample.metainfo[k])
    return {k: np.asarray(v) for k, v in meta.items()}


def step_timer(arm, work_dir, extra):
    """A callable running one training step of ``arm`` on a fixed batch."""
    runner = hb.build_runner(arm, work_dir, seed=0, epochs=1, extra=extra)
    model = runner.model
    model.init_weights()
    MessageHub.get_current_instance().update_info('max_iters', 1000)
    batch = next(iter(runner.build_dataloader(runner.cfg.train_dataloader)))
    optim = runner.build_optim_wrapper(runner.cfg.optim_wrapper)

    def step():
        model.train_step(batch, optim)

    return step


def parse_args(argv=None):
    parser = hb.benchmark_parser(__doc__, 'pass_benchmark')
    parser.add_argument('--data-dir', default=None,
                        help='benchmark persons (default <work-dir>/data)')
    parser.add_argument('--arms', nargs='+', default=[a.name for a in ARMS])
    parser.add_argument('--epochs', type=int, default=4)
    parser.add_argument('--speed-repeats', type=int, default=5)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)
    data_dir = args.data_dir or osp.join(args.work_dir, 'data')
    make_data(data_dir)
    with open(osp.join(data_dir, 'market1501', 'band_styles.json')) as f:
        styles = json.load(f)
    arms = [a for a in ARMS if a.name in args.arms]
    # the twin's cosine (after 1 warm-up epoch) stretched to the benchmark's epochs
    extra = {'param_scheduler.1.T_max': args.epochs - 1,
             'param_scheduler.1.end': args.epochs,
             'train_dataloader.dataset.data_root': osp.join(data_dir, 'luperson'),
             'test_dataloader.dataset.data_root': osp.join(data_dir, 'market1501')}

    def probe(runner):
        model = runner.model.module if hasattr(runner.model, 'module') else \
            runner.model
        return retrieval(model, runner.test_dataloader, styles)

    def run(arm, seed):
        if arm.name != 'init':
            return hb.train_arm(arm, args.work_dir, seed, args.epochs, evaluate=None,
                                extra=extra, probe=probe)
        runner = hb.build_runner(arm, args.work_dir, seed, extra=extra)
        runner.model.init_weights()
        return dict(metrics=probe(runner))

    init = hb.Arm('init', CONFIG, 'untrained')
    results = hb.run_or_merge(args, arms + [init], run, keys=('epochs', ),
                              desc='PASS benchmark')
    runner = hb.build_runner(init, args.work_dir, 0, extra=extra)
    meta = extract_meta(runner.test_dataloader)
    rand = chance(meta, styles)
    num_pretrain = len(runner.train_dataloader.dataset)

    report = hb.Report('pass_benchmark', 'PASS miniature benchmark')
    own = {'dino': 'cls', 'pass': 'cls_parts'}
    rows = []
    for arm in [init] + arms:
        runs = results[arm.name]
        names = [own[arm.name]] if arm.name in own else ['cls', 'cls_parts']
        for feat in names:
            rows.append([f'{arm.label}: {feat}'] + [
                hb.mean_std([r['metrics'][f'{feat}/{m}'] for r in runs])
                for m in ('mAP', 'R1', 'R5')
            ] + [hb.mean_std([r['train_s'] for r in runs], 0)
                 if 'train_s' in runs[0] else '-'])
        if 'curve' in runs[0]:
            report.add_curves(arm.name, [r['curve'] for r in runs])
    rows.append(['random features (chance, 50 draws)'] +
                [f'{rand[m]:.1f}' for m in ('mAP', 'R1', 'R5')] + ['-'])
    report.add_table(
        f'Frozen teacher features on {len(set(meta["pid"]))} unseen identities '
        f'({len(args.seeds)} seeds, {args.epochs} epochs, mean ± sample std)',
        ['arm: feature', 'mAP', 'R1', 'R5', 'train (s)'], rows,
        note=f'Pre-training: {num_pretrain} unlabelled images; test: '
        f'{int(meta["query"].sum())} queries, {int((~meta["query"]).sum())} gallery '
        'images (Market protocol).')
    rows = []
    for arm in [init] + arms:
        runs = results[arm.name]
        for feat in FEATURES:
            rows.append([arm.name, feat] + [
                hb.mean_std([r['metrics'][f'{feat}/{m}'] for r in runs])
                for m in ('mAP', 'R1') + tuple(f'{b}_mAP' for b in BANDS)
            ])
    rows.append(['random', '-'] + [f'{rand[m]:.1f}' for m in
                                   ('mAP', 'R1') + tuple(f'{b}_mAP' for b in BANDS)])
    report.add_table(
        'Per-part retrieval: each token alone (mean ± sample std over seeds)',
        ['arm', 'feature', 'identity mAP', 'identity R1', 'same-head mAP',
         'same-torso mAP', 'same-legs mAP'], rows,
        note='same-<band> mAP: relevant = images of other identities wearing the '
        "query's band style (its own identity removed).")
    for m in ('mAP', 'R1'):
        report.add_bars(m, {a.name: [r['metrics'][f'{own.get(a.name, "cls_parts")}/{m}']
                                     for r in results[a.name]]
                            for a in [init] + arms})
    for b in ('head', 'legs'):
        report.add_bars(f'{b}_mAP', {
            f'{a.name}:{feat}': [r['metrics'][f'{feat}/{b}_mAP']
                                 for r in results[a.name]]
            for a in [init] + arms for feat in ('part1', 'part3')})
    times = hb.interleaved_timing(
        {arm.name: step_timer(arm, args.work_dir, extra) for arm in arms},
        repeats=args.speed_repeats) if len(arms) > 1 else {}
    if times:
        report.add_table('Training step (1 thread, median)',
                         ['arm', 'step (ms)', 'ratio to DINO'],
                         hb.speed_rows(times, 'dino', {a.name: a.label for a in arms}))
    report.data = dict(results={k: [dict(metrics=r['metrics'],
                                         train_s=r.get('train_s')) for r in v]
                                for k, v in results.items()},
                       chance=rand, step_s=times)
    paths = report.write(args.work_dir)
    print(report.markdown())
    return paths


if __name__ == '__main__':
    main()
