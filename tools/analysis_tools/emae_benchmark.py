"""EMAE vs mmpretrain's MAE in miniature: representation quality and training speed.

``quality``: pre-train MAE and EMAE (same small ViT, same data, same seed) at equal epochs
and at equal compute (MAE given K times the epochs = the same encoder token passes),
then judge frozen (4x4-pooled token) features by k-NN (k=20, cosine) and a linear probe (L-BFGS
logistic regression) on held-out labels; also measure the prediction consistency (the
variance of a masked patch's reconstruction across the K-1 parts that masked it, every
model evaluated with the same parallel masks). Several seeds; mean and std reported.

``speed``: per-image training-step time of EMAE vs MAE on the same ViT, the ratio
``EMAE step / (K x MAE step)`` and the share of EMAE's forward+backward spent outside
the encoder blocks and the decoder (patch embedding, masking, gathering, targets,
losses).

Examples::

    python tools/analysis_tools/emae_benchmark.py quality --work-dir work_dirs/emae_bench
    python tools/analysis_tools/emae_benchmark.py speed --work-dir work_dirs/emae_bench
"""
import argparse
import glob
import json
import math
import os
import os.path as osp
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import projects  # noqa: E402,F401
import projects.emae  # noqa: E402,F401
from mmpretrain.registry import MODELS  # noqa: E402

from projects.emae.masking import parallel_masks  # noqa: E402

NUM_PARTS = 4
MEAN = torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1)
STD = torch.tensor([0.25, 0.25, 0.25]).view(1, 3, 1, 1)


# ----------------------------------------------------------------------------- data
def _shape_mask(label, u, v):
    r2 = u * u + v * v
    au, av = np.abs(u), np.abs(v)
    m = np.maximum(au, av)
    return [
        r2 < 1,
        m < 0.8,
        (v > -0.8) & (v < 0.8) & (au < (v + 0.8) / 2),
        (r2 > 0.45) & (r2 < 1),
        ((au < 0.3) & (av < 0.9)) | ((av < 0.3) & (au < 0.9)),
        (np.abs(au - av) < 0.3) & (m < 0.9),
        au + av < 0.9,
        (au < 0.95) & (av < 0.3),
        (r2 < 1) & (v > 0),
        (m < 0.9) & (m > 0.55),
    ][label]


