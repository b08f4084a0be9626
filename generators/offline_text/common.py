"""Small shared helpers of the offline writers: picking a phrasing, grades, names, word counts."""

from __future__ import annotations

import re
from typing import Sequence, TypeVar

import numpy as np

from iqa_datagen.schemas import DistortionLabel

from ..vocabulary import GRADE_RANK, grade_of, rank_of, severity_score

T = TypeVar("T")

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


def check_labels(labels: Sequence[DistortionLabel], what: str) -> tuple[DistortionLabel, ...]:
    """Labels as a tuple, refusing anything that is not a DistortionLabel."""
    labels = tuple(labels)
    for label in labels:
        if not isinstance(label, DistortionLabel):
            raise ValueError(f"{what}: expected DistortionLabel items, got {label!r}")
    return labels


__all__ = ["GRADE_RANK", "article", "cap", "check_labels", "grade_of",
           "pick", "rank_of", "severity_score", "word_count"]
