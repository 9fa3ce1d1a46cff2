"""Bad input gives one clear paragraph that names the path or key and the fix."""
import os
import shutil

import pytest

from tests.utils import as_cli, load_tool

CONFIG = 'configs/baselines/tiny/faster-rcnn_r50_fpn_1x_coco.py'
FAST = {
    'train_cfg.max_epochs': 1,
    'train_dataloader.dataset.indices': 2,
    'train_dataloader.batch_size': 2,
}


def _fail(capsys, argv):
    with pytest.raises(SystemExit) as info:
        load_tool('train').main(argv)
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert 'ERROR:' in err
    paragraph = err.split('ERROR:', 1)[1].strip().split('\n')[0]
    return paragraph


def _copy_coco(tiny_data, tmp_path):
    root = tmp_path / 'coco'
    shutil.copytree(os.path.join(tiny_data, 'coco'), root)
    return root


def _root_opts(root):
    opts = dict(FAST)
    opts['train_dataloader.dataset.data_root'] = f'{root}/'
    return opts


def test_missing_tiny_data_root_names_generator(capsys, tmp_path,
                                                monkeypatch):
    monkeypatch.chdir(tmp_path)  # no data/ here
    os.symlink(os.path.join(os.path.dirname(__file__), '..', 'configs'),
               tmp_path / 'configs')
    msg = _fail(capsys, [CONFIG, '--work-dir', str(tmp_path / 'w')] +
                as_cli(FAST))
    assert 'data/tiny/coco/annotations/instances_train2017.json' in msg
    assert 'make_tiny_datasets.py --out data/tiny --only coco' in msg


def test_missing_data_root_names_path(capsys, tmp_path):
    root = tmp_path / 'nowhere'
    msg = _fail(capsys, [CONFIG, '--work-dir', str(tmp_path / 'w')] +
                as_cli(_root_opts(root)))
    assert str(root) in msg and 'does not exist' in msg
    assert 'data_root' in msg


def test_malformed_annotation_json_names_file(capsys, tmp_path, tiny_data):
    root = _copy_coco(tiny_data, tmp_path)
    ann = root / 'annotations' / 'instances_train2017.json'
    ann.write_text(ann.read_text()[:500])
    msg = _fail(capsys, [CONFIG, '--work-dir', str(tmp_path / 'w')] +
                as_cli(_root_opts(root)))
    assert str(ann) in msg and 'not valid JSON' in msg


def test_corrupt_image_names_file(capsys, tmp_path, tiny_data):
    root = _copy_coco(tiny_data, tmp_path)
    images = sorted((root / 'train2017').iterdir())
    for img in images:
        img.write_bytes(b'not a jpeg')
    msg = _fail(capsys, [CONFIG, '--work-dir', str(tmp_path / 'w')] +
                as_cli(_root_opts(root)))
    assert 'could not be decoded' in msg
    assert any(str(img) in msg for img in images)


def test_cfg_option_typo_suggests_key(capsys, tmp_path):
    msg = _fail(capsys, [CONFIG, '--work-dir', str(tmp_path / 'w'),
                         '--cfg-options', 'train_cfg.max_epoch=1'])
    assert "'max_epoch'" in msg and "'max_epochs'" in msg


def test_config_file_typo_names_key(capsys, tmp_path):
    cfg = tmp_path / 'typo.py'
    cfg.write_text(
        f"_base_ = [{os.path.abspath(CONFIG)!r}]\n"
        "model = dict(backbone=dict(depht=18))\n")
    msg = _fail(capsys, [str(cfg), '--work-dir', str(tmp_path / 'w')])
    assert "'depht'" in msg and 'ResNet' in msg and "'depth'" in msg
