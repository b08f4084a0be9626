"""Quality scores for quality_scoring records: from the distortion library, or from a MOS source.

**Library** (no human scores): a pristine reference is at the top of the scale; a distorted
image is placed by its severity alone, on the common 0..100 scale of ``mos.scale``:
``c = 90 - 20 * worst level - 10 * (distortions - 1)``, clipped to [0, 100] (level 1 → 70,
level 2 → 50, level 3 → 30, level 4 → 10, level 5 → 0; a second distortion costs 10 more). The
mapping is monotone in severity and calibrated on nothing; the dataset card says so.

**Calibrated library** (MOS sources with rated images and the build's assistant model): a
distorted image is placed by ``ScoreCalibration``, an isotonic (monotone non-decreasing) map
from the assistant's full-reference score of the image against its reference to the common
0..100 scale, fitted on the rated MOS images of the training split (``pipeline.calibration``).
Pristine references still score at the top.

**MOS sources**: each dataset z-scored on its own (``mos.scale``); ``score_source`` is
``mos:<dataset>`` for published MOS, ``raw_ratings`` for a raw-ratings CSV and ``labeller`` for
the labeller's CSV; the protocol says how the scores were collected where it is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

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


@dataclass(frozen=True)
class ScoreCalibration:
    """Monotone map from assistant full-reference scores to the common 0..100 scale: the
    isotonic fit's values at its knots, linear between them, flat beyond the ends."""

    knots: tuple[float, ...]  # assistant scores, increasing
    values: tuple[float, ...]  # common-scale values there, non-decreasing
    datasets: tuple[str, ...]  # the MOS datasets it was fitted on
    pairs: int  # rated images it was fitted on

    @classmethod
    def fit(cls, fr_scores: Sequence[float], commons: Sequence[float],
            datasets: Sequence[str]) -> "ScoreCalibration":
        """Isotonic regression (pool-adjacent-violators, ``scipy.optimize``) of ``commons`` on
        ``fr_scores``; equal assistant scores are pooled first (their mean, weighted)."""
        from scipy.optimize import isotonic_regression

        x, y = np.asarray(fr_scores, float), np.asarray(commons, float)
        if len(x) != len(y) or len(x) < 2:
            raise ValueError(f"score calibration needs at least two (assistant score, MOS) "
                             f"pairs of equal length, got {len(x)} and {len(y)}")
        if not (np.isfinite(x).all() and np.isfinite(y).all()):
            raise ValueError("score calibration: scores must be finite")
        knots, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
        means = np.bincount(inverse, weights=y) / counts
        fitted = isotonic_regression(means, weights=counts.astype(float), increasing=True).x
        return cls(tuple(map(float, knots)), tuple(float(np.clip(v, 0, 100)) for v in fitted),
                   tuple(sorted(set(datasets))), len(x))

    def __call__(self, fr_score: float) -> float:
        """The common-scale value (0..100) of an assistant full-reference score."""
        return float(np.interp(fr_score, self.knots, self.values))

    @property
    def original_scale(self) -> str:
        return (f"assistant full-reference score calibrated on {', '.join(self.datasets)} "
                f"({self.pairs} rated training-split images, isotonic fit); pristine at the top")

    def to_dict(self) -> dict:
        return {"knots": list(self.knots), "values": list(self.values),
                "datasets": list(self.datasets), "pairs": self.pairs}

    @classmethod
    def from_dict(cls, data: dict) -> "ScoreCalibration":
        return cls(tuple(data["knots"]), tuple(data["values"]), tuple(data["datasets"]),
                   int(data["pairs"]))


def calibrated_score(fr_score: Optional[float], calibration: ScoreCalibration,
                     scale: str = "five", cuts: Optional[Sequence[float]] = None
                     ) -> QualityScore:
    """The library's score of a distorted image through the calibrated map of its assistant
    full-reference score; ``None`` for a pristine reference (the top of the scale)."""
    levels = SCORE_SCALES[scale]
    common = 100.0 if fr_score is None else calibration(fr_score)
    return QualityScore(scale=scale, score=to_scale(common, len(levels)),
                        level=levels[level_index(common, _cuts(scale, cuts))],
                        score_source="library",
                        protocol=ScoreProtocol(original_scale=calibration.original_scale))


def common_of(quality: QualityScore) -> float:
    """A score's common-scale value (0..100): the inverse of ``to_scale``."""
    return 100.0 * (quality.score - 1.0) / (len(SCORE_SCALES[quality.scale]) - 1)


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
