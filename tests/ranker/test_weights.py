"""Which weights the ranker uses: fitted ones when sound, else the hand-set fallback."""

from __future__ import annotations

import json
import shutil

from matcher.ranker.weights import FITTED, HAND_SET, load_settings, models_dir


def test_fitted_weights_are_used_when_sound_and_the_hand_set_ones_otherwise(tmp_path, monkeypatch):
    shutil.copy(models_dir() / HAND_SET, tmp_path / HAND_SET)
    monkeypatch.setenv("JOBBRIDGE_MODELS_DIR", str(tmp_path))
    assert load_settings().source == "hand-set"  # no fitted file

    raw = json.loads((tmp_path / HAND_SET).read_text(encoding="utf-8"))
    fitted = raw | {"source": "fitted", "weights": dict.fromkeys(raw["weights"], 0.0)}
    fitted["weights"]["title"] = 1.0
    (tmp_path / FITTED).write_text(json.dumps(fitted), encoding="utf-8")
    chosen = load_settings()
    assert chosen.source == "fitted" and chosen.weights["title"] == 1.0

    fitted["weights"]["title"] = 0.5  # they no longer sum to 1
    (tmp_path / FITTED).write_text(json.dumps(fitted), encoding="utf-8")
    assert load_settings().source == "hand-set"
    (tmp_path / FITTED).write_text("{not json", encoding="utf-8")
    assert load_settings().source == "hand-set"
