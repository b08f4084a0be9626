"""Interfaces between the build pipeline and the response generators.

The pipeline hands a generator a batch of requests (ground truth + images) and gets back one
result per request; an LLM generator and the offline generator implement the same protocol, so
the build never cares which one writes the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Protocol

import numpy as np

from iqa_datagen.schemas import DistortionLabel, Verdict

@dataclass(frozen=True)
class GroundTruthRequest:
    """What every writer request carries: one sample's ground truth and images.

    ``key`` identifies the sample (stable across runs); ``seed`` drives every random choice.
    Images are uint8 H×W×3 RGB arrays; ``image_b``, ``distortions_b`` and ``verdict`` only for
    comparison. Fields a kind of request adds are keyword-only.
    """

    key: str
    task: str  # a detailed task's name (``iqa_datagen.tasks``)
    distortions_a: tuple[DistortionLabel, ...]
    seed: int
    distortions_b: tuple[DistortionLabel, ...] = ()
    verdict: Optional[Verdict] = None
    image_ref: Optional[np.ndarray] = None
    image_a: Optional[np.ndarray] = None
    image_b: Optional[np.ndarray] = None


@dataclass(frozen=True)
class DetailedRequest(GroundTruthRequest):
    """Ground truth for one detailed (full-reference) response: writers get the reference and
    image A (the LLM layer's reply checks get a copy without images)."""


@dataclass
class DetailedResult:
    """A written response, or why none could be written (then ``text`` is None)."""

    key: str
    text: Optional[str]
    generator: str  # "offline", "llm:<model>"
    generator_version: str
    prompt_version: Optional[str] = None
    overruled: bool = False  # the response explicitly disagrees with the stated verdict
    reject_reasons: list[str] = field(default_factory=list)
    attempts: int = 1
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached: bool = False
    stable: Optional[bool] = None  # several samples asked: did their conclusions agree?
    # Set when the writer could not be reached (no verdict on the response's merits): the
    # sample is missing, not rejected, and a rerun asks for it again.
    error: Optional[str] = None


@dataclass(frozen=True)
class ExpansionRequest(GroundTruthRequest):
    """Ground truth and a detailed response from which to write further question/answer pairs
    (``key``: the source record id; ``task``: its detailed task)."""

    response: str = field(kw_only=True)
    k: int = field(default=3, kw_only=True)


@dataclass
class QAPair:
    question: str
    answer: str


@dataclass
class ExpansionResult:
    key: str
    pairs: list[QAPair]
    generator: str
    generator_version: str
    prompt_version: Optional[str] = None
    reject_reasons: list[str] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    error: Optional[str] = None  # as DetailedResult.error


class DetailedGenerator(Protocol):
    name: str

    def generate(self, requests: list[DetailedRequest]) -> list[DetailedResult]:
        """One result per request, in order."""


class ExpansionGenerator(Protocol):
    name: str

    def expand(self, requests: list[ExpansionRequest]) -> list[ExpansionResult]:
        """One result per request, in order."""