def make_shapes(num, seed, size=32):
    """Procedural 10-class set: the shape is the label; its colour, scale, position
    (+-5 px), rotation and the background (colour, gradient, noise, one grey distractor)
    are random, so colour carries no label."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    imgs = np.empty((num, size, size, 3), np.uint8)
    labels = rng.integers(0, 10, num)
    for i in range(num):
        bg = rng.uniform(0, 255, 3)
        grad = rng.uniform(-30, 30, 3)
        img = bg + grad * (xx / size)[..., None] + rng.normal(0, 8, (size, size, 3))
        cx, cy = rng.uniform(0, size, 2)
        w, h = rng.uniform(1, 3, 2)
        img[(np.abs(xx - cx) < w) & (np.abs(yy - cy) < h)] = rng.uniform(40, 220)
        radius = rng.uniform(0.3, 0.42) * size
        cx, cy = size / 2 + rng.uniform(-5, 5, 2)
        ang = rng.uniform(-0.3, 0.3)
        u = ((xx - cx) * math.cos(ang) + (yy - cy) * math.sin(ang)) / radius
        v = (-(xx - cx) * math.sin(ang) + (yy - cy) * math.cos(ang)) / radius
        colour = rng.uniform(0, 255, 3)
        while np.abs(colour - bg).max() < 100:
            colour = rng.uniform(0, 255, 3)
        img[_shape_mask(labels[i], u, v)] = colour + rng.normal(0, 6, 3)
        imgs[i] = np.clip(img, 0, 255)
    return torch.from_numpy(imgs), torch.from_numpy(labels)


def _real_photos():
    """Real photographs shipped inside installed packages (no download)."""
    import matplotlib
    from PIL import Image
    roots = [osp.join(osp.dirname(matplotlib.__file__), 'mpl-data')]
    for mod in ('mmdet', 'mmseg', 'mmpretrain', 'mmengine', 'mmcv', 'skimage'):
        try:
            roots.append(osp.dirname(__import__(mod).__file__))
        except ImportError:
            pass
    paths = []
    for root in roots:
        for ext in ('jpg', 'jpeg', 'JPEG', 'png'):
            paths += glob.glob(osp.join(root, '**', f'*.{ext}'), recursive=True)
    photos = []
    for p in sorted(set(paths)):
        try:
            im = Image.open(p).convert('RGB')
        except Exception:  # noqa: BLE001
            continue
        if min(im.size) >= 200 and np.asarray(im).std() > 30:
            photos.append((p, im))
    return photos


def make_photo_crops(num, seed, size=32, grid=4):
    """Real-image task from the photographs found by :func:`_real_photos`.

    Each photograph is cut into a ``grid x grid`` layout of regions (hair, face,
    uniform, background, ... for the portrait matplotlib ships); a sample is a random
    scale-jittered square crop centred inside one region, labelled by (photo, region).
    """
    photos = _real_photos()
    if not photos:
        raise RuntimeError('no real photograph found in the installed packages; '
                           'run with --datasets shapes')
    rng = np.random.default_rng(seed)
    imgs = np.empty((num, size, size, 3), np.uint8)
    cells = grid * grid
    labels = rng.integers(0, len(photos) * cells, num)
    for i, lab in enumerate(labels):
        im = photos[lab // cells][1]
        w, h = im.size
        cx = (lab % cells % grid + rng.uniform(0.15, 0.85)) * w / grid
        cy = (lab % cells // grid + rng.uniform(0.15, 0.85)) * h / grid
        half = rng.uniform(0.04, 0.1) * min(w, h)
        cx, cy = np.clip(cx, half, w - half), np.clip(cy, half, h - half)
        box = (cx - half, cy - half, cx + half, cy + half)
        imgs[i] = np.asarray(im.resize((size, size), box=box))
    return torch.from_numpy(imgs), torch.from_numpy(labels), [
        osp.basename(p) for p, _ in photos
    ]


def to_input(uint8_imgs):
    x = uint8_imgs.permute(0, 3, 1, 2).float() / 255.
    return (x - MEAN) / STD


def augment(x, gen):
    """One random-resized-crop (scale 0.5-1) + horizontal flip per image; every part of
    an image sees this same view."""
    b = x.shape[0]
    s = torch.empty(b).uniform_(0.7, 1.0, generator=gen)
    tx = (torch.rand(b, generator=gen) * 2 - 1) * (1 - s)
    ty = (torch.rand(b, generator=gen) * 2 - 1) * (1 - s)
    flip = torch.where(torch.rand(b, generator=gen) < 0.5, -1.0, 1.0)
    theta = torch.zeros(b, 2, 3)
    theta[:, 0, 0] = s * flip
    theta[:, 1, 1] = s
    theta[:, 0, 2] = tx
    theta[:, 1, 2] = ty
    grid = F.affine_grid(theta, x.shape, align_corners=False)
    return F.grid_sample(x, grid, mode='bilinear', padding_mode='reflection',
                         align_corners=False)


# ---------------------------------------------------------------------------- models
def model_cfg(algo, args, num_parts=NUM_PARTS, weight=1.0):
    img, patch = args.img_size, args.patch_size
    backbone = dict(
        type='EMAEViT' if algo == 'EMAE' else 'MAEViT',
        arch=dict(
            embed_dims=args.dim,
            num_layers=args.depth,
            num_heads=args.heads,
            feedforward_channels=4 * args.dim),
        img_size=img,
        patch_size=patch,
        mask_ratio=0.75)
    head = dict(
        type='EMAEPretrainHead' if algo == 'EMAE' else 'MAEPretrainHead',
        norm_pix=True,
        patch_size=patch,
        loss=dict(type='PixelReconstructionLoss', criterion='L2'))
    if algo == 'EMAE':
        backbone['num_parts'] = num_parts
        head['consistency_weight'] = weight
    return dict(
        type=algo,
        backbone=backbone,
        neck=dict(
            type='MAEPretrainDecoder',
            num_patches=(img // patch)**2,
            patch_size=patch,
            embed_dim=args.dim,
            decoder_embed_dim=args.dec_dim,
            decoder_depth=args.dec_depth,
            decoder_num_heads=args.dec_heads),
        head=head,
        init_cfg=[
            dict(type='Xavier', layer='Linear', distribution='uniform'),
            dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)
        ])


def build(cfg, seed):
    torch.manual_seed(seed)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def param_groups(model, weight_decay):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if p.ndim == 1 or name.endswith(('pos_embed', 'mask_token',
                                         'cls_token')):
            no_decay.append(p)
        else:
            decay.append(p)
    return [
        dict(params=decay, weight_decay=weight_decay),
        dict(params=no_decay, weight_decay=0.)
    ]


def pretrain(cfg, images, epochs, seed, args, desc):
    """AdamW (betas 0.9/0.95, wd 0.05), linear warm-up then cosine, MAE's recipe."""
    model = build(cfg, seed).train()
    opt = torch.optim.AdamW(
        param_groups(model, 0.05), lr=args.lr, betas=(0.9, 0.95))
    gen = torch.Generator().manual_seed(seed)
    n = images.shape[0]
    steps_per_epoch = n // args.batch_size
    total = epochs * steps_per_epoch
    warm = max(1, int(total * args.warmup_frac))
    x_all = to_input(images)
    losses, step = [], 0
    torch.manual_seed(seed)
    start = time.process_time()
    for _ in tqdm(range(epochs), desc=desc, leave=False):
        order = torch.randperm(n, generator=gen)
        for i in range(steps_per_epoch):
            lr = args.lr * (step + 1) / warm if step < warm else \
                args.lr * 0.5 * (1 + math.cos(math.pi * (step - warm) /
                                              max(1, total - warm)))
            for g in opt.param_groups:
                g['lr'] = lr
            idx = order[i * args.batch_size:(i + 1) * args.batch_size]
            x = augment(x_all[idx], gen)
            out = model.loss(x, None)
            loss = sum(v for k, v in out.items() if 'loss' in k)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(float(loss))
            step += 1
    cpu = time.process_time() - start
    return model.eval(), cpu, losses


