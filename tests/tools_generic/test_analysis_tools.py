"""get_flops, benchmark, analyze_logs, print_config and the slurm scripts, on
small configs written into the test's tmp dir (mmpretrain, mmdet and mmseg)."""
import importlib.util
import json
import os
import os.path as osp
import stat
import subprocess
import sys

import pytest

from tests.utils import REPO_ROOT

MEAN_STD = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])

CLS_CFG = f"""
default_scope = 'mmpretrain'
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=18, num_stages=4, out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead', num_classes=10, in_channels=512,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
data_preprocessor = dict(num_classes=10, to_rgb=True, **{MEAN_STD})
"""

DET_CFG = f"""
default_scope = 'mmdet'
model = dict(
    type='RetinaNet',
    data_preprocessor=dict(
        type='DetDataPreprocessor', bgr_to_rgb=True, pad_size_divisor=32,
        **{MEAN_STD}),
    backbone=dict(
        type='ResNet', depth=18, num_stages=4, out_indices=(0, 1, 2, 3),
        frozen_stages=1, norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True, style='pytorch', init_cfg=None),
    neck=dict(
        type='FPN', in_channels=[64, 128, 256, 512], out_channels=64,
        start_level=1, add_extra_convs='on_input', num_outs=5),
    bbox_head=dict(
        type='RetinaHead', num_classes=8, in_channels=64, stacked_convs=2,
        feat_channels=64,
        anchor_generator=dict(
            type='AnchorGenerator', octave_base_scale=4,
            scales_per_octave=3, ratios=[0.5, 1.0, 2.0],
            strides=[8, 16, 32, 64, 128]),
        bbox_coder=dict(
            type='DeltaXYWHBBoxCoder', target_means=[.0, .0, .0, .0],
            target_stds=[1.0, 1.0, 1.0, 1.0]),
        loss_cls=dict(
            type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,
            loss_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
    train_cfg=dict(
        assigner=dict(
            type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4,
            min_pos_iou=0, ignore_iof_thr=-1),
        sampler=dict(type='PseudoSampler'), allowed_border=-1,
        pos_weight=-1, debug=False),
    test_cfg=dict(
        nms_pre=100, min_bbox_size=0, score_thr=0.05,
        nms=dict(type='nms', iou_threshold=0.5), max_per_img=10))
"""

SEG_CFG = f"""
default_scope = 'mmseg'
norm_cfg = dict(type='SyncBN', requires_grad=True)
crop_size = (64, 128)
data_preprocessor = dict(
    type='SegDataPreProcessor', bgr_to_rgb=True, pad_val=0,
    seg_pad_val=255, size=crop_size, **{MEAN_STD})
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='ResNetV1c', depth=18, num_stages=4, out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1), norm_cfg=norm_cfg,
        norm_eval=False, style='pytorch', contract_dilation=True),
    decode_head=dict(
        type='FCNHead', in_channels=512, in_index=3, channels=64,
        num_convs=2, concat_input=True, dropout_ratio=0.1, num_classes=19,
        norm_cfg=norm_cfg, align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
"""


def _load(relpath):
    """Import a tool script (tools/ is not a package) by its path."""
    path = osp.join(REPO_ROOT, 'tools', relpath)
    name = 'mmvrl_tools_' + relpath.replace('/', '_')[:-3]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def restore_default_scope():
    """The tools set mmengine's default scope; do not leak it to other tests."""
    from mmengine.registry import DefaultScope
    saved = DefaultScope._instance_dict.copy()
    yield
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(saved)


@pytest.fixture(scope='module')
def get_flops():
    return _load('analysis_tools/get_flops.py')


@pytest.fixture(scope='module')
def benchmark():
    return _load('analysis_tools/benchmark.py')


@pytest.fixture(scope='module')
def analyze_logs():
    return _load('analysis_tools/analyze_logs.py')


