"""Two-stage reasoning: a perception answer (what is visible, no verdict) and an inference answer
(the verdict, concluded from that description alone, as text).

A one-stage answer lets a model skip its own description and regress straight to a verdict; two
linked records make the conclusion depend on the description. This module holds what both
response sources share:

- the question pools of both stages;
- ``perception_reasons``: a perception answer must name every labelled distortion and give no
  overall verdict (no quality conclusion, no level word, no winner);
- ``inference_reasons``: an inference answer is one or two sentences whose level word agrees
  with the ground truth's severity (assessment) or whose winner is the verdict's (comparison);
- the offline writer of both stages: the perception answer is the one-stage description without
  its concluding sentence; the inference answer names the strongest stated distortion(s) and
  concludes with the level word (and the winner).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

from iqa_datagen.generators.consistency import split_conclusion
from iqa_datagen.generators.llm.validation import (claimed_winner, is_quality_conclusion,
                                                   mentions_category, sentences)
from iqa_datagen.distortions.registry import BUILTIN_NAMES, CategoryNames
from iqa_datagen.generators.offline_text.common import GRADE_RANK, pick, rank_of, severity_score
from iqa_datagen.generators.questions.render import for_setting
from iqa_datagen.generators.base import GroundTruthRequest
from iqa_datagen.schemas import DistortionLabel, Verdict
from iqa_datagen.seeding import rng_for

INFERENCE_MAX_SENTENCES = 2
OFFLINE_VERSION = "1"


@dataclass(frozen=True)
class TwoStageRequest(GroundTruthRequest):
    """One detailed sample to split into a perception and an inference answer.

    ``key`` is the one-stage full-reference record's id; ``one_stage`` its response (what the
    offline writer derives the perception from); images are the LLM's.
    """

    one_stage: str = field(default="", kw_only=True)


@dataclass
class TwoStageResult:
    """Both answers, or why the chain was rejected (then neither reaches the dataset)."""

    key: str
    generator: str
    generator_version: str
    perception: Optional[str] = None
    inference: Optional[str] = None
    prompt_version: Optional[str] = None
    reject_reasons: list[str] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def ok(self) -> bool:
        return bool(self.perception and self.inference and not self.reject_reasons)

PERCEPTION_QUESTIONS: dict[str, tuple[str, ...]] = {
    "assessment_reasoning": (
        "Describe the visible attributes of this image[ relative to the reference]: sharpness, "
        "noise, exposure, contrast, colour and artefacts, where they show and how strong they "
        "are. Describe only what you see; do not judge the overall quality.",
        "What can be seen in this image's sharpness, noise, brightness, contrast, colour and "
        "artefacts[, compared with the reference]? Say where each shows and how strongly, "
        "without an overall verdict.",
        "List the visual attributes of the image[ against the reference] (detail, noise, "
        "exposure, contrast, colour, artefacts): what they look like, where, and how strong. "
        "Leave out any overall rating.",
    ),
    "comparison_reasoning": (
        "Describe the visible attributes of Image A and of Image B[ relative to the reference]: "
        "sharpness, noise, exposure, contrast, colour and artefacts, where they show and how "
        "strong they are. Do not say which image is better.",
        "For each of Image A and Image B, what can be seen in sharpness, noise, brightness, "
        "contrast, colour and artefacts[, compared with the reference]? Describe only what is "
        "visible, without a verdict.",
        "List what Image A and Image B look like[ against the reference]: detail, noise, "
        "exposure, contrast, colour and artefacts, where and how strong. Leave out which one "
        "is better.",
    ),
}

INFERENCE_QUESTIONS: dict[str, tuple[str, ...]] = {
    "assessment_reasoning": (
        'An image is described as follows: "{perception}" Based only on this description, '
        "what is the overall quality of the image?",
        'Description of an image: "{perception}" Judging from these attributes alone, how '
        "good is the image's quality?",
        'Here is what an image looks like: "{perception}" From this description, conclude the '
        "image's overall quality.",
    ),
    "comparison_reasoning": (
        'Two images are described as follows: "{perception}" Based only on this description, '
        "which image is better, Image A or Image B?",
        'Description of two images: "{perception}" Judging from these attributes alone, which '
        "of Image A and Image B has the better quality?",
        'Here is what Image A and Image B look like: "{perception}" From this description, '
        "conclude which image is of higher quality.",
    ),
}


def perception_question(task: str, setting: str, rng: np.random.Generator) -> str:
    return for_setting(pick(rng, PERCEPTION_QUESTIONS[task]), setting)


def inference_question(task: str, perception: str, rng: np.random.Generator) -> str:
    return pick(rng, INFERENCE_QUESTIONS[task]).format(perception=perception.strip())


# -- verdicts: what a perception answer must not contain, what an inference answer must ----------

QUALITY_LEVELS: tuple[tuple[str, frozenset[int]], ...] = (
    # longest first: "very poor" is not "poor"
    (r"very poor", frozenset({5})), (r"barely usable", frozenset({5})),
    (r"below[- ]average", frozenset({3})), (r"mediocre", frozenset({3})),
    (r"poor", frozenset({4, 5})), (r"low", frozenset({4, 5})),
    (r"acceptable", frozenset({1})), (r"fair", frozenset({1, 2})),
    (r"excellent", frozenset({0})), (r"high", frozenset({0})), (r"good", frozenset({0})),
)
"""Level words of an overall-quality conclusion → the severity scores (0 clean … 5) they fit."""
_LEVELS = "|".join(w for w, _ in QUALITY_LEVELS)
# A level word that qualifies "quality": "the quality is poor", "of very poor quality".
_LEVEL_RE = re.compile(r"\bquality\W+(?:(?!quality)\w+\W+){0,3}?(" + _LEVELS + r")\b|\b("
                       + _LEVELS + r")[- ]quality\b", re.I)
_LEVEL_OF = {w.replace("[- ]", " "): s for w, s in QUALITY_LEVELS}
_VERDICT_WORDS = re.compile(
    r"\b(?:overall|quality|better|worse|best|worst|superior|inferior|preferable|prefer(?:red)?|"
    r"winner|wins|acceptable|unacceptable|excellent|mediocre|usable|unusable|verdict|rating|"
    r"(?:good|poor|bad|fair|decent|high|low)[- ](?:image|picture|photo|quality|result))\b", re.I)


def verdict_words(text: str) -> list[str]:
    """Words and sentences of ``text`` that state an overall verdict or a winner."""
    found = [m.group(0) for m in _VERDICT_WORDS.finditer(text)]
    found += [s for s in sentences(text) if is_quality_conclusion(s)]
    winner = claimed_winner(text)
    if winner:
        found.append(f"names Image {winner} the better image")
    return list(dict.fromkeys(found))


def levels_stated(text: str) -> list[frozenset[int]]:
    """The severity scores each level word in ``text`` fits, in order."""
    return [_LEVEL_OF[re.sub(r"[- ]", " ", (m.group(1) or m.group(2)).lower())]
            for m in _LEVEL_RE.finditer(text)]


def conclusion_of(task: str, text: str) -> Optional[str]:
    """The conclusion a detailed answer reaches: the winner ("A"/"B") of a comparison, the last
    level word of an assessment's overall-quality sentence (None when it states none)."""
    if task == "comparison_reasoning":
        return claimed_winner(text)
    verdicts = [s for s in sentences(text) if is_quality_conclusion(s)]
    words = [(m.group(1) or m.group(2)).lower().replace("-", " ")
             for m in _LEVEL_RE.finditer(" ".join(verdicts))]
    return words[-1] if words else None


