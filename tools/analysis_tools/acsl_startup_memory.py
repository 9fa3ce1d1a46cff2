"""Start-up memory of ACSL's frequency groups on an LVIS v1-sized annotation.

ACSL's official background sampling needs the rare / common / frequent group of every
class. The released code, and our first port, parsed the whole training annotation
(``json.load``; LVIS v1 train is ~1 GB with 1.27M annotations) in every process to read
the 1203-entry category table. This tool writes a synthetic annotation of LVIS v1 size
(1203 categories with LVIS v1's 337 / 461 / 405 split, 100,170 images, 1,270,141
annotations with a bbox and a 16-coordinate polygon each, keys in LVIS order so that
``categories`` comes last) and measures, each in a fresh process:

* ``full-json-load``: the earlier path, ``json.load`` of the whole file, then the
  frequencies (what ``ACSLFrequencyHook`` did on every rank);
* ``categories-only``: ``ACSLLoss(label_groups_file=<the annotation>)``, which decodes
  only the category table (:func:`projects.acsl.frequency.read_lvis_categories`);
* ``groups-file``: ``ACSLLoss(label_groups_file=<a 1203-entry JSON list>)``.

For each: peak RSS above the RSS after imports (``ru_maxrss``), the tracemalloc peak
(a separate run, as tracing inflates RSS) and the wall time. The dataset itself still
loads its annotation once for training, as every mmdet LVIS dataset does; that cost is
the same before and after and is not part of the measurement.

Example::

    python tools/analysis_tools/acsl_startup_memory.py --work-dir work_dirs/acsl_memory
"""
import argparse
import json
import os
import os.path as osp
import random
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

#: LVIS v1 train: categories, their r/c/f split, images and annotations.
NUM_CATEGORIES = 1203
SPLIT = {'r': 337, 'c': 461, 'f': 405}
NUM_IMAGES = 100170
NUM_ANNOTATIONS = 1270141
PATHS = ('full-json-load', 'categories-only', 'groups-file')


def write_synthetic_lvis(path, seed=0):
    """Write the synthetic LVIS v1-sized annotation to ``path`` (streamed)."""
    from tqdm import tqdm
    rng = random.Random(seed)
    codes = [c for c, n in SPLIT.items() for _ in range(n)]
    rng.shuffle(codes)
    categories = [
        {'id': i + 1, 'name': f'category_{i + 1:04d}',
         'synset': f'cat{i}.n.01', 'synonyms': [f'category_{i + 1:04d}'],
         'def': 'a synthetic category', 'image_count': 5,
         'instance_count': 10, 'frequency': codes[i]}
        for i in range(NUM_CATEGORIES)
    ]
    with open(path, 'w') as f:
        f.write('{"info": {"description": "synthetic LVIS v1-sized annotation"},'
                ' "annotations": [')
        for i in tqdm(range(NUM_ANNOTATIONS), desc='annotations', mininterval=5):
            x, y = rng.uniform(0, 500), rng.uniform(0, 400)
            w, h = rng.uniform(2, 100), rng.uniform(2, 100)
            poly = [round(v, 2) for v in (x, y, x + w, y, x + w, y + h, x, y + h,
                                          x + w / 2, y, x + w, y + h / 2,
                                          x + w / 2, y + h, x, y + h / 2)]
            ann = dict(id=i + 1, image_id=i % NUM_IMAGES + 1,
                       category_id=rng.randint(1, NUM_CATEGORIES),
                       bbox=[round(x, 2), round(y, 2), round(w, 2), round(h, 2)],
                       area=round(w * h, 2), segmentation=[poly])
            f.write((', ' if i else '') + json.dumps(ann))
        f.write('], "images": [')
        for i in range(NUM_IMAGES):
            img = dict(id=i + 1, width=640, height=480,
                       coco_url=f'http://images.cocodataset.org/train2017/'
                       f'{i + 1:012d}.jpg', neg_category_ids=[],
                       not_exhaustive_category_ids=[])
            f.write((', ' if i else '') + json.dumps(img))
        f.write('], "licenses": [], "categories": ')
        f.write(json.dumps(categories))
        f.write('}')