@torch.no_grad()
def features(model, x, grid=4, batch=500):
    """Frozen features of the unmasked encoder: its final-norm patch tokens average-pooled
    to a ``grid x grid`` layout and flattened (keeps the coarse spatial layout that a
    shape label needs; a single global average lost it in calibration runs)."""
    vit = model.backbone
    out = []
    for i in range(0, x.shape[0], batch):
        t = vit.patch_embed(x[i:i + batch])[0] + vit.pos_embed[:, 1:]
        cls = (vit.cls_token + vit.pos_embed[:, :1]).expand(t.shape[0], -1, -1)
        t = torch.cat([cls, t], 1)
        for layer in vit.layers:
            t = layer(t)
        t = vit.norm1(t)[:, 1:]
        side = int(t.shape[1]**.5)
        t = t.transpose(1, 2).reshape(t.shape[0], -1, side, side)
        out.append(F.adaptive_avg_pool2d(t, grid).flatten(1))
    return torch.cat(out)


def knn_top1(train_f, train_y, test_f, test_y, k=20, tau=0.07):
    train_f, test_f = F.normalize(train_f, dim=1), F.normalize(test_f, dim=1)
    sim = test_f @ train_f.T
    top, idx = sim.topk(k, dim=1)
    votes = torch.zeros(test_f.shape[0], int(train_y.max()) + 1)
    votes.scatter_add_(1, train_y[idx], (top / tau).exp())
    return float((votes.argmax(1) == test_y).float().mean() * 100)


