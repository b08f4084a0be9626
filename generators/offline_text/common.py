"""Small shared helpers of the offline writers: picking a phrasing, grades, names, word counts."""

from __future__ import annotations

import re
from typing import Sequence, TypeVar

import numpy as np

from iqa_datagen.distortions import LEVEL_NAMES
from iqa_datagen.schemas import DistortionLabel

T = TypeVar("T")

GRADE_RANK: dict[str, int] = {name: i + 1 for i, name in enumerate(LEVEL_NAMES)}
"""Severity word → rank 1 (slight) … 5 (catastrophic); pair grades use the same words."""

_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*")


def pick(rng: np.random.Generator, options: Sequence[T]) -> T:
    """One of ``options``, drawn from ``rng``."""
    return options[int(rng.integers(len(options)))]


def word_count(text: str) -> int:
    """Words as a reader counts them (hyphenated and apostrophe forms count once)."""
    return len(_WORD_RE.findall(text))


def cap(text: str) -> str:
    """``text`` with its first letter upper-cased (the rest untouched)."""
    return text[:1].upper() + text[1:]


def article(word: str) -> str:
    """'a' or 'an' for the word that follows."""
    return "an" if word[:1].lower() in "aeiou" else "a"


def grade_of(label: DistortionLabel) -> str:
    """The label's severity word; an unknown word falls back to the level's name."""
    grade = (label.grade or "").strip().lower()
    if grade in GRADE_RANK:
        return grade
    return LEVEL_NAMES[label.level - 1]


def rank_of(label: DistortionLabel) -> int:
    """Severity rank 1..5 of a label (pair grades slight/obvious/serious rank 1/3/4)."""
    return GRADE_RANK[grade_of(label)]


def severity_score(labels: Sequence[DistortionLabel]) -> int:
    """0 for a clean image, else the worst rank, one more when two labels are both obvious+."""
    if not labels:
        return 0
    ranks = [rank_of(label) for label in labels]
    bonus = 1 if len(ranks) > 1 and min(ranks) >= GRADE_RANK["obvious"] else 0
    return min(5, max(ranks) + bonus)


def check_labels(labels: Sequence[DistortionLabel], what: str) -> tuple[DistortionLabel, ...]:
    """Labels as a tuple, refusing anything that is not a DistortionLabel."""
    labels = tuple(labels)
    for label in labels:
        if not isinstance(label, DistortionLabel):
            raise ValueError(f"{what}: expected DistortionLabel items, got {label!r}")
    return labels


__all__ = ["GRADE_RANK", "article", "cap", "check_labels", "grade_of",
           "pick", "rank_of", "severity_score", "word_count"]
