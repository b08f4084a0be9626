"""The offline detailed-response writer: assessment and comparison reasoning with no LLM.

It is the default writer when no LLM server is configured. Every sentence is built from the
ground truth (distortion names and grades, the pair's verdict) and from statistics measured on
the images: the content from the source scene's brightness, colour, hue family, edges and
texture; each distortion's effect from how the distorted image differs from its source. It never
names objects it cannot see and never mentions the source image or the ground truth. Wording is
drawn from several sentence plans per slot with ``rng_for(request.seed, ...)``, so a request
always gets the same text and a batch gets varied texts.

Lengths follow docs/tasks.md: assessments 60–90 words, comparisons under 170.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from iqa_datagen.distortions import BUILTIN_NAMES, CategoryNames, check_image
from iqa_datagen.seeding import rng_for
from iqa_datagen.tasks import TASKS, UnknownTaskError

from .base import DetailedRequest, DetailedResult
from .offline_text import conclusion_text, distortion_text, scene_text
from .offline_text.common import check_labels, pick, severity_score
from .offline_text.compose import Piece, fit
from .offline_text.measure import Changes, Scene, Tones, changes, psnr, scene, tones

GENERATOR_NAME = "offline"
GENERATOR_VERSION = "2"  # 2: per-distortion wording, exposure worded from the measured result

ASSESSMENT_WORDS = (60, 90)
COMPARISON_WORDS = (50, 165)  # docs/tasks.md: under 170; 165 leaves room for tokenisation differences

# Categories whose distortion changes what the lighting / colour words would say.
_LIGHT_CATEGORIES = frozenset({"brighten", "darken", "contrast_strengthen", "contrast_weaken"})
_COLOUR_CATEGORIES = frozenset({"saturate_strengthen", "saturate_weaken"})


class OfflineBatch:
    """What the writer knows within one batch: the categories' display names, and scene and
    tone statistics, computed once per image array."""

    def __init__(self, names: CategoryNames = BUILTIN_NAMES) -> None:
        self.names = names
        self._scenes: dict[int, Scene] = {}
        self._tones: dict[int, Tones] = {}

    def scene(self, image: np.ndarray, what: str) -> Scene:
        key = id(image)
        if key not in self._scenes:
            self._scenes[key] = scene(image, what)
            self._tones[key] = self._scenes[key].tones
        return self._scenes[key]

    def tones(self, image: np.ndarray, what: str) -> Tones:
        key = id(image)
        if key not in self._tones:
            self._tones[key] = tones(image, what)
        return self._tones[key]

    def changes(self, source: Optional[np.ndarray], source_tones: Tones, image: np.ndarray,
                what: str) -> Optional[Changes]:
        if source is None:
            return None
        if source is image:
            return changes(source_tones, source_tones, 99.0)
        if image.shape != source.shape:
            raise ValueError(f"{what} has shape {image.shape} but the source image has "
                             f"{source.shape}; they must match to be compared")
        return changes(source_tones, self.tones(image, what), psnr(image, source))


def _estimated_colourfulness(source: Scene, change: Optional[Changes]) -> Optional[float]:
    """Colourfulness of the distorted image, scaled from the source by the saturation change."""
    return None if change is None else source.colourfulness * min(change.saturation_ratio, 3.0)


def _distortion_pieces(labels, names, words, change, rng) -> list[Piece]:
    pieces: list[Piece] = []
    for i, label in enumerate(labels):
        pieces.append(Piece(distortion_text.intro_sentence(label, names[label.category], rng,
                                                           second=i > 0)))
        pieces.append(Piece(distortion_text.effect_sentence(label, words, change, rng)))
        pieces += [Piece(extra, required=False)
                   for extra in distortion_text.extra_sentences(label, words, change, rng)]
    return pieces


def _reference_scene(request: DetailedRequest, image_a: np.ndarray,
                     batch: OfflineBatch) -> tuple[Optional[np.ndarray], Scene]:
    """The checked reference (None when the request has none) and the scene the text
    describes: the reference's, or image A's without one."""
    source = request.image_ref
    if source is not None:
        source = check_image(source, f"request {request.key!r}: image_ref")
    return source, batch.scene(source if source is not None else image_a,
                               f"request {request.key!r}: image_ref")


def write_assessment(request: DetailedRequest, batch: OfflineBatch) -> str:
    """Assessment reasoning for one request."""
    rng = rng_for(request.seed, "offline", request.task, request.key)
    labels = check_labels(request.distortions_a, f"request {request.key!r}: distortions_a")
    image_a = check_image(request.image_a, f"request {request.key!r}: image_a")
    source, base = _reference_scene(request, image_a, batch)
    change = batch.changes(source, base.tones, image_a, f"request {request.key!r}: image_a")
    tones_a = batch.tones(image_a, f"request {request.key!r}: image_a")
    words = scene_text.describe(base, rng, brightness=tones_a.brightness,
                                colourfulness=_estimated_colourfulness(base, change))
    categories = {label.category for label in labels}
    pieces = [Piece(scene_text.content_sentence(words, rng))]
    if not categories & _LIGHT_CATEGORIES:
        pieces.append(Piece(words.tonal_sentence, required=False))
    if labels:
        pieces += _distortion_pieces(labels, batch.names, words, change, rng)
    else:
        main, extras = conclusion_text.clean_sentences(words.edges, words.smooth, rng)
        pieces.append(Piece(main))
        pieces += [Piece(extra, required=False) for extra in extras]
    pieces.append(Piece(conclusion_text.quality_sentence(severity_score(labels), rng)))
    low, high = ASSESSMENT_WORDS
    target = int(rng.integers(76, high + 1) if len(labels) > 1 else rng.integers(62, 80))
    return fit(pieces, rng, low, high, target)


def _image_pieces(image: str, labels, names, words, change, rng, used: set[str]) -> list[Piece]:
    if not labels:
        return [Piece(conclusion_text.clean_image_sentence(image, words.edges, rng))]
    pieces: list[Piece] = []
    for i, label in enumerate(labels):
        named = distortion_text.graded_phrase(label, names[label.category], rng)
        how = distortion_text.clause(label, words, change, rng, used)
        if i == 0:
            text = pick(rng, (f"Image {image} suffers from {named}, {how}.",
                              f"In Image {image}, {named} is visible, {how}.",
                              f"Image {image} shows {named}, {how}."))
        else:
            text = pick(rng, (f"It also shows {named}, {how}.",
                              f"On top of that, Image {image} has {named}, {how}.",
                              f"This is followed by {named}, {how}."))
        pieces.append(Piece(text))
        if i == 0:
            extra = distortion_text.extra_sentences(label, words, change, rng)[0]
            pieces.append(Piece(extra, required=False))
    return pieces


def write_comparison(request: DetailedRequest, batch: OfflineBatch) -> str:
    """Comparison reasoning for one request."""
    key = request.key
    if request.image_b is None:
        raise ValueError(f"request {key!r}: comparison_reasoning needs image_b")
    if request.verdict is None:
        raise ValueError(f"request {key!r}: comparison_reasoning needs a verdict")
    rng = rng_for(request.seed, "offline", request.task, key)
    labels_a = check_labels(request.distortions_a, f"request {key!r}: distortions_a")
    labels_b = check_labels(request.distortions_b, f"request {key!r}: distortions_b")
    image_a = check_image(request.image_a, f"request {key!r}: image_a")
    image_b = check_image(request.image_b, f"request {key!r}: image_b")
    source, base = _reference_scene(request, image_a, batch)
    change_a = batch.changes(source, base.tones, image_a, f"request {key!r}: image_a")
    change_b = batch.changes(source, base.tones, image_b, f"request {key!r}: image_b")
    categories = {label.category for label in labels_a + labels_b}
    words = scene_text.describe(
        base, rng,
        brightness=math.nan if categories & _LIGHT_CATEGORIES else None,
        colourfulness=math.nan if categories & _COLOUR_CATEGORIES else None)
    pieces = [Piece(scene_text.shared_content_sentence(words, rng))]
    if not categories & _LIGHT_CATEGORIES:
        pieces.append(Piece(words.tonal_sentence, required=False))
    used: set[str] = set()  # clause templates already used, so Image B is worded afresh
    pieces += _image_pieces("A", labels_a, batch.names, words, change_a, rng, used)
    pieces += _image_pieces("B", labels_b, batch.names, words, change_b, rng, used)
    winner = request.verdict.winner
    loser = "B" if winner == "A" else "A"
    scores = {"A": severity_score(labels_a), "B": severity_score(labels_b)}
    pieces.append(Piece(conclusion_text.winner_sentence(winner, loser, scores[winner],
                                                        scores[loser], rng)))
    low, high = COMPARISON_WORDS
    multi = len(labels_a) > 1 or len(labels_b) > 1
    target = int(rng.integers(105, 150) if multi else rng.integers(80, 125))
    return fit(pieces, rng, low, high, target)


class OfflineDetailedGenerator:
    """Writes assessment and comparison reasoning from ground truth and measured statistics."""

    name = GENERATOR_NAME
    version = GENERATOR_VERSION

    def __init__(self, names: CategoryNames = BUILTIN_NAMES):
        self.names = names  # the build registry's category names (plugins included)

    def generate(self, requests: list[DetailedRequest]) -> list[DetailedResult]:
        """One result per request, in order; a malformed request raises ValueError naming it."""
        batch = OfflineBatch(self.names)  # ids are stable while ``requests`` holds the arrays
        results = []
        for request in requests:
            if not isinstance(request, DetailedRequest):
                raise TypeError(f"expected DetailedRequest, got {type(request).__name__}")
            try:
                task = TASKS.detailed(request.task)
            except UnknownTaskError as exc:
                raise ValueError(f"request {request.key!r}: {exc}") from None
            results.append(DetailedResult(
                key=request.key, text=task.write_offline(request, batch), generator=self.name,
                generator_version=self.version, prompt_version=None))
        return results

    def __repr__(self) -> str:
        return f"{type(self).__name__}(version={self.version!r})"