@pytest.fixture(scope='module')
def print_config():
    return _load('misc/print_config.py')


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize('text,small,big,model_name', [
    (CLS_CFG, (112, 112), None, 'ImageClassifier'),
    (DET_CFG, (128, 128), (256, 256), 'RetinaNet'),
    (SEG_CFG, (64, 128), (128, 256), 'EncoderDecoder'),
], ids=['mmpretrain-resnet18', 'mmdet-retinanet-r18', 'mmseg-fcn-r18'])
def test_get_flops_scales_with_input_area(get_flops, tmp_path, capsys, text,
                                          small, big, model_name):
    """FLOPs grow 4x when both sides double; ResNet-18 at the default size.

    ResNet-18 at 224x224 is 1.82 GFLOPs / 11.69 M params with a 1000-way
    head; with 10 classes the params drop by 990 * 513.
    """
    cfg = _write(tmp_path, 'cfg.py', text)
    a = get_flops.main([cfg, '--shape', *map(str, small), '--no-table'])
    if big is None:
        b = get_flops.main([cfg])
        big = (224, 224)
        assert b['shape'] == big
        assert abs(b['flops'] / 1e9 - 1.82) < 0.01
        assert b['params'] == 11689512 - 990 * 513
    else:
        b = get_flops.main([cfg, '--shape', *map(str, big)])
    out = capsys.readouterr().out
    assert model_name in out and 'FLOPs:' in out and 'Params:' in out
    assert a['flops'] > 0 and a['params'] > 0
    assert a['params'] == b['params']
    # Convolutional models: doubling both sides quadruples the FLOPs.
    ratio = b['flops'] / a['flops']
    assert 3.6 < ratio < 4.1, ratio
    assert a['input_shape'][-2:] == small
    # The per-module table is printed only when asked for.
    assert 'backbone' in b['out_table'] and a['out_table'] == ''


def test_get_flops_default_shape_from_pipeline(get_flops, tmp_path):
    text = CLS_CFG + """
test_dataloader = dict(dataset=dict(type='CustomDataset', pipeline=[
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=64, edge='short'),
    dict(type='CenterCrop', crop_size=48),
    dict(type='PackInputs')]))
"""
    cfg = get_flops.load_analysis_config(_write(tmp_path, 'c.py', text))
    assert get_flops.default_shape(cfg) == (48, 48)
    det = get_flops.load_analysis_config(_write(tmp_path, 'd.py', DET_CFG + """
test_dataloader = dict(dataset=dict(type='CocoDataset', pipeline=[
    dict(type='Resize', scale=(1333, 800), keep_ratio=True)]))
"""))
    assert get_flops.default_shape(det) == (800, 1333)
    seg = get_flops.load_analysis_config(_write(tmp_path, 's.py', SEG_CFG))
    assert get_flops.default_shape(seg) == (64, 128)


def test_get_flops_clear_errors(get_flops, tmp_path, capsys):
    cfg = _write(tmp_path, 'cfg.py', CLS_CFG)
    with pytest.raises(SystemExit):
        get_flops.main([cfg, '--shape', '1', '2', '3'])
    assert '--shape 1 2 3' in capsys.readouterr().err
    bad = _write(tmp_path, 'bad.py', CLS_CFG.replace(
        "'mmpretrain'", "'mmfoo'"))
    with pytest.raises(SystemExit):
        get_flops.main([bad])
    err = capsys.readouterr().err
    assert "'mmfoo'" in err and 'mmpretrain' in err


def test_get_flops_self_supervised_counts_backbone(get_flops, tmp_path):
    text = """
default_scope = 'mmpretrain'
model = dict(
    type='MAE',
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor', mean=[127.5] * 3, std=[127.5] * 3,
        to_rgb=True),
    backbone=dict(
        type='MAEViT', patch_size=16, mask_ratio=0.75, img_size=64,
        arch=dict(embed_dims=64, num_layers=2, num_heads=2,
                  feedforward_channels=256)),
    neck=dict(type='MAEPretrainDecoder', patch_size=16, in_chans=3,
              embed_dim=64, decoder_embed_dim=128, decoder_depth=1,
              decoder_num_heads=4, mlp_ratio=4., num_patches=16),
    head=dict(type='MAEPretrainHead', norm_pix=True, patch_size=16,
              loss=dict(type='PixelReconstructionLoss', criterion='L2')))
"""
    info = get_flops.main([_write(tmp_path, 'mae.py', text), '--shape', '64',
                           '--no-table'])
    # Unmasked encoder over 16 patches + cls token: patch embedding
    # (16 x 768 x 64) and per block 17 tokens x (4 x 64^2 + 2 x 64 x 256)
    # linear MACs; attention and norms add a few percent. The decoder (neck,
    # 17 x (4 x 128^2 + 2 x 128 x 512) = 3.3 M) must not be counted.
    encoder = 16 * 768 * 64 + 2 * 17 * (4 * 64 ** 2 + 2 * 64 * 256)
    assert encoder < info['flops'] < 1.1 * encoder


def test_get_flops_counts_fused_attention(get_flops):
    import torch
    import torch.nn.functional as F
    from mmengine.analysis import get_model_complexity_info

    class Attention(torch.nn.Module):

        def forward(self, q):
            k = q.new_ones(2, 3, 7, 8)
            v = q.new_ones(2, 3, 7, 4)
            return F.scaled_dot_product_attention(q, k, v)

    get_flops.register_extra_flop_handles()
    info = get_model_complexity_info(
        Attention(), inputs=(torch.ones(2, 3, 5, 8), ), show_table=False,
        show_arch=False)
    # QK^T: 2*3 heads x 5x7 scores x 8 dims; AV: 2*3 x 5x7 x 4 dims.
    assert info['flops'] == 2 * 3 * 5 * 7 * (8 + 4)
    assert info['activations'] == 2 * 3 * 5 * 4