def _rss_kb():
    with open('/proc/self/statm') as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf('SC_PAGE_SIZE') // 1024


def measure(path_name, ann_file, groups_file, trace):
    """Run one path in this process; return a dict of the measurements."""
    import resource
    import tracemalloc

    from projects.acsl import ACSLLoss
    from projects.acsl.frequency import _frequencies

    before_kb = _rss_kb()
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    if path_name == 'full-json-load':
        with open(ann_file) as f:
            data = json.load(f)
        freqs = _frequencies(data['categories'], ann_file)
        groups = [freqs[c['id']] for c in data['categories']]
        loss = ACSLLoss(label_groups=groups)
        del data
    elif path_name == 'categories-only':
        loss = ACSLLoss(label_groups_file=ann_file)
    else:
        loss = ACSLLoss(label_groups_file=groups_file)
    # the file is read when the groups are first needed
    assert loss.has_label_groups
    seconds = time.perf_counter() - start
    result = dict(path=path_name, seconds=seconds,
                  num_groups=int(loss.label_groups.numel()),
                  counts=[int((loss.label_groups == g).sum()) for g in range(3)])
    if trace:
        result['tracemalloc_peak_mb'] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    else:
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result['peak_rss_increase_mb'] = (peak_kb - before_kb) / 1024
    return result


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/acsl_startup_memory')
    parser.add_argument('--ann', help='use this LVIS annotation instead of '
                        'writing the synthetic one')
    parser.add_argument('--measure', choices=PATHS, help=argparse.SUPPRESS)
    parser.add_argument('--trace', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--groups-file', help=argparse.SUPPRESS)
    return parser.parse_args()


def main():
    args = parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.ann, args.groups_file,
                                 args.trace)))
        return
    os.makedirs(args.work_dir, exist_ok=True)
    ann = args.ann or osp.join(args.work_dir, 'lvis_v1_synthetic_train.json')
    if not osp.isfile(ann):
        write_synthetic_lvis(ann)
    from projects.acsl.frequency import load_label_groups_file
    groups_file = osp.join(args.work_dir, 'lvis_v1_label_groups.json')
    with open(groups_file, 'w') as f:
        json.dump(dict(label_groups=load_label_groups_file(ann)), f)
    rows = []
    for path_name in PATHS:
        row = {}
        for trace in (False, True):
            cmd = [sys.executable, osp.abspath(__file__), '--measure', path_name,
                   '--ann', ann, '--groups-file', groups_file]
            out = subprocess.run(cmd + (['--trace'] if trace else []),
                                 check=True, capture_output=True, text=True,
                                 cwd=REPO).stdout
            row.update(json.loads(out.strip().splitlines()[-1]))
            if not trace:
                row['seconds_untraced'] = row['seconds']
        rows.append(row)
        print(json.dumps(row))
    size_mb = osp.getsize(ann) / 2**20
    lines = [
        f'Annotation: {ann} ({size_mb:.0f} MB)',
        '',
        '| path | peak RSS increase (MB) | tracemalloc peak (MB) | time (s) |',
        '| --- | --- | --- | --- |',
    ]
    for row in rows:
        lines.append(f"| {row['path']} | {row['peak_rss_increase_mb']:.1f} | "
                     f"{row['tracemalloc_peak_mb']:.1f} | "
                     f"{row['seconds_untraced']:.2f} |")
    report = '\n'.join(lines)
    with open(osp.join(args.work_dir, 'acsl_startup_memory.md'), 'w') as f:
        f.write(report + '\n')
    with open(osp.join(args.work_dir, 'acsl_startup_memory.json'), 'w') as f:
        json.dump(dict(annotation_mb=size_mb, rows=rows), f, indent=2)
    print(report)


if __name__ == '__main__':
    main()
