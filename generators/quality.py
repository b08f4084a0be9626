"""Quality scores for quality_scoring records: from the distortion library, or from a MOS source.

**Library** (no human scores): a pristine reference is at the top of the scale; a distorted
image is placed by its severity alone, on the common 0..100 scale of ``mos.scale``:
``c = 90 - 20 * worst level - 10 * (distortions - 1)``, clipped to [0, 100] (level 1 → 70,
level 2 → 50, level 3 → 30, level 4 → 10, level 5 → 0; a second distortion costs 10 more). The
mapping is monotone in severity and calibrated on nothing; the dataset card says so.

**MOS sources**: each dataset z-scored on its own (``mos.scale``); ``score_source`` is
``mos:<dataset>`` for published MOS, ``raw_ratings`` for a raw-ratings CSV and ``labeller`` for
the labeller's CSV; the protocol says how the scores were collected where it is known.
"""

from __future__ import annotations

from typing import Optional, Sequence

from iqa_datagen.schemas import SCORE_SCALES, QualityScore, ScoreProtocol

from .mos.scale import (DatasetStandard, check_cuts, default_cuts, level_index, scale_entry,
                        to_scale)
from .mos.types import MosEntry

LIBRARY_SCALE = ("distortion library levels 1-5 (no human ratings): pristine at the top, "
                 "distorted images monotone in severity")

# How the published datasets were rated, as far as their adapters know it. Anything not listed
# (generic CSV, raw ratings) takes the source's own ``protocol`` / ``raters`` settings.
KNOWN_PROTOCOLS: dict[str, tuple[Optional[str], Optional[int]]] = {
    "kadid10k": ("double_stimulus", 30),  # degradation category ratings beside the reference
    "pipal": ("2afc", None),  # Elo scores from paired choices
    "tid2013": ("2afc", None),  # paired comparisons against the reference
}


def _cuts(scale: str, cuts: Optional[Sequence[float]]) -> tuple[float, ...]:
    k = len(SCORE_SCALES[scale])
    return check_cuts(cuts, k) if cuts is not None else default_cuts(k)


def library_common(severities: Sequence[int]) -> float:
    """The common-scale value (0..100) of an image with these distortion levels (none: 100)."""
    if not severities:
        return 100.0
    if any(not 1 <= s <= 5 for s in severities):
        raise ValueError(f"distortion levels must be 1..5, got {list(severities)}")
    return float(min(100, max(0, 90 - 20 * max(severities) - 10 * (len(severities) - 1))))


def library_score(severities: Sequence[int], scale: str = "five",
                  cuts: Optional[Sequence[float]] = None) -> QualityScore:
    """The library's score for an image with these distortion levels (empty: pristine)."""
    levels = SCORE_SCALES[scale]
    common = library_common(severities)
    return QualityScore(scale=scale, score=to_scale(common, len(levels)),
                        level=levels[level_index(common, _cuts(scale, cuts))],
                        score_source="library",
                        protocol=ScoreProtocol(original_scale=LIBRARY_SCALE))


def mos_score(entry: MosEntry, standard: DatasetStandard, kind: str, scale: str = "five",
              cuts: Optional[Sequence[float]] = None, method: Optional[str] = None,
              raters: Optional[int] = None, observed: Optional[tuple[float, float]] = None
              ) -> QualityScore:
    """A MOS entry's score on ``scale``, with where it came from and how it was collected."""
    from .labeller.aggregate import instability  # the labeller package imports storage

    scaled = scale_entry(entry, standard, scale, _cuts(scale, cuts))
    known_method, known_raters = KNOWN_PROTOCOLS.get(kind, (None, None))
    if kind == "labeller":
        source, method = "labeller", "model"
        what = "labeller scores on the seven-word standard (1-7 plus the region term)"
    elif kind == "raw_csv":
        source = "raw_ratings"
        what = "raw ratings, z-scored per rater and rescaled to 0-100"
    else:
        source = f"mos:{entry.dataset}"
        what = f"{kind} scores"
    direction = "higher" if entry.higher_is_better else "lower"
    span = f", {observed[0]:g} to {observed[1]:g} in this data" if observed else ""
    return QualityScore(
        scale=scale, score=scaled.score, level=scaled.level, score_std=scaled.score_std,
        distribution=list(scaled.distribution or []), score_source=source,
        protocol=ScoreProtocol(method=method or known_method,
                               raters=scaled.raters or raters or known_raters,
                               original_scale=f"{what}, {direction} is better{span}"),
        instability=instability(entry.ratings) if kind == "labeller" and entry.ratings
        else None)
