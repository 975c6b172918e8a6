"""The ranker's settings and score weights, kept in one place: models/.

Each score part is in [0, 1] and the weights sum to 1, so a score is in [0, 1] too.
``ranker_weights.json`` holds the hand-set weights and every other setting;
``ranker_weights_fitted.json``, when present, holds weights fitted on data
(``python -m bench.fit_weights --write``), which are used instead. A fitted file that
does not hold sound weights is passed over for the hand-set ones, with a warning. The
card of both is models/README.md.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FITTED", "HAND_SET", "PARTS", "RankerSettings", "load_settings", "models_dir"]

log = logging.getLogger(__name__)

# The score parts, in the order they are stored and shown.
PARTS = (
    "desired",
    "title",
    "skills",
    "text",
    "major",
    "proximity",
    "accommodations",
    "pay",
    "mode",
    "employer_kind",
    "freshness",
)


def models_dir() -> Path:
    configured = os.environ.get("JOBBRIDGE_MODELS_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent.parent.parent / "models"


@dataclass(frozen=True)
class RankerSettings:
    weights: dict[str, float]
    text_scale: float
    favoured_employer_kinds: frozenset[str]
    freshness_days: float
    exposure_per_opening: int  # a posting is shown to at most this many seekers per opening
    candidates_per_seeker: int  # kept per seeker for the allocation across seekers
    source: str = "hand-set"

    def weight_vector(self) -> list[float]:
        return [self.weights[part] for part in PARTS]


HAND_SET = "ranker_weights.json"
FITTED = "ranker_weights_fitted.json"


def load_settings(path: Path | None = None) -> RankerSettings:
    """The settings of ``path``; by default the fitted weights if there are sound ones,
    else the hand-set weights."""
    if path is not None:
        return _read(path)
    fitted = models_dir() / FITTED
    if fitted.is_file():
        try:
            return _read(fitted)
        except (ValueError, KeyError, TypeError) as error:
            log.warning("%s is not usable (%s): the hand-set weights are used", fitted, error)
    return _read(models_dir() / HAND_SET)


def _read(path: Path) -> RankerSettings:
    raw = json.loads(path.read_text(encoding="utf-8"))
    weights = {part: float(raw["weights"][part]) for part in PARTS}
    total = sum(weights.values())
    if abs(total - 1.0) > 1e-6 or min(weights.values()) < 0:
        raise ValueError(f"ranker weights must be non-negative and sum to 1 (they sum to {total})")
    return RankerSettings(
        weights=weights,
        text_scale=float(raw["text_scale"]),
        favoured_employer_kinds=frozenset(raw["favoured_employer_kinds"]),
        freshness_days=float(raw["freshness_days"]),
        exposure_per_opening=int(raw["exposure_per_opening"]),
        candidates_per_seeker=int(raw["candidates_per_seeker"]),
        source=str(raw.get("source", "hand-set")),
    )
