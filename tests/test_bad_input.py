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


def test_unknown_cfg_option_is_an_error(capsys, tmp_path):
    msg = _fail(capsys, [CONFIG, '--work-dir', str(tmp_path / 'w'),
                         '--cfg-options', 'foo.bar=1'])
    assert "'foo.bar'" in msg and 'matches nothing' in msg


def test_cfg_option_in_wrong_place_suggests_path(capsys, tmp_path):
    msg = _fail(capsys, [CONFIG, '--work-dir', str(tmp_path / 'w'),
                         '--cfg-options', 'optimizer.lr=0.1'])
    assert "'optim_wrapper.optimizer.lr'" in msg


def test_cfg_option_not_accepted_by_class(capsys, tmp_path):
    msg = _fail(capsys, [CONFIG, '--work-dir', str(tmp_path / 'w'),
                         '--cfg-options', 'model.backbone.depht=18'])
    assert "'depht'" in msg and "'depth'" in msg and 'ResNet' in msg


def test_resume_with_nothing_to_resume_from(capsys, tmp_path):
    msg = _fail(capsys, [CONFIG, '--work-dir', str(tmp_path / 'typo'),
                         '--resume'] + as_cli(FAST))
    assert 'nothing to resume from' in msg and str(tmp_path / 'typo') in msg
    assert not (tmp_path / 'typo').exists()


def test_unwritable_work_dir(capsys, tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('')
    msg = _fail(capsys, [CONFIG, '--work-dir', str(blocker / 'w')] +
                as_cli(FAST))
    assert 'not writable' in msg and str(blocker / 'w') in msg


def test_empty_training_set(capsys, tmp_path, tiny_data):
    import json
    root = _copy_coco(tiny_data, tmp_path)
    ann = root / 'annotations' / 'instances_train2017.json'
    data = json.loads(ann.read_text())
    data['images'], data['annotations'] = [], []
    ann.write_text(json.dumps(data))
    opts = _root_opts(root)
    opts.pop('train_dataloader.dataset.indices')
    msg = _fail(capsys, [CONFIG, '--work-dir', str(tmp_path / 'w')] +
                as_cli(opts))
    assert 'training set is empty' in msg and 'CocoDataset' in msg


def test_class_count_mismatch(capsys, tmp_path, tiny_data):
    msg = _fail(capsys, [CONFIG, '--work-dir', str(tmp_path / 'w')] +
                as_cli({**FAST, 'model.roi_head.bbox_head.num_classes': 5}))
    assert 'num_classes=5' in msg and '8 classes' in msg
    assert 'bbox_head.num_classes=8' in msg


def test_missing_and_truncated_checkpoint_for_test(capsys, tmp_path,
                                                   tiny_data):
    import torch
    with pytest.raises(SystemExit):
        load_tool('test').main([CONFIG, str(tmp_path / 'none.pth'),
                                '--work-dir', str(tmp_path / 'w')])
    err = capsys.readouterr().err
    assert 'none.pth does not exist' in err and 'dataset' not in err
    cut = tmp_path / 'cut.pth'
    torch.save({'state_dict': {'w': torch.zeros(64, 64)}}, cut)
    cut.write_bytes(cut.read_bytes()[:300])
    with pytest.raises(SystemExit) as info:
        load_tool('test').main([CONFIG, str(cut), '--work-dir',
                                str(tmp_path / 'w')])
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert 'cut.pth is incomplete' in err


def test_dropped_annotations_are_reported(tmp_path, tiny_data):
    import json

    from projects.common.dataset_check import coco_dropped_annotations
    root = _copy_coco(tiny_data, tmp_path)
    ann = root / 'annotations' / 'instances_train2017.json'
    data = json.loads(ann.read_text())
    data['annotations'][3]['category_id'] = 9999
    data['annotations'][5]['bbox'][2] = -4
    data['annotations'][6]['bbox'][2] = -1
    ann.write_text(json.dumps(data))
    found = coco_dropped_annotations(str(ann))
    images = {img['id']: img['file_name'] for img in data['images']}
    count, first, img = found['a category_id the file does not define']
    assert count == 1 and first['id'] == data['annotations'][3]['id']
    assert img['file_name'] == images[data['annotations'][3]['image_id']]
    count, first, _ = found['a box narrower or lower than 1 pixel']
    assert count == 2 and first['id'] == data['annotations'][5]['id']
    from mmdet.datasets import CocoDataset

    from projects.common.dataset_check import report_dropped_annotations
    dataset = CocoDataset(data_root=str(root) + '/',
                          ann_file='annotations/instances_train2017.json',
                          data_prefix=dict(img='train2017/'), pipeline=[])
    dataset.full_init()
    reports = report_dropped_annotations(dataset)
    assert len(reports) == 2
    assert '2 annotation(s) with a box narrower' in ' '.join(reports)
    assert f"annotation id {data['annotations'][3]['id']}" in reports[0]


@pytest.mark.slow
def test_cdcl_class_counts_checked_per_dataset(capsys, tmp_path, tiny_data):
    config = ('configs/cdcl/tiny/'
              'cdcl_pspnet_r18-d8_4xb4-80k_cityscapes-camvid-512x512.py')
    msg = _fail(capsys, [config, '--work-dir', str(tmp_path / 'w'),
                         '--cfg-options', 'model.decode_head.num_classes=[19,19]',
                         'model.auxiliary_head.num_classes=[19,19]'])
    assert 'decode_head.num_classes[1]=19' in msg and '11 classes' in msg
    assert 'camvid' in msg.lower()


@pytest.mark.slow
def test_empty_dataset_list(capsys, tmp_path):
    config = ('configs/cdcl/tiny/'
              'cdcl_pspnet_r18-d8_4xb4-80k_cityscapes-camvid-512x512.py')
    msg = _fail(capsys, [config, '--work-dir', str(tmp_path / 'w'),
                         '--cfg-options', 'train_dataloader.dataset.datasets=[]'])
    assert 'empty list of datasets' in msg


def test_label_outside_classes_is_explained():
    from projects.common.cli import explain
    msg = explain(IndexError('Target 15 is out of bounds.'), 'x.py')
    assert 'label 15' in msg and 'num_classes' in msg
