"""Refresh speed and memory at three sizes, JobBridge beside what a team would run instead.

    python -m bench.ranker_speed [--sizes 10000x2000,30000x6000,100000x20000] [--repeats 3]

For each size, demo data goes into a new SQLite database once; then every method runs in a
fresh process, several times, and the median time and the peak memory are reported:

* JobBridge full refresh, end to end: load, rank every seeker (constraints, scores,
  allocation, reasons), store and switch the recommendations;
* JobBridge ranking alone (the same, without the database: inputs already loaded);
* tantivy: BM25 in Rust (Lucene-style) over jieba words, top-5 per seeker, unconstrained:
  indexing and querying (the words are cut beforehand);
* bm25s over jieba words, top-5 per seeker, unconstrained: indexing and retrieving;
* jieba cutting the same texts into words, which both BM25 baselines need first;
* the floor: one bare sparse TF-IDF product and top-5, on JobBridge's own matrices (built
  beforehand, not timed);
* a naive per-pair Python scorer (the reference ranker): a sample of pairs is timed and
  the time extrapolated to every pair, as the table says.

Then, at the largest size, with the refresher warm (as in the scheduler): an incremental
refresh after 100 new postings, and one seeker ranked on demand (p50/p95 over 200 seekers).
"""

from __future__ import annotations

import argparse
import base64
import random
import shutil
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jieba
import numpy as np

from bench.common import measure, median_seconds, peak_mb, table
from matcher import demo
from matcher.core import schema
from matcher.core.db import make_engine, read_session
from matcher.intake import import_file
from matcher.matching.inputs import load_postings, load_seekers
from matcher.matching.refresh import Refresher
from matcher.people.identifiers import Vault
from matcher.ranker.engine import Ranker
from matcher.ranker.lexical import BigramTfidf
from matcher.ranker.reference import ReferenceRanker
from matcher.ranker.run import rank_with
from matcher.ranker.weights import load_settings

KEY = base64.urlsafe_b64decode("YmVuY2gta2V5LWJlbmNoLWtleS1iZW5jaC1rZXktMzI=")
NAIVE_SAMPLE = 20_000


def prepare(folder: str, seekers: int, postings: int) -> dict[str, Any]:
    engine = make_engine(f"sqlite:///{Path(folder) / 'speed.sqlite3'}")
    schema.upgrade(engine)
    demo.load(engine, Vault(KEY), seekers=seekers, postings=postings)
    Refresher(engine).full()  # a refresh has run before: the timed ones replace its set
    engine.dispose()
    return {}


def _engine(folder: str) -> Any:
    return make_engine(f"sqlite:///{Path(folder) / 'speed.sqlite3'}")


def _inputs(folder: str) -> tuple[list[Any], list[Any]]:
    engine = _engine(folder)
    with read_session(engine) as session:
        postings = load_postings(session, today=date.today())
        seekers = load_seekers(session)
    engine.dispose()
    return postings, seekers


def jobbridge_refresh(folder: str) -> dict[str, Any]:
    engine = _engine(folder)
    summary = Refresher(engine).full()
    engine.dispose()
    return {
        "seconds": summary.seconds,
        "pairs": summary.feasible_pairs,
        "recommendations": summary.recommendations,
    }


def jobbridge_ranking(folder: str) -> dict[str, Any]:
    postings, seekers = _inputs(folder)
    started = time.perf_counter()
    ranker = Ranker(postings, load_settings(), today=date.today())
    ranked = rank_with(ranker, ranker.seeker_set(seekers))
    return {"seconds": time.perf_counter() - started, "recommendations": len(ranked.rows)}


def _words(texts: list[str]) -> list[list[str]]:
    jieba.setLogLevel(60)
    return [[w for w in jieba.lcut(t) if w.strip()] for t in texts]


