"""An empty (0-byte) image gives the one-paragraph error naming the file (tools/train.py)."""
import os
import shutil

import pytest

from tests.utils import as_cli, load_tool

CONFIG = 'configs/baselines/tiny/faster-rcnn_r50_fpn_1x_coco.py'


def test_empty_image_names_file(capsys, tmp_path, tiny_data):
    root = tmp_path / 'coco'
    shutil.copytree(os.path.join(tiny_data, 'coco'), root)
    images = sorted((root / 'train2017').iterdir())
    for img in images:
        img.write_bytes(b'')
    opts = {
        'train_cfg.max_epochs': 1,
        'train_dataloader.dataset.indices': 2,
        'train_dataloader.batch_size': 2,
        'train_dataloader.dataset.data_root': f'{root}/',
    }
    with pytest.raises(SystemExit) as info:
        load_tool('train').main([CONFIG, '--work-dir', str(tmp_path / 'w')] +
                                as_cli(opts))
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert 'cv2.error' not in err and 'Traceback' not in err
    paragraph = err.split('ERROR:', 1)[1].strip().split('\n')[0]
    assert 'could not be decoded (corrupt or empty file)' in paragraph
    assert any(str(img) in paragraph for img in images)


def test_empty_bytes_decode_to_none():
    import mmcv
    assert mmcv.imfrombytes(b'') is None
