"""MiniLM's word embeddings and WordPiece vocabulary, read from the langchain4j Maven artifact.

The jar is located by build_bundle.sh through Maven and passed in; nothing is copied out of it.
"""
import json
import zipfile

import numpy as np
import onnx
from onnx import numpy_helper

MODEL_ENTRY = "all-minilm-l6-v2.onnx"
TOKENIZER_ENTRY = "all-minilm-l6-v2-tokenizer.json"
WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"


def read_minilm(jar_path):
    """(word embedding matrix float32 [30522, 384], vocab list id -> token)."""
    with zipfile.ZipFile(jar_path) as jar:
        model = onnx.load_from_string(jar.read(MODEL_ENTRY))
        tokenizer = json.loads(jar.read(TOKENIZER_ENTRY))
    matrix = None
    for init in model.graph.initializer:
        if init.name == WORD_EMBEDDINGS:
            matrix = numpy_helper.to_array(init).astype(np.float32)
    if matrix is None:
        raise ValueError(f"{WORD_EMBEDDINGS} not found in {MODEL_ENTRY}")
    vocab = [None] * len(tokenizer["model"]["vocab"])
    for token, index in tokenizer["model"]["vocab"].items():
        vocab[index] = token
    return matrix, vocab


class WordPiece:
    """Greedy longest-match-first WordPiece over lower-cased, punctuation-split text: the BERT
    uncased tokenizer for the plain ASCII captions of the synthetic world."""

    def __init__(self, vocab):
        self.index = {token: i for i, token in enumerate(vocab)}
        self.unk = self.index["[UNK]"]

    def _words(self, text):
        word = ""
        for ch in text.lower():
            if ch.isspace():
                if word:
                    yield word
                word = ""
            elif not ch.isalnum():
                if word:
                    yield word
                word = ""
                yield ch
            else:
                word += ch
        if word:
            yield word

    def ids(self, text):
        out = []
        for word in self._words(text):
            start, pieces = 0, []
            while start < len(word):
                end = len(word)
                while end > start:
                    piece = word[start:end] if start == 0 else "##" + word[start:end]
                    if piece in self.index:
                        pieces.append(self.index[piece])
                        break
                    end -= 1
                if end == start:
                    pieces = [self.unk]
                    break
                start = end
            out.extend(pieces)
        return out


def restricted_vocabulary(caption_token_ids, vocab, size):
    """Every token the captions use, then the most frequent English word tokens (BERT's vocab
    lists whole words from id 1996, 'the', roughly by frequency) until `size` entries."""
    chosen = []
    seen = set()
    for i in sorted(set(caption_token_ids)):
        if not vocab[i].startswith("[") and i not in seen:
            chosen.append(i)
            seen.add(i)
    i = 1996
    while len(chosen) < size and i < len(vocab):
        token = vocab[i]
        if i not in seen and token.isalpha() and not token.startswith("##"):
            chosen.append(i)
            seen.add(i)
        i += 1
    return np.array(sorted(chosen[:size]), np.int64)