def test_benchmark_dummy_inputs(benchmark, tmp_path, capsys):
    cfg = _write(tmp_path, 'cfg.py', DET_CFG)
    out = tmp_path / 'speed' / 'table.md'
    row = benchmark.main([cfg, '--shape', '64', '64', '--batch-size', '2',
                          '--num-iters', '2', '--warmup', '1',
                          '--device', 'cpu', '--out', str(out)])
    assert row['images'] == 4 and row['seconds'] > 0
    assert float(row['images/s']) > 0 and float(row['ms/img']) > 0
    table = out.read_text()
    assert table.startswith('| config |') and 'images/s' in table
    assert 'cfg.py' in capsys.readouterr().out


def test_benchmark_dataset_mode(benchmark, tmp_path):
    import numpy as np
    from PIL import Image
    root = tmp_path / 'imgs'
    for cls in ('a', 'b'):
        (root / cls).mkdir(parents=True)
        for i in range(3):
            Image.fromarray(np.full((40, 40, 3), 40 * i, np.uint8)).save(
                root / cls / f'{i}.png')
    text = CLS_CFG + f"""
test_dataloader = dict(
    batch_size=1, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='CustomDataset', data_root={str(root)!r},
                 pipeline=[dict(type='LoadImageFromFile'),
                           dict(type='Resize', scale=32),
                           dict(type='PackInputs')]))
"""
    cfg = _write(tmp_path, 'cfg.py', text)
    row = benchmark.main([cfg, '--dataset', '--batch-size', '2',
                          '--num-iters', '2', '--warmup', '1',
                          '--device', 'cpu'])
    assert row['images'] == 4 and float(row['images/s']) > 0
    assert row['mode'] == 'dataset + test_step'
    with pytest.raises(SystemExit):
        benchmark.main([cfg, '--dataset', '--batch-size', '2',
                        '--num-iters', '5', '--device', 'cpu'])


def _write_log(path, by_epoch=True):
    """A scalars.json as mmengine's LocalVisBackend writes it."""
    lines = []
    for epoch in (1, 2, 3):
        for k in (1, 2, 3):
            it = (epoch - 1) * 3 + k
            rec = dict(lr=0.01, data_time=0.01, loss=2.0 / it,
                       time=0.5 if k == 1 else 0.1 * epoch, iter=it,
                       memory=100, step=it)
            if by_epoch:
                rec['epoch'] = epoch
            lines.append(rec)
        lines.append({'coco/bbox_mAP': 0.1 * epoch, 'coco/bbox_mAP_50':
                      0.2 * epoch, 'data_time': 0.01, 'time': 0.2,
                      'step': epoch if by_epoch else 3 * epoch})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('\n'.join(json.dumps(r) for r in lines) + '\n')
    return str(path)


def test_analyze_logs_plot_curve(analyze_logs, tmp_path):
    log1 = _write_log(tmp_path / 'a' / '20260101_000000' / 'vis_data' /
                      'scalars.json')
    log2 = _write_log(tmp_path / 'b.json', by_epoch=False)
    png = tmp_path / 'out' / 'curves.png'
    plotted = analyze_logs.main([
        'plot_curve', log1, log2, '--keys', 'loss', 'bbox_mAP', '--legend',
        'a_loss', 'a_map', 'b_loss', 'b_map', '--out', str(png)])
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert png.stat().st_size > 5000
    assert plotted == [('a_loss', 9), ('b_loss', 9), ('a_map', 3),
                       ('b_map', 3)]
    log = analyze_logs.load_log(str(tmp_path / 'a'))  # a work dir works too
    xs, ys, x_label, name = analyze_logs.curve(log, 'bbox_mAP')
    assert (xs, x_label, name) == ([1, 2, 3], 'epoch', 'coco/bbox_mAP')
    xs, _, x_label, _ = analyze_logs.curve(analyze_logs.load_log(log2),
                                           'bbox_mAP')
    assert (xs, x_label) == ([3, 6, 9], 'iter')
    xs, ys, x_label, _ = analyze_logs.curve(log, 'loss')
    assert x_label == 'iter' and xs == list(range(1, 10))


def test_analyze_logs_clear_errors(analyze_logs, tmp_path, capsys):
    log = _write_log(tmp_path / 'x.json')
    with pytest.raises(SystemExit):
        analyze_logs.main(['plot_curve', log, '--keys', 'segm_mAP',
                           '--out', str(tmp_path / 'x.png')])
    err = capsys.readouterr().err
    assert "'segm_mAP'" in err and 'coco/bbox_mAP' in err
    with pytest.raises(SystemExit):
        analyze_logs.main(['plot_curve', log, '--keys', 'loss', '--legend',
                           'a', 'b', '--out', str(tmp_path / 'x.png')])
    assert '--legend has 2 names' in capsys.readouterr().err


