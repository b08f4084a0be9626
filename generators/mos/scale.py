"""Scores of many datasets on one scale, level words and level distributions.

Every dataset rates on its own scale (0..1, 1..5, 0..100, DMOS where lower is better), so a
score only means something next to the other scores of its dataset. Each dataset is therefore
standardised on its own, as ITU-R BT.500 does for subjects: with ``q`` the score turned so that
higher is better (lower-is-better datasets flipped), ``z = (q - mean) / std`` over the
dataset's images (sample std), and the common scale is ``c = 100 (z + 3) / 6`` clipped to
[0, 100] (the dataset mean sits at 50, three standard deviations either side reach the ends).

On a scale of K levels (``five``: bad, poor, fair, good, excellent; ``seven``: the labeller's
standard, very bad .. perfect), the score is ``1 + (K - 1) c / 100`` and the level is found by
cut points on ``c`` (default: K equal bins, i.e. ``100 i / K``; any increasing list of K - 1
points in (0, 100) may be configured). Where a source gives the individual ratings behind a
score, each rating goes through the same transform and the cut points, which gives the share
of raters at each level (``distribution``) and the spread on the scale (``score_std``); where
only a spread is known, it is scaled the same way.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Optional, Sequence

from iqa_datagen.schemas import SCORE_SCALES as SCALES

from .types import MosEntry


def scale_levels(scale: str) -> tuple[str, ...]:
    if scale not in SCALES:
        raise ValueError(f"unknown score scale {scale!r}; known: {sorted(SCALES)}")
    return SCALES[scale]


def default_cuts(levels: int) -> tuple[float, ...]:
    """K equal bins of the common 0..100 scale."""
    return tuple(100.0 * i / levels for i in range(1, levels))


def check_cuts(cuts: Sequence[float], levels: int) -> tuple[float, ...]:
    cuts = tuple(float(c) for c in cuts)
    if len(cuts) != levels - 1:
        raise ValueError(f"{levels} levels need {levels - 1} cut points, got {len(cuts)}")
    if any(not 0 < c < 100 for c in cuts) or any(b <= a for a, b in zip(cuts, cuts[1:])):
        raise ValueError(f"cut points must increase strictly within (0, 100), got {list(cuts)}")
    return cuts


def level_index(common: float, cuts: Sequence[float]) -> int:
    """0-based level of a common-scale value (a value on a cut point goes to the upper level)."""
    return bisect.bisect_right(cuts, common)


def to_scale(common: float, levels: int) -> float:
    return 1.0 + (levels - 1) * common / 100.0


@dataclass(frozen=True)
class DatasetStandard:
    """Mean and std of one dataset's scores, turned so that higher is better."""

    dataset: str
    mean: float
    std: float
    higher_is_better: bool

    def common(self, score: float) -> float:
        q = score if self.higher_is_better else -score
        return min(100.0, max(0.0, 100.0 * ((q - self.mean) / self.std + 3.0) / 6.0))


@dataclass(frozen=True)
class ScaledScore:
    """One image's score on the chosen scale."""

    score: float  # 1..K
    level: str
    common: float  # 0..100
    score_std: Optional[float]  # on the 1..K scale, where known
    distribution: Optional[tuple[float, ...]]  # share of ratings per level, where known
    raters: Optional[int]  # ratings behind the score, where known


def fit_standards(entries: Sequence[MosEntry]) -> dict[str, DatasetStandard]:
    """One standard per dataset; a dataset needs two images with different scores."""
    by_dataset: dict[str, list[MosEntry]] = defaultdict(list)
    for e in entries:
        by_dataset[e.dataset].append(e)
    out = {}
    for name, items in by_dataset.items():
        directions = {e.higher_is_better for e in items}
        if len(directions) > 1:
            raise ValueError(f"MOS dataset {name!r} mixes higher- and lower-is-better scores")
        q = [e.quality for e in items]
        if len(q) < 2:
            raise ValueError(f"MOS dataset {name!r} has one image: a per-dataset z-score needs "
                             f"at least two")
        mean = sum(q) / len(q)
        std = math.sqrt(sum((v - mean) ** 2 for v in q) / (len(q) - 1))
        if std <= 1e-12:
            raise ValueError(f"MOS dataset {name!r}: every image has the same score")
        out[name] = DatasetStandard(name, mean, std, directions.pop())
    return out


def scale_entry(entry: MosEntry, standard: DatasetStandard, scale: str = "five",
                cuts: Optional[Sequence[float]] = None) -> ScaledScore:
    words = scale_levels(scale)
    k = len(words)
    cuts = check_cuts(cuts, k) if cuts is not None else default_cuts(k)
    common = standard.common(entry.score)
    score_std = distribution = raters = None
    if entry.ratings:
        values = [standard.common(r) for r in entry.ratings]
        counts = [0] * k
        for v in values:
            counts[level_index(v, cuts)] += 1
        distribution = tuple(c / len(values) for c in counts)
        raters = len(values)
        if len(values) >= 2:
            on_scale = [to_scale(v, k) for v in values]
            m = sum(on_scale) / len(on_scale)
            score_std = math.sqrt(sum((v - m) ** 2 for v in on_scale) / (len(on_scale) - 1))
    elif entry.std is not None:
        score_std = entry.std / standard.std * (k - 1) / 6.0
    return ScaledScore(to_scale(common, k), words[level_index(common, cuts)], common, score_std,
                       distribution, raters)


def scale_entries(entries: Sequence[MosEntry], scale: str = "five",
                  cuts: Optional[Sequence[float]] = None) -> list[ScaledScore]:
    """Every entry on the common scale, each standardised within its own dataset."""
    standards = fit_standards(entries)
    return [scale_entry(e, standards[e.dataset], scale, cuts) for e in entries]
