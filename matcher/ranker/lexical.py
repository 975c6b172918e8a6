"""TF-IDF over character bigrams, for Chinese and English text, vectorised with numpy.

Chinese has no spaces, and a word segmenter (jieba) costs more than the rest of a refresh
at 100,000 seekers. Character bigrams are the classic alternative for Chinese retrieval
(the CJK analyzers of Lucene and Elasticsearch index them), and English words break into
bigrams just as well ("excel" -> ex xc ce el). Extraction works on all texts at once: the
texts are joined and turned into one array of code points, and every adjacent pair of word
characters is one bigram, so no Python loop runs per character. The counts are weighted by
scikit-learn's TfidfTransformer (sublinear tf, smoothed idf, L2 norm).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfTransformer

__all__ = ["TITLE_MAX_DF", "BigramTfidf", "bigram_codes"]

# Job titles are short: every bigram of them counts (min_df 1) but the commonest, found in
# more than this share of the titles ("专员", "助理"), which say little of the job.
TITLE_MAX_DF = 0.2

_SEPARATOR = "\x00"


def _word_characters(points: np.ndarray) -> np.ndarray:
    """Letters and digits (ASCII) and CJK ideographs: the characters bigrams are made of."""
    return (
        ((points >= 0x30) & (points <= 0x39))
        | ((points >= 0x61) & (points <= 0x7A))
        | ((points >= 0x3400) & (points <= 0x9FFF))
        | ((points >= 0xF900) & (points <= 0xFAFF))
        | ((points >= 0x20000) & (points <= 0x3FFFF))
    )


def _normalise(points: np.ndarray) -> np.ndarray:
    """Full-width ASCII to half-width, and upper case to lower: the parts of NFKC and
    lower-casing that matter here, at array speed (unicodedata per text was a third of
    the whole extraction)."""
    points = points.copy()
    wide = (points >= 0xFF01) & (points <= 0xFF5E)
    points[wide] -= 0xFEE0
    upper = (points >= 0x41) & (points <= 0x5A)
    points[upper] += 0x20
    return points


def _unique_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(values, return_counts=True) by sorting: numpy 2's hash-based unique is
    several times slower on millions of int64."""
    ordered = np.sort(values)
    if not len(ordered):
        return ordered, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    counts = np.diff(np.append(starts, len(ordered)))
    return ordered[starts], counts


def bigram_codes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(document index, bigram code) for every bigram of every text, in order.

    A code packs the two code points into one integer (21 bits each).
    """
    joined = _SEPARATOR.join(texts) + _SEPARATOR
    points = _normalise(np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32))
    document = np.cumsum(points == 0) - (points == 0)  # separator belongs to the text before
    word = _word_characters(points)
    starts = np.flatnonzero(word[:-1] & word[1:])
    codes = (points[starts].astype(np.int64) << 21) | points[starts + 1].astype(np.int64)
    return document[starts].astype(np.int64), codes


def _spans(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(start, bigram code) of every bigram of one text; starts index the text itself."""
    points = _normalise(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32))
    word = _word_characters(points)
    starts = np.flatnonzero(word[:-1] & word[1:])
    codes = (points[starts].astype(np.int64) << 21) | points[starts + 1].astype(np.int64)
    return starts, codes


class BigramTfidf:
    """Fit on the postings; transform postings and seekers into the same space.

    ``max_df`` drops bigrams found in more than that share of the fitted documents: they
    say little ("工作", "负责") and are what makes products of the matrices dense.
    """

    def __init__(self, *, min_df: int = 2, max_df: float = 0.1) -> None:
        self.min_df = min_df
        self.max_df = max_df

    def fit(self, texts: Sequence[str]) -> BigramTfidf:
        documents, codes = bigram_codes(texts)
        unique_pairs, _ = _unique_counts((documents << 42) | codes)
        vocabulary, df = _unique_counts(unique_pairs & ((1 << 42) - 1))
        keep = (df >= self.min_df) & (df <= max(self.min_df, self.max_df * len(texts)))
        self.seen_ = vocabulary  # every bigram of the fitted texts, kept or not
        self.vocabulary_ = vocabulary[keep]
        counts = self._counts(documents, codes, len(texts))
        self.weighting_ = (
            TfidfTransformer(sublinear_tf=True).fit(counts) if len(self.vocabulary_) else None
        )
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        if self.weighting_ is None:  # nothing to compare texts by
            return sparse.csr_matrix((len(texts), 0), dtype=np.float32)
        if not texts:
            return sparse.csr_matrix((0, len(self.vocabulary_)), dtype=np.float32)
        documents, codes = bigram_codes(texts)
        weighted = self.weighting_.transform(self._counts(documents, codes, len(texts)))
        return sparse.csr_matrix(weighted, dtype=np.float32)

    def unseen_share(self, texts: Sequence[str]) -> float:
        """The share of the bigrams of ``texts`` (counted once per text) that the fitted
        texts did not have: new words, which the model cannot weigh until it is refitted."""
        if not texts:
            return 0.0
        documents, codes = bigram_codes(texts)
        if not len(codes):
            return 0.0
        distinct, _ = _unique_counts((documents << 42) | codes)
        known = np.isin(distinct & ((1 << 42) - 1), self.seen_)
        return float(1.0 - known.mean())

    def shared_phrases(self, mine: str, theirs: str, limit: int = 3) -> list[str]:
        """The words a similarity of ``mine`` to ``theirs`` rests on: the longest runs of
        ``theirs`` whose bigrams ``mine`` has too and the model weighs, longest first."""
        own = _spans(mine)[1]
        starts, codes = _spans(theirs)
        shared = starts[np.isin(codes, own) & np.isin(codes, self.vocabulary_)].tolist()
        runs: list[list[int]] = []
        for start in shared:
            if runs and start == runs[-1][1]:
                runs[-1][1] = start + 1
            else:
                runs.append([start, start + 1])
        phrases = dict.fromkeys(theirs[a : b + 1] for a, b in runs)  # b: the last bigram's end
        return sorted(phrases, key=len, reverse=True)[:limit]

    def _counts(self, documents: np.ndarray, codes: np.ndarray, n: int) -> sparse.csr_matrix:
        index = np.searchsorted(self.vocabulary_, codes)
        index[index == len(self.vocabulary_)] = 0
        known = self.vocabulary_[index] == codes if len(self.vocabulary_) else codes < 0
        matrix = sparse.csr_matrix(
            (np.ones(int(known.sum()), dtype=np.float32), (documents[known], index[known])),
            shape=(n, len(self.vocabulary_)),
        )
        matrix.sum_duplicates()
        return matrix