def tantivy_top5(folder: str) -> dict[str, Any]:
    import tantivy

    postings, seekers = _inputs(folder)
    posting_words, seeker_words = (
        _words([p.text for p in postings]),
        _words([s.text for s in seekers]),
    )
    started = time.perf_counter()
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("row", stored=True, indexed=False)
    builder.add_text_field("body", stored=False, tokenizer_name="whitespace")
    index_schema = builder.build()
    index = tantivy.Index(index_schema)
    writer = index.writer(200_000_000, 1)
    for row, words in enumerate(posting_words):
        writer.add_document(tantivy.Document(row=row, body=" ".join(words)))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    found = 0
    for words in seeker_words:
        terms = [
            (tantivy.Occur.Should, tantivy.Query.term_query(index_schema, "body", w))
            for w in dict.fromkeys(words)
        ]
        if terms:
            found += len(searcher.search(tantivy.Query.boolean_query(terms), 5).hits)
    return {"seconds": time.perf_counter() - started, "recommendations": found}


def bm25s_top5(folder: str) -> dict[str, Any]:
    import bm25s

    postings, seekers = _inputs(folder)
    started = time.perf_counter()
    retriever = bm25s.BM25()
    retriever.index(_words([p.text for p in postings]), show_progress=False)
    docs, _ = retriever.retrieve(
        _words([s.text for s in seekers]), k=5, show_progress=False, n_threads=2
    )
    return {"seconds": time.perf_counter() - started, "recommendations": int(docs.size)}


def jieba_words(folder: str) -> dict[str, Any]:
    postings, seekers = _inputs(folder)
    _words(["预热"])  # jieba loads its dictionary on first use: not part of the cutting
    started = time.perf_counter()
    words = _words([p.text for p in postings]) + _words([s.text for s in seekers])
    return {"seconds": time.perf_counter() - started, "recommendations": len(words)}


def floor(folder: str) -> dict[str, Any]:
    postings, seekers = _inputs(folder)
    model = BigramTfidf().fit([p.text for p in postings])
    posting_matrix = model.transform([p.text for p in postings]).T.tocsr()
    seeker_matrix = model.transform([s.text for s in seekers])
    started = time.perf_counter()
    kept = 0
    for start in range(0, seeker_matrix.shape[0], 2000):
        scores = (seeker_matrix[start : start + 2000] @ posting_matrix).toarray()
        best = np.argpartition(-scores, 4, axis=1)[:, :5]
        kept += best.size
    return {"seconds": time.perf_counter() - started, "recommendations": kept}


def naive(folder: str) -> dict[str, Any]:
    postings, seekers = _inputs(folder)
    reference = ReferenceRanker(postings, load_settings(), today=date.today())
    chooser = random.Random(1)
    pairs = [(chooser.choice(seekers), chooser.choice(postings)) for _ in range(NAIVE_SAMPLE)]
    started = time.perf_counter()
    for seeker, posting in pairs:
        if reference.feasible(seeker, posting):
            reference.score(seeker, posting)
    per_pair = (time.perf_counter() - started) / NAIVE_SAMPLE
    return {"seconds": per_pair * len(seekers) * len(postings), "per_pair_us": per_pair * 1e6}


def warm_figures(folder: str) -> dict[str, Any]:
    """Incremental after 100 new postings, and one seeker on demand, with a warm refresher."""
    work = Path(folder) / "warm.sqlite3"
    shutil.copy(Path(folder) / "speed.sqlite3", work)
    engine = make_engine(f"sqlite:///{work}")
    refresher = Refresher(engine)
    refresher.full()
    postings_file = Path(folder) / "new_postings.csv"
    _new_postings(postings_file, 100)
    assert import_file(engine, Vault(KEY), kind="postings", path=postings_file).ok
    incremental = refresher.incremental()
    with read_session(engine) as session:
        ids = [s.id for s in load_seekers(session)]
    chooser = random.Random(2)
    times = []
    for seeker_id in chooser.sample(ids, 200):
        started = time.perf_counter()
        refresher.seekers([seeker_id])
        times.append(time.perf_counter() - started)
    engine.dispose()
    times.sort()
    return {
        "incremental": incremental.seconds,
        "affected": incremental.seekers,
        "p50": statistics.median(times),
        "p95": times[int(0.95 * len(times)) - 1],
    }


