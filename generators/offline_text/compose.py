"""Joining sentences into a response whose length lands inside a word range.

A response is a list of pieces in reading order; required pieces always appear, optional ones
are added (in a seeded order) while the total stays under a drawn target, then more are added if
the text is still shorter than the minimum. Pieces keep their reading order whatever order they
were chosen in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .common import word_count


@dataclass(frozen=True)
class Piece:
    text: str
    required: bool = True

    @property
    def words(self) -> int:
        return word_count(self.text)


def fit(pieces: list[Piece], rng: np.random.Generator, low: int, high: int,
        target: int) -> str:
    """The pieces joined with spaces: all required ones plus optional ones, aiming at
    ``target`` words and never above ``high`` unless the required pieces alone exceed it."""
    chosen = [p.required for p in pieces]
    total = sum(p.words for p in pieces if p.required)
    optional = [i for i, p in enumerate(pieces) if not p.required]
    order = [optional[j] for j in rng.permutation(len(optional))]
    for i in order:
        if total + pieces[i].words <= target:
            chosen[i], total = True, total + pieces[i].words
    for i in order:
        if total >= low:
            break
        if not chosen[i] and total + pieces[i].words <= high:
            chosen[i], total = True, total + pieces[i].words
    return " ".join(p.text for p, keep in zip(pieces, chosen) if keep)
