"""The fast ranker: feasibility and scores of every feasible pair, as array operations.

``Ranker`` is fitted on the postings (text model, skill weights, posting arrays). A
``SeekerSet`` holds the seekers' arrays. ``candidates`` scores, for every eligible seeker,
every posting that passes the constraints, and keeps the best few per seeker for the
allocation across seekers (``matcher.ranker.selection``).

How it stays proportional to the pairs that survive the constraints, not to seekers ×
postings:

* Area first. Seekers are grouped by the set of postings their area admits (their county,
  their willing areas with everything below them, postings listed for a whole city or
  province that contains them, and remote postings); each group is scored against that
  set only.
* The other hard constraints depend on a few discrete traits on each side (education,
  graduate status, disability types and capacity profile; minimum education, graduate-only,
  suitable types and the demands left unbridged by the accommodations offered). Each side
  is reduced to a signature and the constraints are evaluated once per pair of signatures;
  a pair of seeker and posting looks its answer up.
* Score parts that depend on such traits (work mode, accommodations, employer kind) are
  looked up the same way; text and skills are sparse matrix products; the rest broadcast.

The slow reference (``matcher.ranker.reference``) defines the same results one pair at a
time; the tests check that the two agree.
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache

import numpy as np
from scipy import sparse

from matcher.core.codes import code_list
from matcher.core.text import norm_key
from matcher.ranker.inputs import PostingInput, SeekerInput
from matcher.ranker.lexical import TITLE_MAX_DF, BigramTfidf
from matcher.ranker.reference import ReferenceRanker
from matcher.ranker.weights import PARTS, RankerSettings
from matcher.reference.areas import ANYWHERE, areas
from matcher.reference.occupations import occupations
from matcher.reference.profiles import bridged_levels, dimension_keys

__all__ = ["Candidates", "Ranker", "SeekerSet", "accommodation_names"]

_BLOCK_CELLS = 2_000_000  # seekers × postings scored at once; bounds the block's memory
_TASK_CELLS = 20_000_000  # work handed to one thread at a time


def _threads() -> int:
    return max(1, min(4, os.cpu_count() or 1))


_TYPES = {kind: 1 << bit for bit, kind in enumerate(code_list("disability_types").keys())}
_ANY_TYPE = sum(_TYPES.values())
_MODES = {mode: 1 << bit for bit, mode in enumerate(code_list("work_modes").keys())}
_ACCOMMODATIONS = {a: 1 << bit for bit, a in enumerate(code_list("accommodations").keys())}


_BITS_SEEN: dict[tuple[int, tuple[str, ...]], int] = {}


def _bits(values: Sequence[str], table: dict[str, int]) -> int:
    """The values as a bit set; cached, since the same few combinations recur."""
    key = (id(table), tuple(values))
    found = _BITS_SEEN.get(key)
    if found is None:
        found = _BITS_SEEN[key] = sum(table[v] for v in set(values) if v in table)
    return found


_POPCOUNT = np.array([bin(value).count("1") for value in range(1 << 12)], dtype=np.float32)


def _popcount(values: np.ndarray) -> np.ndarray:
    """Set bits of each value (values below 4096: the accommodation bits)."""
    counts: np.ndarray = _POPCOUNT[values]
    return counts


def _pay(wanted: np.ndarray, offered: np.ndarray) -> np.ndarray:
    """1 if the pay offered reaches the pay wanted, falling to 0 at half of it; 0.5 when
    either is unknown. Broadcasts."""
    with np.errstate(invalid="ignore", divide="ignore"):
        shortfall = np.clip(1.0 - 2.0 * (wanted - offered) / wanted, 0.0, 1.0)
        value = np.where(offered >= wanted, np.float32(1.0), shortfall)
    return np.where(np.isnan(wanted) | np.isnan(offered), np.float32(0.5), value).astype(np.float32)


def _proximity(
    seeker_area: np.ndarray,
    seeker_city: np.ndarray,
    posting_area: np.ndarray,
    posting_city: np.ndarray,
    remote: np.ndarray,
) -> np.ndarray:
    """1 in the same county, 0.7 in the same city, 0.5 remote, 0.3 elsewhere. Broadcasts."""
    return np.where(
        seeker_area == posting_area,
        np.float32(1.0),
        np.where(
            seeker_city == posting_city,
            np.float32(0.7),
            np.where(remote, np.float32(0.5), np.float32(0.3)),
        ),
    ).astype(np.float32)


@lru_cache(maxsize=65536)
def _unbridged(
    demands: tuple[int, ...], accommodations: tuple[str, ...], intrinsic: tuple[str, ...]
) -> tuple[int, ...]:
    """Each demand that the accommodations offered do not bridge (0 where they do)."""
    left = []
    for dim, demand in zip(dimension_keys(), demands, strict=True):
        bridged = max((bridged_levels(a).get(dim, 0) for a in accommodations), default=0)
        left.append(demand if (dim in intrinsic or bridged < demand) else 0)
    return tuple(left)


@lru_cache(maxsize=65536)
def _bridging_bits(demands: tuple[int, ...], accommodations: tuple[str, ...]) -> tuple[int, ...]:
    """Per dimension, the accommodations offered (as bits) that bridge its demand."""
    return tuple(
        sum(
            _ACCOMMODATIONS[a]
            for a in set(accommodations)
            if a in _ACCOMMODATIONS and demand and bridged_levels(a).get(dim, 0) >= demand
        )
        for dim, demand in zip(dimension_keys(), demands, strict=True)
    )


def accommodation_names(bits: int) -> tuple[str, ...]:
    """The accommodation keys of a bit set, in the order of the code list."""
    return tuple(a for a, bit in _ACCOMMODATIONS.items() if bits & bit)


def _first_index(inverse: np.ndarray, count: int) -> np.ndarray:
    """For each group id 0..count-1 in ``inverse``, the position of its first member."""
    first = np.full(count, len(inverse), dtype=np.int64)
    np.minimum.at(first, inverse.ravel(), np.arange(len(inverse)))
    return first


def _objects(values: Sequence[object]) -> np.ndarray:
    """A one-dimensional array of Python objects (numpy would make tuples a 2-d array)."""
    array = np.empty(len(values), dtype=object)
    for k, value in enumerate(values):
        array[k] = value
    return array


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ids of the distinct rows of a non-negative 2-d integer array, and the distinct rows.
    Rows are packed into one integer each first: sorting integers is far faster than
    ``np.unique(axis=0)``."""
    if not len(values):
        return np.zeros(0, dtype=np.int32), values
    bases = values.max(axis=0).astype(np.int64) + 1
    multipliers = np.cumprod(np.concatenate(([1], bases[:-1])))
    keys = values.astype(np.int64) @ multipliers
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return inverse.ravel().astype(np.int32), values[first]


