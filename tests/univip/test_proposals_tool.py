import json
import os.path as osp

import cv2
import numpy as np
import pytest

from projects.univip import UniVIPProposalDataset, filter_proposals

from tests.utils import load_tool


def _tool():
    return load_tool('dataset_converters/univip_proposals')


def _images(folder, n=3):
    rng = np.random.RandomState(0)
    (folder / 'sub').mkdir(exist_ok=True)
    names = []
    for i in range(n):
        img = np.full((120, 160, 3), 40, np.uint8)
        for _ in range(3):
            x, y = rng.randint(0, 90), rng.randint(0, 60)
            img[y:y + 50, x:x + 60] = rng.randint(0, 255, 3)
        name = f'sub/img{i}.png'
        cv2.imwrite(str(folder / name), img)
        names.append(name)
    return names


def test_filter_by_hand():
    boxes = np.array([[0, 0, 100, 100],    # kept (rank 1)
                      [10, 0, 110, 100],   # IoU 0.82 with rank 1 -> dropped
                      [0, 0, 30, 100],     # min side 30 < 64 -> dropped
                      [0, 0, 64, 200],     # ratio 3.1 -> dropped
                      [60, 0, 160, 100]],  # IoU 0.25 -> kept
                     np.float32)
    np.testing.assert_array_equal(filter_proposals(boxes, 64, 3, 0.5), boxes[[0, 4]])
    assert filter_proposals(np.zeros((0, 4)), 64, 3, 0.5).shape == (0, 4)
    np.testing.assert_array_equal(
        _tool().filter_boxes(np.array([[60, 0, 100, 100]]), 64, 3, 0.5), boxes[[4]])


def test_tool_writes_dataset_json_and_resumes(tmp_path):
    names = _images(tmp_path)
    out = str(tmp_path / 'proposals.json')
    marker = dict(img_path=names[0], width=160, height=120, proposals=[[1, 2, 99, 98]])
    with open(out + '.partial.jsonl', 'w') as f:
        f.write(json.dumps(marker) + '\n{"img_path": "sub/im')  # killed mid-line
    _tool().main([str(tmp_path), out, '--min-size', '16'])
    assert not osp.exists(out + '.partial.jsonl')
    result = json.load(open(out))
    assert result['metainfo']['filters'] == dict(min_size=16.0, max_ratio=3.0, iou_thr=0.5)
    by_name = {e['img_path']: e for e in result['data_list']}
    assert sorted(by_name) == names
    assert by_name[names[0]]['proposals'] == marker['proposals']  # not redone
    fresh = np.array(by_name[names[1]]['proposals'], np.float32)
    assert len(fresh) > 0
    np.testing.assert_array_equal(filter_proposals(fresh, 16, 3, 0.5), fresh)
    dataset = UniVIPProposalDataset(ann_file=out, data_root=str(tmp_path),
                                    data_prefix=dict(img_path=''))
    assert len(dataset) == 3


def test_tool_reads_coco_image_list_and_names_unreadable_image(tmp_path):
    names = _images(tmp_path, n=1)
    coco = tmp_path / 'instances.json'
    coco.write_text(json.dumps(dict(images=[dict(file_name=names[0]),
                                            dict(file_name='sub/gone.png')])))
    with pytest.raises(SystemExit, match='gone.png'):
        _tool().main([str(tmp_path), str(tmp_path / 'p.json'), '--coco', str(coco)])
    # the image finished before the failure is kept for the rerun
    assert _tool().load_partial(str(tmp_path / 'p.json.partial.jsonl')).keys() == {names[0]}
