"""Record types shared by every MOS adapter: one rated image, one judged pair, one format error."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Optional


class MosFormatError(ValueError):
    """A label file cannot be read; the message names the file, the place in it and the reason."""

    def __init__(self, path: Path | str, reason: str, line: Optional[int] = None,
                 entry: Optional[int] = None):
        where = f"{path}:{line}" if line is not None else (
            f"{path} (entry {entry})" if entry is not None else f"{path}")
        super().__init__(f"{where}: {reason}")
        self.path = Path(path)
        self.line = line
        self.entry = entry
        self.reason = reason


@dataclass(frozen=True)
class MosEntry:
    """One distorted image of a MOS dataset with its subjective score.

    ``score`` is the dataset's own number (MOS, DMOS, Elo…); ``higher_is_better`` says which way
    it points, so pairs never need to know the dataset. ``distortion`` is the dataset's own name
    for the distortion type when the layout tells it, else None. ``std`` is the spread of the
    ratings behind ``score`` (same unit) and ``ratings`` the individual ratings on the
    dataset's own scale, where the source gives them. A source of single images with no
    reference (the labeller) sets ``reference`` to the image itself (``has_reference`` False).
    """

    dataset: str
    reference: Path
    distorted: Path
    score: float
    higher_is_better: bool
    distortion: Optional[str] = None
    std: Optional[float] = None
    ratings: tuple[float, ...] = ()

    @property
    def has_reference(self) -> bool:
        return self.reference != self.distorted

    @property
    def quality(self) -> float:
        """The score oriented so that larger always means better quality."""
        return self.score if self.higher_is_better else -self.score


@dataclass(frozen=True)
class MosPair:
    """Two versions of one reference and which of them humans judged better.

    ``score_a``/``score_b`` are the dataset's scores (for BAPPS: the share of viewers preferring
    that image); ``margin`` is ``|score_a - score_b|`` in the same unit.
    """

    dataset: str
    reference: Path
    image_a: Path
    image_b: Path
    winner: Literal["A", "B"]
    score_a: float
    score_b: float
    margin: float
    higher_is_better: bool = True
    distortion_a: Optional[str] = None
    distortion_b: Optional[str] = None