@dataclass
class Candidates:
    """The best feasible postings per seeker, flattened (seeker-major order)."""

    seeker: np.ndarray  # index into the SeekerSet
    posting: np.ndarray  # index into the Ranker's postings
    score: np.ndarray
    feasible_per_seeker: np.ndarray  # how many postings each seeker could be offered
    # How many of the scored seekers could be offered each posting (all postings).
    feasible_per_posting: np.ndarray | None = None

    @property
    def feasible_pairs(self) -> int:
        return int(self.feasible_per_seeker.sum())


_FEW_SEEKERS = 32


class _Tally:
    """Counts per posting, added to by the scoring threads (whose groups share postings)."""

    def __init__(self, size: int) -> None:
        self.counts = np.zeros(size, dtype=np.int64)
        self._lock = threading.Lock()

    def add(self, columns: np.ndarray, counts: np.ndarray) -> None:
        with self._lock:
            self.counts[columns] += counts


class _Side:
    """A posting-side matrix (postings × features) of a group, for products with blocks of
    seekers (seekers × features), giving seekers × postings."""

    def __init__(self, matrix: sparse.csr_matrix, transposed: bool) -> None:
        self.matrix = matrix
        self.transposed = matrix.T.tocsr() if transposed else None

    def times(self, seekers: sparse.csr_matrix) -> sparse.spmatrix:
        if self.transposed is not None:
            return seekers @ self.transposed
        return (self.matrix @ seekers.T).T


