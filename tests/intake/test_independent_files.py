"""The independent benchmark set's files (bench/independent) import as an office's would:
every seeker and every posting, with no error, whatever their wording."""

from __future__ import annotations

from bench.independent import generate
from matcher.intake import import_file
from tests.helpers import TODAY


def test_the_independent_sets_files_import_without_an_error(engine, vault, tmp_path):
    truth = generate.write(tmp_path, seekers=120, postings=120, seed=5, today=TODAY)
    for kind in ("postings", "seekers"):
        report = import_file(engine, vault, kind=kind, path=tmp_path / f"{kind}.csv")
        assert report.errors == [], [(p.row, p.column, p.reason) for p in report.errors[:5]]
        assert report.written and report.new == 120, report.summary()
    assert {t["half"] for t in truth["seekers"].values()} == {"train", "test"}
