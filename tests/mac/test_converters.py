"""DiDeMo, ActivityNet Captions and WebVid converters: hand-written raw files in the release
formats -> the MSR-VTT retrieval layout that ``MACVideoTextDataset`` reads; bad input exits
with the file named."""
import json

import pytest

from tests.utils import load_tool

DIDEMO = [
    {'annotation_id': 0, 'description': 'A dog runs  onto the field. ',
     'video': '1234@N00_111_aaa.mov', 'times': [[0, 1], [0, 0]], 'num_segments': 6},
    {'annotation_id': 1, 'description': 'the dog stops', 'video': '5678@N01_222_bbb.avi',
     'times': [[3, 3]], 'num_segments': 6},
    {'annotation_id': 2, 'description': 'camera pans to the left',
     'video': '1234@N00_111_aaa.mov', 'times': [[4, 5]], 'num_segments': 6},
]
ANET = {
    'v_QOlSCBRmfWY': {'duration': 82.73,
                      'timestamps': [[21.0, 50.0], [0.83, 19.86]],
                      'sentences': [' She then dances.', 'A woman stands in a room.']},
    'v_ehGHCYKzyZ8': {'duration': 61.7, 'timestamps': [[0.0, 61.7]],
                      'sentences': ['Two men play tennis.']},
}
WEBVID = ('videoid,contentUrl,duration,page_dir,name\n'
          '21179416,https://x/21179416.mp4,PT00H00M11S,006001_006050,'
          '"Aerial shot of a city, at night"\n'
          '5629184,https://x/5629184.mp4,PT00H00M29S,005001_005050,Cows graze\n')


def _write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def _convert(tool, src, out, *extra):
    module = load_tool(f'dataset_converters/{tool}')
    module.main([src, out, *extra])
    with open(out) as f:
        return json.load(f)


def test_didemo_paragraph_layout_read_by_dataset(tmp_path):
    src = _write(tmp_path, 'test_data.json', DIDEMO)
    out = str(tmp_path / 'didemo' / 'test.json')
    ann = _convert('didemo_annotations', src, out, '--video-template', '{stem}.mp4')
    assert ann == {'1234@N00_111_aaa.mp4': ['A dog runs onto the field.',
                                            'camera pans to the left'],
                   '5678@N01_222_bbb.mp4': ['the dog stops']}
    assert list(ann) == ['1234@N00_111_aaa.mp4', '5678@N01_222_bbb.mp4']

    from projects.mac import MACVideoTextDataset
    videos = tmp_path / 'didemo' / 'videos'
    videos.mkdir()
    for name in ann:
        (videos / name).write_bytes(b'0')
    data = MACVideoTextDataset(ann_file=out, data_prefix=dict(video=str(videos)),
                               caption_mode='paragraph', pipeline=[], test_mode=True,
                               lazy_init=False)
    assert data.num_videos == 2
    assert data.get_data_info(0)['text'] == ('A dog runs onto the field. '
                                             'camera pans to the left')


def test_activitynet_sentences_in_time_order(tmp_path):
    src = _write(tmp_path, 'val_1.json', ANET)
    ann = _convert('activitynet_captions', src, str(tmp_path / 'val_1_out.json'))
    assert ann == {'v_QOlSCBRmfWY.mp4': ['A woman stands in a room.', 'She then dances.'],
                   'v_ehGHCYKzyZ8.mp4': ['Two men play tennis.']}
    ann = _convert('activitynet_captions', src, str(tmp_path / 'b.json'),
                   '--video-template', 'videos/{id}.mkv')
    assert 'videos/QOlSCBRmfWY.mkv' in ann


def test_webvid_csv_frozen_paths(tmp_path):
    src = _write(tmp_path, 'results_2M_train.csv', WEBVID)
    ann = _convert('webvid_annotations', src, str(tmp_path / 'train.json'))
    assert ann == {'006001_006050/21179416.mp4': ['Aerial shot of a city, at night'],
                   '005001_005050/5629184.mp4': ['Cows graze']}


def test_missing_videos_fail_or_are_dropped_and_counted(tmp_path, capsys):
    src = _write(tmp_path, 'results_2M_train.csv', WEBVID)
    video_dir = tmp_path / 'videos'
    (video_dir / '005001_005050').mkdir(parents=True)
    (video_dir / '005001_005050' / '5629184.mp4').write_bytes(b'0')
    out = str(tmp_path / 'train.json')
    with pytest.raises(SystemExit, match=r'1 of the 2 videos listed in .*'
                       r'results_2M_train.csv are not in .*21179416.mp4.*--drop-missing'):
        _convert('webvid_annotations', src, out, '--video-dir', str(video_dir))
    ann = _convert('webvid_annotations', src, out, '--video-dir', str(video_dir),
                   '--drop-missing')
    assert list(ann) == ['005001_005050/5629184.mp4']
    assert 'dropped 1 of 2 videos' in capsys.readouterr().out


@pytest.mark.parametrize('tool,name,content,match', [
    ('didemo_annotations', 'train_data.json', '[{"video": "a.mov"', 'not valid JSON'),
    ('didemo_annotations', 'train_data.json', {'a.mov': []}, 'top level is a dict'),
    ('didemo_annotations', 'train_data.json', [{'description': 'x'}],
     'moment 0: has no "video"'),
    ('didemo_annotations', 'train_data.json', [{'video': 'a.mov', 'description': ' '}],
     r'moment 0 \(video a.mov\): the caption is'),
    ('activitynet_captions', 'train.json',
     {'v_a': {'timestamps': [[0, 1]], 'sentences': ['x', 'y']}},
     'video v_a: 2 sentences but 1 timestamps'),
    ('activitynet_captions', 'train.json', {'v_a': {'sentences': []}},
     'video v_a: has no "sentences"'),
    ('activitynet_captions', 'train.json',
     {'v_a': {'timestamps': [['0', 1]], 'sentences': ['x']}}, 'is not \\[start, end\\]'),
    ('webvid_annotations', 'results.csv', 'videoid,caption\n1,x\n', r"lacks the columns \['name'\]"),
    ('webvid_annotations', 'results.csv', 'videoid,page_dir,name\n1,p,a,b\n',
     'line 2: more fields'),
    ('webvid_annotations', 'results.csv', 'videoid,page_dir,name\n1,p,\n',
     'line 2: the caption is'),
    ('webvid_annotations', 'results.csv', 'videoid,page_dir,name\n', 'no rows'),
])
def test_bad_raw_input_names_the_file(tmp_path, tool, name, content, match):
    src = _write(tmp_path, name, content)
    with pytest.raises(SystemExit, match=match) as err:
        _convert(tool, src, str(tmp_path / 'out.json'))
    assert str(err.value).startswith(f'error: {src}') or src in str(err.value)
    assert not (tmp_path / 'out.json').exists()


def test_unknown_template_field_and_missing_file(tmp_path):
    src = _write(tmp_path, 'val_1.json', ANET)
    with pytest.raises(SystemExit, match=r"uses 'stem' .*available: \['id', 'video'\]"):
        _convert('activitynet_captions', src, str(tmp_path / 'o.json'),
                 '--video-template', '{stem}.mp4')
    with pytest.raises(SystemExit, match='nope.csv: no such file'):
        _convert('webvid_annotations', str(tmp_path / 'nope.csv'), str(tmp_path / 'o.json'))