def perception_reasons(text: Optional[str], labels_a: Sequence[DistortionLabel],
                       labels_b: Sequence[DistortionLabel] = (),
                       names: CategoryNames = BUILTIN_NAMES) -> list[str]:
    """Reasons to reject a perception answer: a verdict, or a labelled distortion not named
    (``names``: the build's category names, for plugin categories)."""
    if not text or not text.strip():
        return ["empty perception answer"]
    reasons = [f"perception gives a verdict: {w!r}" for w in verdict_words(text)]
    for label in list(labels_a) + list(labels_b):
        if not mentions_category(text, label.category, names=names):
            reasons.append(f"perception omits distortion {label.category!r} "
                           f"({names[label.category]})")
    return list(dict.fromkeys(reasons))


def inference_reasons(text: Optional[str], task: str, labels_a: Sequence[DistortionLabel],
                      labels_b: Sequence[DistortionLabel] = (),
                      verdict: Optional[Verdict] = None) -> list[str]:
    """Reasons to reject an inference answer: length, and a conclusion that disagrees with the
    ground truth (the level word with the severity of image A's labels, the winner with the
    verdict)."""
    if not text or not text.strip():
        return ["empty inference answer"]
    reasons = []
    n = len(sentences(text))
    if n > INFERENCE_MAX_SENTENCES:
        reasons.append(f"inference has {n} sentences, at most {INFERENCE_MAX_SENTENCES}")
    if task == "comparison_reasoning":
        winner = claimed_winner(text)
        if winner is None:
            reasons.append("inference names no better image")
        elif verdict is not None and winner != verdict.winner:
            reasons.append(f"inference names Image {winner}, the verdict is Image "
                           f"{verdict.winner}")
        return reasons
    score = severity_score(labels_a)
    stated = levels_stated(" ".join(s for s in sentences(text) if is_quality_conclusion(s)))
    if not stated:
        reasons.append("inference gives no overall quality level")
    elif any(score not in fits for fits in stated):
        words = ", ".join(sorted({w for w, fits in QUALITY_LEVELS if score in fits}))
        reasons.append(f"inference level disagrees with the strongest grade (severity {score}: "
                       f"expected {words})")
    return reasons