def _new_postings(path: Path, count: int) -> None:
    import csv

    data = demo.generate(seekers=0, postings=count, seed=99)
    deadline = (date.today() + timedelta(days=60)).isoformat()
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "posting_id",
                "employer",
                "employer_kind",
                "title",
                "category",
                "description",
                "requirements",
                "skills",
                "area",
                "openings",
                "deadline",
                "work_mode",
            ]
        )
        for k, p in enumerate(data.postings):
            writer.writerow(
                [
                    f"NEW-{k:04d}",
                    p.employer,
                    p.employer_kind,
                    p.title,
                    p.category,
                    p.description,
                    p.requirements,
                    p.skills_text,
                    p.area_code,
                    p.openings,
                    deadline,
                    ";".join(p.work_modes),
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000x2000,30000x6000,100000x20000")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sizes = [tuple(int(x) for x in size.split("x")) for size in args.sizes.split(",")]
    rows, growth, warm = [], [], None
    for seekers, postings in sizes:
        with tempfile.TemporaryDirectory() as folder:
            measure(prepare, folder, seekers, postings, repeats=1)
            label = f"{seekers // 1000}k × {postings // 1000}k"
            results = {
                "JobBridge full refresh (SQLite, end to end)": measure(
                    jobbridge_refresh, folder, repeats=args.repeats
                ),
                "JobBridge ranking alone (no database)": measure(
                    jobbridge_ranking, folder, repeats=args.repeats
                ),
                "tantivy BM25 (jieba), top-5, unconstrained": measure(
                    tantivy_top5, folder, repeats=args.repeats
                ),
                "bm25s (jieba), top-5, unconstrained": measure(
                    bm25s_top5, folder, repeats=args.repeats
                ),
                "floor: sparse TF-IDF product + top-5": measure(
                    floor, folder, repeats=args.repeats
                ),
                f"naive per-pair Python ({NAIVE_SAMPLE:,} pairs timed, extrapolated)": measure(
                    naive, folder, repeats=1
                ),
            }
            ours = median_seconds(results["JobBridge full refresh (SQLite, end to end)"])
            core = median_seconds(results["JobBridge ranking alone (no database)"])
            bottom = median_seconds(results["floor: sparse TF-IDF product + top-5"])
            for name, runs in results.items():
                seconds = median_seconds(runs)
                rows.append(
                    [
                        label,
                        name,
                        f"{seconds:.1f}",
                        f"{peak_mb(runs):.0f}",
                        f"{seconds / ours:.2f}",
                        f"{seconds / bottom:.2f}",
                    ]
                )
            growth.append(
                [
                    label,
                    f"{ours:.1f}",
                    f"{core:.1f}",
                    f"{bottom:.1f}",
                    f"{results['JobBridge full refresh (SQLite, end to end)'][0].info['pairs']:,}",
                ]
            )
            if (seekers, postings) == sizes[-1]:
                warm = measure(warm_figures, folder, repeats=1)[0].info
        print(f"finished {label}", flush=True)
    print(
        f"\nRefresh speed (median of {args.repeats} runs, each in a fresh process; "
        "peak = resident memory)\n"
    )
    print(table(["size", "method", "seconds", "peak MB", "× JobBridge refresh", "× floor"], rows))
    print("\nGrowth with size\n")
    print(table(["size", "full refresh s", "ranking alone s", "floor s", "feasible pairs"], growth))
    if warm:
        print(
            f"\nWarm refresher at the largest size: incremental refresh after 100 new "
            f"postings {warm['incremental']:.2f} s ({warm['affected']} seekers ranked "
            f"again); one seeker on demand p50 {warm['p50'] * 1000:.0f} ms, "
            f"p95 {warm['p95'] * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