def linear_top1(train_f, train_y, test_f, test_y, wd=1e-3, iters=100):
    mu, sd = train_f.mean(0), train_f.std(0) + 1e-6
    a, b = (train_f - mu) / sd, (test_f - mu) / sd
    num_classes = int(train_y.max()) + 1
    lin = torch.nn.Linear(a.shape[1], num_classes)
    opt = torch.optim.LBFGS(lin.parameters(), lr=1, max_iter=iters,
                            history_size=20, line_search_fn='strong_wolfe')

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(lin(a), train_y) + wd * lin.weight.pow(2).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        opt.step(closure)
    with torch.no_grad():
        return float((lin(b).argmax(1) == test_y).float().mean() * 100)


@torch.no_grad()
def consistency(model, x, args, seed=0):
    """Masked MSE and per-patch prediction variance under the SAME K-part masks.

    Any MAE/EMAE checkpoint is loaded into an EMAE (K = 4) wrapper, so both methods are
    probed with identical parallel masks; each patch is predicted by the K-1 parts that
    masked it and we report the variance of those predictions (normalised-pixel space,
    averaged over pixels, patches and images).
    """
    probe = MODELS.build(model_cfg('EMAE', args))
    probe.load_state_dict(model.state_dict())
    probe.eval()
    noise = torch.rand(
        x.shape[0], probe.backbone.num_patches,
        generator=torch.Generator().manual_seed(seed))
    latent, mask, ids_restore = probe.backbone(x, noise=noise)
    pred = probe.neck(latent, ids_restore)
    err = probe.head.errors_per_image(pred, x, mask)
    k, b = NUM_PARTS, x.shape[0]
    pred = pred.view(k, b, *pred.shape[1:])
    m = mask.view(k, b, -1, 1)
    cnt = m.sum(0)
    mean = (pred * m).sum(0) / cnt
    var = (((pred - mean)**2) * m).sum(0) / cnt
    return float(err['mse'].mean()), float(var.mean())


# ---------------------------------------------------------------------------- quality
def run_quality(args):
    os.makedirs(args.work_dir, exist_ok=True)
    torch.set_num_threads(args.threads)
    datasets = {}
    for name in args.datasets:
        if name == 'shapes':
            tr = make_shapes(args.num_train, 1000)
            te = make_shapes(args.num_test, 2000)
            datasets[name] = (tr, te, 'procedural shapes, 10 classes')
        elif name == 'photos':
            trx, try_, srcs = make_photo_crops(args.num_train, 1000)
            tex, tey, _ = make_photo_crops(args.num_test, 2000)
            datasets[name] = ((trx, try_), (tex, tey),
                              'crops of real photos labelled by 4x4 region ('
                              + ', '.join(srcs) + ', matplotlib sample data)')
        else:
            raise ValueError(f'unknown dataset {name!r}; use shapes, photos')
    e = args.epochs
    runs = [('MAE', e, 'equal epochs', 1.0), ('EMAE', e, 'equal epochs', 1.0),
            ('MAE', NUM_PARTS * e, 'equal compute', 1.0)]
    if not args.no_ablation:
        runs.append(('EMAE', e, 'equal epochs', 0.0))
    records, descs = [], {}
    for dname, ((trx, trY), (tex, teY), desc) in datasets.items():
        descs[dname] = desc
        xtr, xte = to_input(trx), to_input(tex)
        for seed in args.seeds:
            for algo, epochs, setting, weight in runs:
                label = algo if algo == 'MAE' else f'EMAE (λ={weight:g})'
                cfg = model_cfg(algo, args, weight=weight)
                model, cpu_s, losses = pretrain(
                    cfg, trx, epochs, seed, args,
                    f'{dname} s{seed} {label} {epochs}ep')
                ftr, fte = features(model, xtr), features(model, xte)
                mse, var = consistency(model, xte[:args.num_consistency], args)
                rec = dict(
                    dataset=dname, seed=seed, method=label, epochs=epochs,
                    setting=setting, cpu_s=cpu_s, final_loss=losses[-1],
                    knn=knn_top1(ftr, trY, fte, teY),
                    linear=linear_top1(ftr, trY, fte, teY),
                    masked_mse=mse, pred_var=var)
                records.append(rec)
                tqdm.write(json.dumps(rec))
    with open(osp.join(args.work_dir, 'quality.json'), 'w') as f:
        json.dump(dict(args=vars(args), records=records, data=descs), f,
                  indent=1)
    table = quality_table(records, args, descs)
    with open(osp.join(args.work_dir, 'quality.md'), 'w') as f:
        f.write(table)
    print(table)
    plot_quality(records, osp.join(args.work_dir, 'quality.png'))