def test_analyze_logs_cal_train_time(analyze_logs, tmp_path, capsys):
    log = _write_log(tmp_path / 'x.json')
    (res, ) = analyze_logs.main(['cal_train_time', log])
    # First interval of each epoch (0.5 s) is an outlier and left out.
    assert res['epochs'] == pytest.approx({1: 0.1, 2: 0.2, 3: 0.3})
    assert (res['slowest'], res['fastest']) == (3, 1)
    assert res['mean'] == pytest.approx(0.2)
    assert 'slowest epoch 3' in capsys.readouterr().out
    (res, ) = analyze_logs.main(['cal_train_time', log, '--include-outliers'])
    assert res['epochs'][1] == pytest.approx((0.5 + 0.2) / 3)


def test_print_config_merges_bases_and_options(print_config, tmp_path,
                                               capsys):
    _write(tmp_path, 'base.py', CLS_CFG + "\ntrain_cfg = dict(max_epochs=100)\n")
    child = _write(tmp_path, 'child.py', "_base_ = ['./base.py']\n"
                   "model = dict(head=dict(num_classes=7))\n")
    save = tmp_path / 'merged' / 'merged.py'
    cfg = print_config.main([child, '--cfg-options', 'train_cfg.max_epochs=3',
                             '--save-path', str(save)])
    out = capsys.readouterr().out
    assert 'num_classes=7' in out and 'max_epochs=3' in out
    assert "type='ImageClassifier'" in out and 'GlobalAveragePooling' in out
    from mmengine.config import Config
    saved = Config.fromfile(str(save))
    assert saved.model.head.num_classes == 7
    assert saved.model.backbone.depth == 18 and saved.train_cfg.max_epochs == 3
    assert cfg.model.head.num_classes == 7
    with pytest.raises(SystemExit):
        print_config.main([child, '--cfg-options', 'train_cfg.max_epoch=3'])
    assert "Did you mean 'max_epochs'" in capsys.readouterr().err


def test_tools_run_from_repo_root_without_pythonpath(tmp_path):
    cfg = _write(tmp_path, 'cfg.py', CLS_CFG)
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    res = subprocess.run(
        [sys.executable, 'tools/misc/print_config.py', cfg],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert 'ImageClassifier' in res.stdout


@pytest.mark.parametrize('script,args,expected', [
    ('slurm_train.sh', ['p1', 'job', 'c.py', 'wd', '--amp'],
     ['-p', 'p1', '--job-name=job', '--gres=gpu:2', '--ntasks=2',
      '--ntasks-per-node=2', '--cpus-per-task=5', '--kill-on-bad-exit=1',
      '--exclusive', 'PY', '-u', 'TOOLS/train.py', 'c.py', '--work-dir=wd',
      '--launcher=slurm', '--amp']),
    ('slurm_test.sh', ['p1', 'job', 'c.py', 'ck.pth', '--out', 'r.pkl'],
     ['-p', 'p1', '--job-name=job', '--gres=gpu:2', '--ntasks=2',
      '--ntasks-per-node=2', '--cpus-per-task=5', '--kill-on-bad-exit=1',
      '--exclusive', 'PY', '-u', 'TOOLS/test.py', 'c.py', 'ck.pth',
      '--launcher=slurm', '--out', 'r.pkl']),
])
def test_slurm_scripts_forward_arguments(tmp_path, script, args, expected):
    """A fake ``srun`` on PATH records what the scripts would launch."""
    tools = osp.join(REPO_ROOT, 'tools')
    path = osp.join(tools, script)
    assert os.stat(path).st_mode & stat.S_IXUSR, f'{script} not executable'
    fake = tmp_path / 'bin' / 'srun'
    fake.parent.mkdir()
    fake.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$PYTHONPATH" '
                    '"$@" > "$SRUN_LOG"\n')
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f'{fake.parent}:{os.environ["PATH"]}',
               GPUS='2', SRUN_ARGS='--exclusive', PYTHON='PY',
               SRUN_LOG=str(tmp_path / 'log'), PYTHONPATH='')
    res = subprocess.run(['bash', path, *args], env=env, capture_output=True,
                         text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    lines = (tmp_path / 'log').read_text().splitlines()
    assert lines[0] == REPO_ROOT  # no empty (cwd) entry
    assert [ln.replace(tools, 'TOOLS') for ln in lines[1:]] == expected
    res = subprocess.run(['bash', path, 'p1'], env=env, capture_output=True,
                         text=True, timeout=30)
    assert res.returncode == 2 and 'Usage' in res.stderr
