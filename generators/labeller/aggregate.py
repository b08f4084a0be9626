"""From the model's answers to one score per image: pure functions, checked by hand in the tests.

For an image with whole-image answers ``g_1..g_n`` and regions ``k`` with area shares ``a_k``
(summing to 1) and answers ``s_k1..s_kn``:

* ``global = mean(g)``; ``local = sum_k a_k * mean(s_k)``;
* ``score = (global + local) / 2 + segment_weight * c / c_max``, where ``c`` is the number of
  regions the segmentation found in this image and ``c_max`` the largest ``c`` of the run: a
  sharp, detailed image falls into more regions than a blurred one, so the count carries a
  little quality information of its own;
* ``instability`` = the share of the whole-image answers that differ from their most common
  value (0 when the model always gives the same score; 0.4 for 5, 5, 4, 5, 3).
"""

from __future__ import annotations

from collections import Counter
from typing import Optional, Sequence


def mean(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("mean of no values")
    return float(sum(values)) / len(values)


def spread(values: Sequence[float]) -> Optional[float]:
    """Sample standard deviation (None for fewer than two values)."""
    if len(values) < 2:
        return None
    m = mean(values)
    return (sum((v - m) ** 2 for v in values) / (len(values) - 1)) ** 0.5


def instability(answers: Sequence[int]) -> float:
    """Share of ``answers`` that differ from the most common one."""
    if not answers:
        raise ValueError("instability of no answers")
    most = Counter(answers).most_common(1)[0][1]
    return (len(answers) - most) / len(answers)


def local_score(unit_means: Sequence[float], areas: Sequence[float]) -> float:
    """Area-weighted mean of the sub-image scores (areas are normalised to sum to 1)."""
    total = float(sum(areas))
    if not unit_means or len(unit_means) != len(areas) or total <= 0:
        raise ValueError("local score needs one positive area per sub-image score")
    return sum(s * a for s, a in zip(unit_means, areas)) / total


def final_score(global_score: float, local: float, regions: int, max_regions: int,
                segment_weight: float) -> float:
    """``(global + local) / 2 + segment_weight * regions / max_regions``."""
    if max_regions < 1 or not 1 <= regions <= max_regions:
        raise ValueError(f"regions {regions} must be in 1..max_regions ({max_regions})")
    return (global_score + local) / 2.0 + segment_weight * regions / max_regions