def _ms(vals, fmt='{:.1f}'):
    vals = np.asarray(vals, dtype=float)
    return (fmt + ' ± ' + fmt).format(vals.mean(), vals.std())


def quality_table(records, args, datasets):
    lines = [
        f'Data: ' + '; '.join(f'`{k}` = {v}' for k, v in datasets.items()) +
        f'. {args.num_train} train / {args.num_test} test images, '
        f'{args.img_size}x{args.img_size}, patch {args.patch_size}. '
        f'ViT {args.dim}-d x {args.depth} blocks, decoder {args.dec_dim}-d x '
        f'{args.dec_depth}; batch {args.batch_size}, lr {args.lr}. '
        f'Seeds {args.seeds} (mean ± std). Features: final-norm patch tokens of '
        f'the frozen encoder, 4x4 average-pooled; k-NN k=20 (cosine), linear = '
        f'L-BFGS logistic regression. CPU = process CPU seconds of '
        f'pre-training (1 thread). Masked MSE and pred. variance on '
        f'{args.num_consistency} test images with the same K=4 parallel masks '
        f'for every model.', '',
        '| data | setting | method | epochs | CPU (s) | k-NN top-1 | '
        'linear top-1 | masked MSE | pred. variance |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- |'
    ]
    keys = []
    for r in records:
        key = (r['dataset'], r['setting'], r['method'], r['epochs'])
        if key not in keys:
            keys.append(key)
    for key in keys:
        rs = [r for r in records
              if (r['dataset'], r['setting'], r['method'], r['epochs']) == key]
        lines.append(
            f'| {key[0]} | {key[1]} | {key[2]} | {key[3]} | '
            f'{np.mean([r["cpu_s"] for r in rs]):.0f} | '
            f'{_ms([r["knn"] for r in rs])} | '
            f'{_ms([r["linear"] for r in rs])} | '
            f'{_ms([r["masked_mse"] for r in rs], "{:.3f}")} | '
            f'{_ms([r["pred_var"] for r in rs], "{:.4f}")} |')
    return '\n'.join(lines) + '\n'