class Vocabulary:
    """What a refresh fits on the postings and every ranker and seeker set shares: the
    text model, the skills and their weights, the majors, the index of categories and
    areas, and the settings. A ranker of other postings (the same ones after a few changed)
    can reuse it, so that the seekers' arrays stay valid."""

    def __init__(
        self,
        postings: Sequence[PostingInput],
        settings: RankerSettings,
        *,
        min_df: int = 2,
        max_df: float = 0.1,
    ) -> None:
        self.settings = settings
        self.weights = np.array(settings.weight_vector(), dtype=np.float32)
        self.w = dict(zip(PARTS, settings.weight_vector(), strict=True))
        self.text_model = BigramTfidf(min_df=min_df, max_df=max_df).fit([p.text for p in postings])
        self.title_model = BigramTfidf(min_df=1, max_df=TITLE_MAX_DF).fit(
            [p.title for p in postings]
        )
        self.categories = {key: i for i, key in enumerate(occupations().by_key)}
        self.area_nodes = {code: i for i, code in enumerate([ANYWHERE, *areas().by_code])}
        # Per area node: itself, the divisions above it, and "anywhere" (node 0).
        self.area_ancestors = [(0,)] + [
            (*(self.area_nodes[a] for a in areas().ancestors(code)), 0) for code in areas().by_code
        ]
        self._area_keys: dict[tuple[str, tuple[str, ...]], tuple[tuple[int, ...], ...]] = {}
        self.skill_index: dict[str, int] = {}
        for posting in postings:
            for skill in posting.skills:
                self.skill_index.setdefault(skill, len(self.skill_index))
        df = np.zeros(len(self.skill_index), dtype=np.float64)
        for posting in postings:
            for skill in set(posting.skills):
                df[self.skill_index[skill]] += 1
        n = len(postings)
        self.skill_weight = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
        self.major_index: dict[str, int] = {}
        for posting in postings:
            for major in posting.majors:
                self.major_index.setdefault(norm_key(major), len(self.major_index))

    def area_key(self, area_code: str, willing: tuple[str, ...]) -> tuple[tuple[int, ...], ...]:
        """The nodes a seeker accepts (their county, their willing areas) and the broader
        nodes they live under; cached, since most seekers share a few combinations."""
        key = (area_code, willing)
        found = self._area_keys.get(key)
        if found is None:
            nodes = self.area_nodes
            accepted = tuple(sorted({nodes[c] for c in (area_code, *willing)}))
            broad = tuple(sorted(nodes[c] for c in areas().ancestors(area_code)[1:]))
            found = self._area_keys[key] = (accepted, broad)
        return found

    def skill_matrix(
        self, items: Sequence[PostingInput | SeekerInput], *, weighted: bool
    ) -> sparse.csr_matrix:
        """Skills as a sparse matrix: weighted and summing to 1 per posting (so that a
        product with a seeker's 0/1 row is the weighted coverage), or 0/1."""
        index = self.skill_index
        pairs = [
            (i, index[skill])
            for i, item in enumerate(items)
            for skill in dict.fromkeys(item.skills)
            if skill in index
        ]
        rows = np.fromiter((r for r, _ in pairs), dtype=np.int64, count=len(pairs))
        cols = np.fromiter((c for _, c in pairs), dtype=np.int64, count=len(pairs))
        vals = self.skill_weight[cols] if weighted else np.ones(len(pairs), np.float32)
        if weighted:
            totals = np.bincount(rows, weights=vals, minlength=len(items))
            vals = (vals / totals[rows]).astype(np.float32)
        return sparse.csr_matrix(
            (vals, (rows, cols)), shape=(len(items), max(1, len(self.skill_index)))
        )

    def major_matrix(self, majors: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        """0/1 rows of the known majors among each item's majors."""
        pairs = [
            (i, self.major_index[norm_key(m)])
            for i, names in enumerate(majors)
            for m in names
            if norm_key(m) in self.major_index
        ]
        rows = [r for r, _ in pairs]
        cols = [c for _, c in pairs]
        return sparse.csr_matrix(
            (np.ones(len(pairs), dtype=np.float32), (rows, cols)),
            shape=(len(majors), max(1, len(self.major_index))),
        )


class Ranker:
    def __init__(
        self,
        postings: Sequence[PostingInput],
        settings: RankerSettings,
        *,
        today: date,
        min_df: int = 2,
        max_df: float = 0.1,
        vocabulary: Vocabulary | None = None,
    ) -> None:
        self.postings = list(postings)
        self.vocabulary = vocabulary or Vocabulary(
            self.postings, settings, min_df=min_df, max_df=max_df
        )
        vocab = self.vocabulary
        self.settings = vocab.settings
        self.today = today
        self.weights, self.w = vocab.weights, vocab.w
        self.text_model, self.title_model = vocab.text_model, vocab.title_model
        self.categories, self.area_nodes = vocab.categories, vocab.area_nodes
        self.skill_index, self.skill_weight = vocab.skill_index, vocab.skill_weight
        self.major_index = vocab.major_index
        self._build_posting_arrays()

    @cached_property
    def posting_row(self) -> dict[int, int]:
        """Posting id -> its index in this ranker."""
        return {pid: j for j, pid in enumerate(self.posting_id.tolist())}

    # Row-aligned posting arrays: what ``with_changes`` keeps or appends row by row.
    _ROW_ARRAYS = (
        "posting_id",
        "employer",
        "category",
        "area",
        "city",
        "remote",
        "open",
        "openings",
        "salary",
        "freshness",
        "favoured",
        "demand",
        "intrinsic",
        "bridges",
        "compat_values",
        "extra_values",
    )
    _ROW_MATRICES = ("text", "title", "skills", "majors")

    def _build_posting_arrays(self) -> None:
        postings, index = self.postings, areas()
        n = len(postings)
        self.posting_id = np.array([p.id for p in postings], dtype=np.int64)
        self.employer = np.array([p.employer_id for p in postings], dtype=np.int64)
        self.category = np.array([self.categories[p.category] for p in postings], dtype=np.int32)
        self.area = np.array([self.area_nodes[p.area_code] for p in postings], dtype=np.int32)
        self.city = np.array(
            [self.area_nodes[index.city(p.area_code)] for p in postings], dtype=np.int32
        )
        self.remote = np.array(["remote" in p.work_modes for p in postings], dtype=bool)
        self.open = np.array(
            [
                p.status == "open"
                and p.openings > 0
                and (p.deadline is None or p.deadline >= self.today)
                for p in postings
            ],
            dtype=bool,
        )
        self.openings = np.array([p.openings for p in postings], dtype=np.int64)
        salary = [p.salary_max if p.salary_max is not None else p.salary_min for p in postings]
        self.salary = np.array([np.nan if s is None else s for s in salary], dtype=np.float32)
        ages = np.array([max(p.age_days, 0.0) for p in postings], dtype=np.float64)
        self.freshness = np.exp(-ages / self.settings.freshness_days).astype(np.float32)
        favoured = self.settings.favoured_employer_kinds
        self.favoured = np.array([p.employer_kind in favoured for p in postings], dtype=bool)

        dims = dimension_keys()
        self.demand = np.array(
            [[p.demands[d] for d in dims] for p in postings], dtype=np.int8
        ).reshape(n, len(dims))
        self.intrinsic = np.array(
            [[d in p.intrinsic for d in dims] for p in postings], dtype=bool
        ).reshape(n, len(dims))
        # Per posting and dimension: the offered accommodations (bits) that bridge its demand.
        self.bridges = np.array(
            [_bridging_bits(tuple(p.demands[d] for d in dims), p.accommodations) for p in postings],
            dtype=np.int64,
        ).reshape(n, len(dims))
        compat_rows, extra_rows = [], []
        for p in postings:
            unbridged = _unbridged(
                tuple(p.demands[d] for d in dimension_keys()), p.accommodations, p.intrinsic
            )
            suitable = _ANY_TYPE if p.suitable_types is None else _bits(p.suitable_types, _TYPES)
            compat_rows.append((p.education_rank, int(p.graduate_only), suitable, *unbridged))
            extra_rows.append(
                (
                    _bits(p.work_modes, _MODES),
                    _bits(p.accommodations, _ACCOMMODATIONS),
                    int(p.employer_kind in favoured),
                )
            )
        self.compat_values = np.array(compat_rows, dtype=np.int32).reshape(n, 3 + len(dims))
        self.extra_values = np.array(extra_rows, dtype=np.int32).reshape(n, 3)
        self.text = self.text_model.transform([p.text for p in postings])
        self.title = self.title_model.transform([p.title for p in postings])
        self.skills = self.vocabulary.skill_matrix(postings, weighted=True)
        self.majors = self.vocabulary.major_matrix([p.majors for p in postings])
        self._finish()

    def _finish(self) -> None:
        """What follows from the row arrays: signatures, weighted matrices, area buckets."""
        self.compat_sig, self.compat_rows = _distinct(self.compat_values)
        self.extra_sig, self.extra_rows = _distinct(self.extra_values)
        # Pre-weighted copies for block scoring: one product gives the weighted part.
        w = self.w
        # Postings with a gender or age limit staff accepted: few, checked one by one.
        self.restricted = {
            row: p.restriction for row, p in enumerate(self.postings) if p.restriction is not None
        }
        self._text_scaled = (self.text * (w["text"] * self.settings.text_scale)).tocsr()
        self._title_weighted = (self.title * w["title"]).tocsr()
        self._skills_weighted = (self.skills * w["skills"]).tocsr()
        # Open postings under each area node (its subtree) and exactly at it.
        self.under: dict[int, list[int]] = defaultdict(list)
        self.at: dict[int, list[int]] = defaultdict(list)
        self.remote_open = np.flatnonzero(self.remote & self.open)
        for row in np.flatnonzero(self.open).tolist():
            node = int(self.area[row])
            self.at[node].append(row)
            for ancestor in self.vocabulary.area_ancestors[node]:
                self.under[ancestor].append(row)

    def with_changes(
        self, *, removed: Iterable[int], added: Sequence[PostingInput], today: date
    ) -> Ranker:
        """This ranker without the postings ``removed`` (ids) and with ``added``, sharing the
        vocabulary: the kept rows are copied, only the added ones are computed."""
        gone = np.isin(self.posting_id, list(removed))
        fresh = Ranker(added, self.settings, today=today, vocabulary=self.vocabulary)
        joined = object.__new__(Ranker)
        for name in (
            "vocabulary",
            "settings",
            "today",
            "weights",
            "w",
            "text_model",
            "title_model",
            "categories",
            "area_nodes",
            "skill_index",
            "skill_weight",
            "major_index",
        ):
            setattr(joined, name, getattr(fresh, name))
        joined.postings = [
            p for p, g in zip(self.postings, gone.tolist(), strict=True) if not g
        ] + list(added)
        keep = ~gone
        for name in self._ROW_ARRAYS:
            setattr(joined, name, np.concatenate([getattr(self, name)[keep], getattr(fresh, name)]))
        for name in self._ROW_MATRICES:
            setattr(
                joined,
                name,
                sparse.vstack([getattr(self, name)[keep], getattr(fresh, name)], format="csr"),
            )
        joined._finish()
        return joined

    # --- seekers ------------------------------------------------------------------------

    def seeker_set(self, seekers: Sequence[SeekerInput]) -> SeekerSet:
        return SeekerSet(self.vocabulary, seekers)

    # --- scoring ------------------------------------------------------------------------

    def candidates(
        self,
        seekers: SeekerSet,
        *,
        keep: int | None = None,
        rows: np.ndarray | None = None,
        postings: np.ndarray | None = None,
    ) -> Candidates:
        """The ``keep`` best feasible postings of each eligible seeker (all rows, or
        ``rows``), among all postings or the sorted index array ``postings``."""
        keep = keep or self.settings.candidates_per_seeker
        rows = np.arange(len(seekers.items)) if rows is None else rows
        compat = self._compat_table(seekers)
        extras = self._extra_table(seekers)
        feasible_count = np.zeros(len(seekers.items), dtype=np.int64)
        per_posting = _Tally(len(self.posting_id))
        tasks = []
        for group_rows, columns in seekers.groups(self, rows):
            if postings is not None:
                columns = np.intersect1d(columns, postings, assume_unique=True)
            if not len(columns):
                continue
            # Large groups are cut into pieces so that the threads share the work evenly.
            piece = max(1, _TASK_CELLS // len(columns))
            for start in range(0, len(group_rows), piece):
                tasks.append((group_rows[start : start + piece], columns))

        def score(
            task: tuple[np.ndarray, np.ndarray],
        ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
            group_rows, columns = task
            return self._score_group(
                seekers, group_rows, columns, compat, extras, keep, feasible_count, per_posting
            )

        if len(tasks) <= 1:  # one seeker on demand: no thread pool to start
            found = [part for task in tasks for part in score(task)]
        else:
            # numpy and scipy release the GIL in the array work, so threads use every core.
            with ThreadPoolExecutor(max_workers=_threads()) as pool:
                found = [part for result in pool.map(score, tasks) for part in result]
        if not found:
            empty = np.zeros(0, dtype=np.int64)
            return Candidates(
                empty, empty, np.zeros(0, np.float32), feasible_count, per_posting.counts
            )
        return Candidates(
            np.concatenate([f[0] for f in found]),
            np.concatenate([f[1] for f in found]),
            np.concatenate([f[2] for f in found]),
            feasible_count,
            per_posting.counts,
        )

    def _score_group(
        self,
        seekers: SeekerSet,
        group_rows: np.ndarray,
        columns: np.ndarray,
        compat: np.ndarray,
        extras: np.ndarray,
        keep: int,
        feasible_count: np.ndarray,
        per_posting: _Tally,
    ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Score the seekers of one area group against the postings their area admits.

        The posting-side text matrix is cut to the group's postings and transposed once.
        Every part that depends on a few traits of the seeker (signatures, pay wanted,
        place) is computed once per distinct value in the block and gathered by row, which
        costs about a nanosecond per cell; the constraints enter the same way, as 0 or -inf.
        """
        # For many seekers, the group's posting matrices are transposed once (one seeker
        # on demand would pay more for that than for the products themselves).
        transposed = len(group_rows) > _FEW_SEEKERS
        text_t = _Side(self._text_scaled[columns], transposed)
        title_t = _Side(self._title_weighted[columns], transposed)
        skills_t = _Side(self._skills_weighted[columns], transposed)
        majors_t = _Side(self.majors[columns], transposed)
        fixed = self._group_columns(columns)
        group_rows = group_rows[np.argsort(seekers.compat_sig[group_rows], kind="stable")]
        step = max(1, _BLOCK_CELLS // len(columns))
        found = []
        for start in range(0, len(group_rows), step):
            block = group_rows[start : start + step]
            score = self._block_scores(
                seekers, block, columns, fixed, compat, extras, text_t, title_t, skills_t, majors_t
            )
            for row, declined in seekers.declined_in(block):
                score[row, np.isin(self.posting_id[columns], declined)] = -np.inf
            for column, refused in self.restricted_in(seekers, block, columns):
                score[refused, column] = -np.inf
            feasible = np.isfinite(score)
            feasible_count[block] = feasible.sum(axis=1)
            per_posting.add(columns, feasible.sum(axis=0))
            found.append(self._keep_best(block, columns, score, feasible, keep))
        return found

    def restricted_in(
        self, seekers: SeekerSet, rows: np.ndarray, columns: np.ndarray
    ) -> list[tuple[int, np.ndarray]]:
        """(index within ``columns``, which of ``rows`` the posting's accepted gender or age
        limit refuses) for the restricted postings among ``columns``."""
        if not self.restricted:
            return []
        found = []
        for k in np.flatnonzero(np.isin(columns, list(self.restricted))).tolist():
            limit = self.restricted[int(columns[k])]
            refused = np.zeros(len(rows), dtype=bool)
            if limit.gender:
                gender = seekers.gender[rows]
                refused |= (gender != "") & (gender != limit.gender)
            born = seekers.birth_year[rows]
            age = self.today.year - born
            if limit.age_min is not None:
                refused |= (born > 0) & (age < limit.age_min)
            if limit.age_max is not None:
                refused |= (born > 0) & (age > limit.age_max)
            found.append((k, refused))
        return found

    def _group_columns(self, columns: np.ndarray) -> dict[str, np.ndarray]:
        """Posting-side values of the group's postings, used by every block."""
        return {
            "compat": self.compat_sig[columns],
            "extra": self.extra_sig[columns],
            "salary": self.salary[columns][None, :],
            "area": self.area[columns][None, :],
            "city": self.city[columns][None, :],
            "remote": self.remote[columns][None, :],
            "category": self.category[columns],
            "freshness": (self.w["freshness"] * self.freshness[columns])[None, :],
        }

    def _block_scores(
        self,
        seekers: SeekerSet,
        block: np.ndarray,
        columns: np.ndarray,
        fixed: dict[str, np.ndarray],
        compat: np.ndarray,
        extras: np.ndarray,
        text_t: _Side,
        title_t: _Side,
        skills_t: _Side,
        majors_t: _Side,
    ) -> np.ndarray:
        """Weighted scores of a block of seekers × the group's postings; -inf where a
        constraint fails."""
        w = self.w
        signatures, which = np.unique(seekers.compat_sig[block], return_inverse=True)
        allowed = compat[signatures][:, fixed["compat"]]
        score = np.where(allowed, np.float32(0.0), np.float32(-np.inf))[which.ravel()]
        extra, which = np.unique(seekers.extra_sig[block], return_inverse=True)
        score += np.take(extras[extra], fixed["extra"], axis=1)[which.ravel()]
        wanted, which = np.unique(seekers.min_salary[block], return_inverse=True)
        score += (w["pay"] * _pay(wanted[:, None], fixed["salary"]))[which.ravel()]
        places, which = np.unique(seekers.place[block], return_inverse=True)
        first = block[_first_index(which.ravel(), len(places))]
        score += (
            w["proximity"]
            * _proximity(
                seekers.area[first][:, None],
                seekers.city[first][:, None],
                fixed["area"],
                fixed["city"],
                fixed["remote"],
            )
        )[which.ravel()]
        score += fixed["freshness"]
        score += seekers.affinity[block][:, fixed["category"]]
        text = text_t.times(seekers.text[block]).toarray()
        np.minimum(text, w["text"], out=text)
        score += text
        for side, mine in ((skills_t, seekers.skills), (title_t, seekers.wish)):
            found = side.times(mine[block]).tocoo()
            score[found.row, found.col] += found.data
        listed = majors_t.times(seekers.majors[block]).tocoo()
        if listed.nnz:
            field = seekers.major_field[block[listed.row], fixed["category"][listed.col]]
            score[listed.row, listed.col] += w["major"] * (1.0 - 0.8 * field)
        return score

    @staticmethod
    def _keep_best(
        block: np.ndarray,
        columns: np.ndarray,
        score: np.ndarray,
        feasible: np.ndarray,
        keep: int,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if score.shape[1] > keep:
            best = np.argpartition(-score, keep - 1, axis=1)[:, :keep]
        else:
            best = np.broadcast_to(np.arange(score.shape[1]), score.shape)
        rows = np.repeat(np.arange(len(block)), best.shape[1])
        cols = best.ravel()
        chosen = feasible[rows, cols]
        return block[rows[chosen]], columns[cols[chosen]], score[rows[chosen], cols[chosen]]

    def _compat_table(self, seekers: SeekerSet) -> np.ndarray:
        """Whether each seeker signature passes each posting signature's constraints."""
        p = self.compat_rows
        table = np.zeros((len(seekers.compat_rows), len(p)), dtype=bool)
        for start in range(0, len(seekers.compat_rows), 256):  # bounds the 3-d temporary
            s = seekers.compat_rows[start : start + 256]
            ok = s[:, None, 0] >= p[None, :, 0]  # education
            ok &= (p[None, :, 1] == 0) | (s[:, None, 1] == 1)  # graduate-only
            ok &= (s[:, None, 2] & p[None, :, 2]) != 0  # suitable types
            ok &= (s[:, None, 3:] >= p[None, :, 3:]).all(axis=2)  # capacity vs unbridged
            table[start : start + len(s)] = ok
        return table

    def _extra_table(self, seekers: SeekerSet) -> np.ndarray:
        """Work mode, accommodations and employer-kind parts, weighted, per signature pair."""
        s, p = seekers.extra_rows, self.extra_rows
        wanted_modes, offered_modes = s[:, None, 0], p[None, :, 0]
        mode = np.where(
            (wanted_modes == 0) | (offered_modes == 0),
            0.5,
            ((wanted_modes & offered_modes) != 0).astype(np.float32),
        )
        needed = s[:, None, 1]
        needed_count = _popcount(s[:, 1])[:, None]
        met = _popcount(needed & p[None, :, 1])
        accommodations = np.where(needed == 0, 1.0, met / np.maximum(needed_count, 1.0))
        kind = (s[:, None, 2] == 1) & (p[None, :, 2] == 1)
        w = self.w
        table = w["mode"] * mode + w["accommodations"] * accommodations + w["employer_kind"] * kind
        result: np.ndarray = table.astype(np.float32)
        return result

    # --- parts of given pairs -----------------------------------------------------------

    def pair_parts(
        self, seekers: SeekerSet, seeker_rows: np.ndarray, posting_rows: np.ndarray
    ) -> np.ndarray:
        """Score parts (pairs × PARTS, in the order of weights.PARTS) of given pairs."""
        i, j = seeker_rows, posting_rows
        category = self.category[j]
        desired = seekers.desired[i, category].astype(np.float32)
        skills = np.asarray(seekers.skills[i].multiply(self.skills[j]).sum(axis=1)).ravel()
        text = np.asarray(seekers.text[i].multiply(self.text[j]).sum(axis=1)).ravel()
        text = np.minimum(text * self.settings.text_scale, 1.0)
        title = np.asarray(seekers.wish[i].multiply(self.title[j]).sum(axis=1)).ravel()
        listed = np.asarray(seekers.majors[i].multiply(self.majors[j]).sum(axis=1)).ravel() > 0
        field = seekers.major_field[i, category]
        major = np.minimum(1.0, 0.8 * field + listed)
        proximity = _proximity(
            seekers.area[i], seekers.city[i], self.area[j], self.city[j], self.remote[j]
        )
        extras = self._extra_parts(seekers, i, j)
        pay = _pay(seekers.min_salary[i], self.salary[j])
        return np.column_stack(
            [
                desired,
                title,
                skills,
                text,
                major,
                proximity,
                extras["accommodations"],
                pay,
                extras["mode"],
                extras["employer_kind"],
                self.freshness[j],
            ]
        ).astype(np.float32)

    def needs_accommodation(self, seekers: SeekerSet, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Per pair, the offered accommodations (bits) that bridge a gap between demand and
        capacity on some dimension that is not intrinsic."""
        capacity = seekers.compat_rows[seekers.compat_sig[i], 3:]
        gap = (self.demand[j] > capacity) & ~self.intrinsic[j]
        bits: np.ndarray = np.bitwise_or.reduce(np.where(gap, self.bridges[j], 0), axis=1)
        return bits

    def _extra_parts(
        self, seekers: SeekerSet, i: np.ndarray, j: np.ndarray
    ) -> dict[str, np.ndarray]:
        s, p = seekers.extra_rows[seekers.extra_sig[i]], self.extra_rows[self.extra_sig[j]]
        mode = np.where(
            (s[:, 0] == 0) | (p[:, 0] == 0), 0.5, ((s[:, 0] & p[:, 0]) != 0).astype(np.float32)
        )
        met = _popcount(s[:, 1] & p[:, 1])
        needed = _popcount(s[:, 1])
        accommodations = np.where(needed == 0, 1.0, met / np.maximum(needed, 1.0))
        kind = ((s[:, 2] == 1) & (p[:, 2] == 1)).astype(np.float32)
        return {"mode": mode, "accommodations": accommodations, "employer_kind": kind}

    def pairs_feasible(self, seekers: SeekerSet, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Whether each given pair passes every constraint (for a few pairs, such as the
        pinned ones; the area rule is the reference's, one pair at a time)."""
        compat = self._compat_table(seekers)
        ok: np.ndarray = self.open[j] & seekers.eligible[i]
        ok &= compat[seekers.compat_sig[i], self.compat_sig[j]]
        for k in np.flatnonzero(ok).tolist():
            seeker, posting = seekers.items[int(i[k])], self.postings[int(j[k])]
            limit = posting.restriction
            ok[k] = (
                posting.id not in seeker.declined
                and ReferenceRanker.area_ok(seeker, posting)
                and (limit is None or limit.admits(seeker.gender, seeker.birth_year, self.today))
            )
        return ok

    def feasible_matrix(self, seekers: SeekerSet) -> np.ndarray:
        """Every seeker × every posting, feasible or not (tests, benchmarks: dense, so for
        thousands of seekers, not hundreds of thousands)."""
        result = np.zeros((len(seekers.items), len(self.postings)), dtype=bool)
        compat = self._compat_table(seekers)
        for group_rows, columns in seekers.groups(self, np.arange(len(seekers.items))):
            ok = compat[np.ix_(seekers.compat_sig[group_rows], self.compat_sig[columns])]
            for k, declined in seekers.declined_in(group_rows):
                ok[k] &= ~np.isin(self.posting_id[columns], declined)
            for column, refused in self.restricted_in(seekers, group_rows, columns):
                ok[refused, column] = False
            result[np.ix_(group_rows, columns)] = ok
        return result


class SeekerSet:
    """The seekers' arrays, in a vocabulary's terms. Row-aligned, so that sets can be
    joined (``extend``) when some seekers change between refreshes."""

    _ROW_ARRAYS = (
        "area",
        "city",
        "place",
        "eligible",
        "graduate",
        "min_salary",
        "desired",
        "major_field",
        "affinity",
        "compat_values",
        "extra_values",
        "accepted",
        "broad",
        "gender",
        "birth_year",
    )
    _ROW_MATRICES = ("text", "wish", "skills", "majors")

    def __init__(self, vocabulary: Vocabulary, seekers: Sequence[SeekerInput]) -> None:
        self.vocabulary = vocabulary
        self.items = list(seekers)
        index, nodes, w = areas(), vocabulary.area_nodes, vocabulary.w
        n, categories = len(self.items), vocabulary.categories
        self.area = np.array([nodes[s.area_code] for s in self.items], dtype=np.int32)
        city = {code: nodes[index.city(code)] for code in {s.area_code for s in self.items}}
        self.city = np.array([city[s.area_code] for s in self.items], dtype=np.int32)
        self.place = self.area.astype(np.int64) * (1 << 20) + self.city  # area and city
        self.eligible = np.array([s.eligible for s in self.items], dtype=bool)
        self.graduate = np.array([s.is_graduate for s in self.items], dtype=bool)
        self.gender = np.array([s.gender for s in self.items], dtype="<U8")
        self.birth_year = np.array([s.birth_year or 0 for s in self.items], dtype=np.int32)
        self.min_salary = np.array([s.min_salary or np.nan for s in self.items], dtype=np.float32)
        self.desired = np.zeros((n, len(categories)), dtype=bool)
        self.major_field = np.zeros((n, len(categories)), dtype=np.float32)
        cells = [(r, categories[c]) for r, s in enumerate(self.items) for c in s.desired_categories]
        if cells:
            self.desired[tuple(np.array(cells).T)] = True
        cells = [
            (r, categories[c])
            for r, s in enumerate(self.items)
            if s.major
            for c in s.major_categories
        ]
        if cells:
            self.major_field[tuple(np.array(cells).T)] = 1.0
        self.affinity = (w["desired"] * self.desired + w["major"] * 0.8 * self.major_field).astype(
            np.float32
        )
        self.text = vocabulary.text_model.transform([s.text for s in self.items])
        self.wish = vocabulary.title_model.transform([s.desired_text for s in self.items])
        self.skills = vocabulary.skill_matrix(self.items, weighted=False)
        self.majors = vocabulary.major_matrix([[s.major] if s.major else [] for s in self.items])
        dims = dimension_keys()
        self.compat_values = np.array(
            [
                (
                    s.education_rank,
                    int(s.is_graduate),
                    _bits(s.disability_types, _TYPES),
                    *(s.capacity[d] for d in dims),
                )
                for s in self.items
            ],
            dtype=np.int32,
        ).reshape(n, 3 + len(dims))
        self.extra_values = np.array(
            [
                (
                    _bits(s.work_modes, _MODES),
                    _bits(s.accommodations_needed, _ACCOMMODATIONS),
                    int(s.is_graduate),
                )
                for s in self.items
            ],
            dtype=np.int32,
        ).reshape(n, 3)
        # The area key: the nodes a seeker accepts (their county, their willing areas) and
        # the broader nodes they live under (postings listed for a whole city reach them).
        keys = [vocabulary.area_key(s.area_code, s.willing_areas) for s in self.items]
        self.accepted = _objects([k[0] for k in keys])
        self.broad = _objects([k[1] for k in keys])
        self._finish()

    def _finish(self) -> None:
        """Signatures (distinct trait combinations) and the declined postings."""
        self.compat_sig, self.compat_rows = _distinct(self.compat_values)
        self.extra_sig, self.extra_rows = _distinct(self.extra_values)
        self.declined = {
            row: np.array(sorted(s.declined), dtype=np.int64)
            for row, s in enumerate(self.items)
            if s.declined
        }

    def extend(self, seekers: Sequence[SeekerInput]) -> SeekerSet:
        """This set with more seekers appended (rows of the old ones keep their index)."""
        more = SeekerSet(self.vocabulary, seekers)
        joined = object.__new__(SeekerSet)
        joined.vocabulary = self.vocabulary
        joined.items = self.items + more.items
        for name in self._ROW_ARRAYS:
            setattr(joined, name, np.concatenate([getattr(self, name), getattr(more, name)]))
        for name in self._ROW_MATRICES:
            setattr(
                joined,
                name,
                sparse.vstack([getattr(self, name), getattr(more, name)], format="csr"),
            )
        joined._finish()
        return joined

    def declined_in(self, block: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """(row within the block, declined posting ids) for the seekers in the block."""
        if not self.declined:
            return []
        return [(k, self.declined[int(r)]) for k, r in enumerate(block) if int(r) in self.declined]

    def groups(self, ranker: Ranker, rows: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Eligible seekers among ``rows`` grouped by the postings of ``ranker`` their area
        admits. Different keys often admit the same postings (everyone willing to work
        anywhere, whatever their county): such groups are merged, to be scored together."""
        by_key: dict[tuple[tuple[int, ...], tuple[int, ...]], list[int]] = defaultdict(list)
        for row in rows[self.eligible[rows]].tolist():
            by_key[(self.accepted[row], self.broad[row])].append(row)
        merged: dict[bytes, tuple[list[int], np.ndarray]] = {}
        remote = set(ranker.remote_open.tolist())
        for (accepted, broad), members in by_key.items():
            columns: set[int] = set(remote)
            for node in accepted:
                columns.update(ranker.under.get(node, ()))
            for node in broad:
                columns.update(ranker.at.get(node, ()))
            admitted = np.array(sorted(columns), dtype=np.int64)
            merged.setdefault(admitted.tobytes(), ([], admitted))[0].extend(members)
        return [
            (np.array(members, dtype=np.int64), admitted) for members, admitted in merged.values()
        ]