# -- the offline writer of both stages -----------------------------------------------------------

def offline_perception(task: str, one_stage: str) -> str:
    """The perception answer: a one-stage answer's description, its concluding verdict removed."""
    if task == "comparison_reasoning":
        parts = sentences(one_stage)
        named = [i for i, s in enumerate(parts) if claimed_winner(s) is not None]
        return " ".join(parts[:named[-1]] + parts[named[-1] + 1:] if named else parts)
    description, _ = split_conclusion(one_stage)
    return " ".join(description)


def _named(labels: Sequence[DistortionLabel], names: CategoryNames) -> str:
    """'serious noise' or 'serious noise and slight blur', strongest first."""
    ordered = sorted(labels, key=rank_of, reverse=True)
    return " and ".join(f"{label.grade} {names[label.category]}" for label in ordered)


QUALITY_WORD = {0: "good", 1: "acceptable", 2: "fair", 3: "mediocre", 4: "poor", 5: "very poor"}
"""The level word an inference answer uses for a severity score."""


def offline_inference(task: str, labels_a: Sequence[DistortionLabel],
                      labels_b: Sequence[DistortionLabel], verdict: Optional[Verdict],
                      rng: np.random.Generator,
                      names: CategoryNames = BUILTIN_NAMES) -> Optional[str]:
    """The inference answer from the ground truth, or None when the stated attributes cannot
    support the verdict (the winner is described as more severely degraded than the loser)."""
    if task == "comparison_reasoning":
        if verdict is None:
            raise ValueError("comparison_reasoning inference needs a verdict")
        w, l = verdict.winner, "B" if verdict.winner == "A" else "A"
        labels = {"A": labels_a, "B": labels_b}
        sw, sl = severity_score(labels[w]), severity_score(labels[l])
        if sw > sl:
            return None
        what_w = _named(labels[w], names) if labels[w] else "no visible distortion"
        what_l = _named(labels[l], names) if labels[l] else "no visible distortion"
        if sw < sl:
            return pick(rng, (
                f"Image {w} shows {what_w}, while Image {l} shows {what_l}. With the milder "
                f"flaws, Image {w} is the better image.",
                f"The description gives Image {w} {what_w} and Image {l} {what_l}, so Image {w} "
                f"is the better image.",
            ))
        return pick(rng, (
            f"Both images are described with flaws of similar strength ({what_w} in Image {w}, "
            f"{what_l} in Image {l}); on balance, Image {w} is the better image.",
            f"Image {w} shows {what_w} and Image {l} shows {what_l}, about equally strong; "
            f"Image {w} is still slightly better overall.",
        ))
    word = QUALITY_WORD[severity_score(labels_a)]
    if not labels_a:
        return pick(rng, ("The description reports no visible distortion, so the overall "
                          "quality is good.",
                          "No flaw is described, so the image is of good quality overall."))
    if len(labels_a) > 1 and min(rank_of(label) for label in labels_a) >= GRADE_RANK["obvious"]:
        return pick(rng, (
            f"The description reports {_named(labels_a, names)}, two strong flaws together, so the "
            f"overall quality is {word}.",
            f"With both {_named(labels_a, names)} described, the image's overall quality is {word}.",
        ))
    main = _named([max(labels_a, key=rank_of)], names)
    return pick(rng, (
        f"The description reports {main} as the strongest flaw, so the overall quality is "
        f"{word}.",
        f"With {main} as the main flaw, the image's overall quality is {word}.",
        f"Given {main} as the strongest flaw described, the image is of {word} quality overall.",
    ))


class OfflineTwoStageGenerator:
    """Both stages from the one-stage answer and the ground truth (no LLM)."""

    name = "offline"
    version = OFFLINE_VERSION

    def __init__(self, names: CategoryNames = BUILTIN_NAMES):
        self.names = names

    def run(self, requests: list[TwoStageRequest]) -> list[TwoStageResult]:
        results = []
        for r in requests:
            result = TwoStageResult(key=r.key, generator=self.name, generator_version=self.version)
            perception = offline_perception(r.task, r.one_stage)
            reasons = [f"perception: {x}" for x in perception_reasons(
                perception, r.distortions_a, r.distortions_b, self.names)]
            inference = offline_inference(r.task, r.distortions_a, r.distortions_b, r.verdict,
                                          rng_for(r.seed, "two-stage", r.key), self.names)
            if inference is None:
                reasons.append(f"inference: the verdict (Image {r.verdict.winner}) is not "
                               f"supported by the described attributes: the winner is "
                               f"described as more degraded")
            else:
                reasons += [f"inference: {x}" for x in inference_reasons(
                    inference, r.task, r.distortions_a, r.distortions_b, r.verdict)]
            result.reject_reasons = reasons
            if not reasons:
                result.perception, result.inference = perception, inference
            results.append(result)
        return results