def plot_quality(records, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    names = sorted({r['dataset'] for r in records})
    fig, axes = plt.subplots(1, 2 * len(names), figsize=(5 * 2 * len(names), 3.6))
    axes = np.atleast_1d(axes)
    for d, dname in enumerate(names):
        rs = [r for r in records if r['dataset'] == dname]
        keys = []
        for r in rs:
            k = f'{r["method"]}\n{r["epochs"]} ep'
            if k not in keys:
                keys.append(k)
        for j, metric in enumerate(('knn', 'linear')):
            ax = axes[2 * d + j]
            vals = [[r[metric] for r in rs
                     if f'{r["method"]}\n{r["epochs"]} ep' == k] for k in keys]
            ax.bar(range(len(keys)), [np.mean(v) for v in vals],
                   yerr=[np.std(v) for v in vals], capsize=4,
                   color=['#888', '#c33', '#448', '#e93'][:len(keys)])
            ax.set_xticks(range(len(keys)))
            ax.set_xticklabels(keys, fontsize=8)
            ax.set_title(f'{dname}: {metric} top-1 (%)')
            lo = min(np.mean(v) - np.std(v) for v in vals)
            ax.set_ylim(max(0, lo - 5), None)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


# ------------------------------------------------------------------------------ speed
def _time(fn, iters):
    """Fastest of ``iters`` calls after one warm-up, in process CPU seconds (robust to
    other jobs sharing the machine when run with one thread)."""
    fn()
    times = []
    for _ in range(iters):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def run_speed(args):
    os.makedirs(args.work_dir, exist_ok=True)
    torch.set_num_threads(args.threads)
    from mmpretrain.models.utils import attention
    uses_sdpa = getattr(attention, 'scaled_dot_product_attention',
                        None) is F.scaled_dot_product_attention
    b = args.batch_size
    x = torch.randn(b, 3, args.img_size, args.img_size)
    results = {}
    # 'MAE xK' = MAE on K times the images: the same number of encoder/decoder rows as
    # EMAE, which separates EMAE's own overhead from CPU batching efficiency.
    for name, algo, inputs in tqdm(
        (('MAE', 'MAE', x), ('EMAE', 'EMAE', x),
         ('MAE xK', 'MAE', x.repeat(NUM_PARTS, 1, 1, 1))),
            desc='speed'):
        model = build(model_cfg(algo, args), 0).train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4)

        def step(model=model, opt=opt, inputs=inputs):
            out = model.loss(inputs, None)
            loss = sum(v for k, v in out.items() if 'loss' in k)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

        def fwd_bwd():
            out = model.loss(x, None)
            sum(v for k, v in out.items() if 'loss' in k).backward()

        results[name] = dict(step=_time(step, args.iters))
        if name == 'EMAE':
            vit, neck = model.backbone, model.neck
            with torch.no_grad():
                latent, mask, ids_restore = vit(x)
            tokens = torch.randn(latent.shape)

            def core():
                t = tokens.clone().requires_grad_()
                for layer in vit.layers:
                    t = layer(t)
                neck(vit.norm1(t), ids_restore).sum().backward()

            pred = torch.randn(NUM_PARTS * b, vit.num_patches,
                               args.patch_size**2 * 3)

            def outside():
                # patch embedding, position, parallel masks, gather, cls concat
                t = vit.patch_embed(x)[0] + vit.pos_embed[:, 1:]
                t, _ = vit.parallel_masking(t)
                cls = (vit.cls_token + vit.pos_embed[:, :1]).expand(
                    t.shape[0], -1, -1)
                torch.cat([cls, t], 1).sum().backward()
                # targets, reconstruction and self-consistency losses
                p = pred.clone().requires_grad_()
                out = model.head.loss(p, x, mask)
                sum(v for k, v in out.items() if 'loss' in k).backward()

            results[name]['fwd_bwd'] = _time(fwd_bwd, args.iters)
            results[name]['core'] = _time(core, args.iters)
            results[name]['outside'] = _time(outside, args.iters)
    ratio = results['EMAE']['step'] / (NUM_PARTS * results['MAE']['step'])
    ratio_rows = results['EMAE']['step'] / results['MAE xK']['step']
    outside = results['EMAE']['outside'] / results['EMAE']['fwd_bwd']
    residual = 1 - (results['EMAE']['core'] +
                    results['EMAE']['outside']) / results['EMAE']['fwd_bwd']
    md = [
        f'ViT {args.dim}-d x {args.depth}, {args.heads} heads, patch '
        f'{args.patch_size}, input {args.img_size}, decoder {args.dec_dim}-d x '
        f'{args.dec_depth}; batch {b}, {args.threads} CPU thread(s), '
        f'fastest of {args.iters} steps after one warm-up, process CPU time; '
        f'attention through '
        f'F.scaled_dot_product_attention: {uses_sdpa}.', '',
        '| method | step (s) | per image (ms) | per image-part (ms) |',
        '| --- | --- | --- | --- |',
        f'| MAE | {results["MAE"]["step"]:.3f} | '
        f'{1000 * results["MAE"]["step"] / b:.1f} | '
        f'{1000 * results["MAE"]["step"] / b:.1f} |',
        f'| EMAE (K={NUM_PARTS}) | {results["EMAE"]["step"]:.3f} | '
        f'{1000 * results["EMAE"]["step"] / b:.1f} | '
        f'{1000 * results["EMAE"]["step"] / (b * NUM_PARTS):.1f} |',
        f'| MAE on {NUM_PARTS}x the images | {results["MAE xK"]["step"]:.3f} | '
        f'{1000 * results["MAE xK"]["step"] / (b * NUM_PARTS):.1f} | '
        f'{1000 * results["MAE xK"]["step"] / (b * NUM_PARTS):.1f} |', '',
        f'EMAE step / (K x MAE step) = **{ratio:.3f}** (target <= 1.1); EMAE '
        f'step / MAE step on {NUM_PARTS}x the images (same rows) = '
        f'**{ratio_rows:.3f}**. '
        f'Share of EMAE forward+backward outside the encoder blocks and decoder '
        f'(patch embedding, masking, gathering, targets, losses; timed on their '
        f'own): **{100 * outside:.1f}%** (encoder + decoder + this leave '
        f'{100 * residual:.1f}% of the measured step unaccounted).'
    ]
    text = '\n'.join(md) + '\n'
    with open(osp.join(args.work_dir, 'speed.md'), 'w') as f:
        f.write(text)
    with open(osp.join(args.work_dir, 'speed.json'), 'w') as f:
        json.dump(dict(args=vars(args), results=results, ratio=ratio,
                       ratio_same_rows=ratio_rows,
                       outside_share=outside, residual=residual,
                       sdpa=uses_sdpa), f, indent=1)
    print(text)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('mode', choices=['quality', 'speed'])
    parser.add_argument('--work-dir', default='work_dirs/emae_benchmark')
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--img-size', type=int, default=None)
    parser.add_argument('--patch-size', type=int, default=None)
    parser.add_argument('--dim', type=int, default=None)
    parser.add_argument('--depth', type=int, default=None)
    parser.add_argument('--heads', type=int, default=None)
    parser.add_argument('--dec-dim', type=int, default=None)
    parser.add_argument('--dec-depth', type=int, default=None)
    parser.add_argument('--dec-heads', type=int, default=None)
    parser.add_argument('--batch-size', type=int, default=None)
    # quality
    parser.add_argument('--datasets', nargs='+', default=['shapes', 'photos'])
    parser.add_argument('--num-train', type=int, default=1000)
    parser.add_argument('--num-test', type=int, default=500)
    parser.add_argument('--num-consistency', type=int, default=200)
    parser.add_argument('--epochs', type=int, default=6)
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--lr', type=float, default=1.5e-3)
    parser.add_argument('--warmup-frac', type=float, default=0.1)
    parser.add_argument('--no-ablation', action='store_true',
                        help='skip EMAE with lambda_sc = 0')
    # speed
    parser.add_argument('--iters', type=int, default=3)
    args = parser.parse_args(argv)
    if args.mode == 'quality':
        defaults = dict(img_size=32, patch_size=4, dim=64, depth=4, heads=4,
                        dec_dim=32, dec_depth=1, dec_heads=2, batch_size=128)
    else:  # ViT-B/16 at 224 with MAE's 512-d x 8 decoder
        defaults = dict(img_size=224, patch_size=16, dim=768, depth=12,
                        heads=12, dec_dim=512, dec_depth=8, dec_heads=16,
                        batch_size=2)
    for k, v in defaults.items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.mode == 'quality':
        run_quality(args)
    else:
        run_speed(args)


if __name__ == '__main__':
    main()
