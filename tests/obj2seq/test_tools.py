"""The CLIP class-prompt script (error paths: no CLIP weights can be downloaded)."""
import json
import sys

import pytest

from tests.utils import load_tool


def test_clip_prompt_sentences_follow_the_official_layout(tmp_path):
    tool = load_tool('misc/obj2seq_clip_prompts')
    texts = tool.sentences(tool.class_names())
    assert len(texts) == 80
    assert texts[:2] == ['a person', 'a bicycle']
    ann = tmp_path / 'ann.json'
    ann.write_text(json.dumps(dict(categories=[
        dict(id=7, name='cat'), dict(id=2, name='dog')])))
    assert tool.class_names(str(ann)) == ['dog', 'cat']  # category-id order
    with pytest.raises(ValueError, match='needs a {}'):
        tool.sentences(['dog'], 'a photo')


def test_clip_prompts_without_weights_fail_with_the_fix(tmp_path, monkeypatch,
                                                        capsys):
    tool = load_tool('misc/obj2seq_clip_prompts')
    missing = str(tmp_path / 'vit_b32.bin')
    with pytest.raises(SystemExit) as exit_info:
        tool.main(['--checkpoint', missing, '--out', str(tmp_path / 'p.npy')])
    message = str(exit_info.value.code)
    assert 'vit_b32.bin' in message and 'obj2seq2mmvrl.py' in message
    assert not (tmp_path / 'p.npy').exists()
    weights = tmp_path / 'weights.bin'
    weights.write_bytes(b'0')
    monkeypatch.setitem(sys.modules, 'open_clip', None)
    with pytest.raises(ImportError, match='pip install open-clip-torch'):
        tool.load_clip('ViT-B-32-quickgelu', str(weights))
