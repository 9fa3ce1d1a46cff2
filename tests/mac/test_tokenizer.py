"""Offline WordPiece tokenizer: known BERT-uncased ids, the word vocab, MACTokenize."""
import numpy as np
import pytest

from projects.mac import MACTokenize, WordPieceTokenizer, build_tokenizer
from projects.mac.tokenizer import bert_uncased_vocab_path

# Ids of bert-base-uncased (HF documentation examples, the MAC figure's caption).
KNOWN = {
    'Hello, my dog is cute': [101, 7592, 1010, 2026, 3899, 2003, 10140, 102],
    'hello world': [101, 7592, 2088, 102],
    'A man is playing a guitar.': [101, 1037, 2158, 2003, 2652, 1037, 2858,
                                   1012, 102],
    'unaffable': [101, 14477, 20961, 3468, 102],
    'a man is folding a paper airplane': [101, 1037, 2158, 2003, 12745, 1037,
                                          3259, 13297, 102],
    'Café  RÉSUMÉ': [101, 7668, 13746, 102],
}


def test_packaged_vocab_has_bert_uncased_layout():
    tok = build_tokenizer('bert-base-uncased')
    assert len(tok.vocab) == 30522
    assert (tok.pad_id, tok.unk_id, tok.cls_id, tok.sep_id,
            tok.mask_id) == (0, 100, 101, 102, 103)
    assert bert_uncased_vocab_path().endswith('model/vocab.txt')


@pytest.mark.parametrize('text', sorted(KNOWN))
def test_known_bert_uncased_ids(text):
    assert build_tokenizer().encode(text) == KNOWN[text]


def test_unknown_and_overlong_words():
    tok = build_tokenizer()
    assert tok.encode('x' * 101) == [101, 100, 102]
    assert 100 not in tok.encode('retrieval of videos')


def test_word_vocab(tmp_path):
    path = tmp_path / 'vocab.txt'
    path.write_text('\n'.join(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]',
                               ',', 'a', 'circle', 'red', 'left', 'moves']))
    tok = WordPieceTokenizer(str(path))
    assert tok.encode('A red circle, moves left') == [2, 6, 8, 7, 5, 10, 9, 3]
    assert tok.encode('a blue circle') == [2, 6, 1, 7, 3]
    assert tok.special_ids == (0, 2, 3) and tok.mask_id == 4


def test_vocab_without_special_tokens_is_refused(tmp_path):
    path = tmp_path / 'vocab.txt'
    path.write_text('a\nb\n')
    with pytest.raises(ValueError, match=r"\[PAD\]"):
        WordPieceTokenizer(str(path))


def test_tokenize_transform_pads_truncates_and_counts():
    t = MACTokenize(max_len=6)
    out = t(dict(text='hello world'))
    assert out['text_ids'].tolist() == [101, 7592, 2088, 102, 0, 0]
    assert out['text_mask'].tolist() == [1, 1, 1, 1, 0, 0]
    assert out['text_ids'].dtype == np.int64 and not out['text_truncated']
    long = t(dict(text='a man is playing a guitar and singing'))
    assert long['text_ids'].tolist() == [101, 1037, 2158, 2003, 2652, 102]
    assert long['text_truncated'] and t.num_truncated == 1
    t(dict(text='a man is playing a guitar and singing'))
    assert t.num_truncated == 2
    with pytest.raises(TypeError, match='one caption'):
        t(dict(text=['two', 'captions']))

