"""Does a detailed response's conclusion follow from its own description?

A quality description that ends in a verdict its own sentences contradict teaches a model to
skip its description ("the image is clear" … "poor"). These checks read the response alone (no
labels): the validator's conclusion and winner patterns find the verdict; the sentences before
it are the description. A response contradicts itself when
- its description calls the image clean or sharp, names no distortion, and the conclusion is
  negative (poor, low, bad …);
- its description calls a distortion severe (serious, severe, heavy, catastrophic, extreme) and
  the conclusion is positive (good, high, excellent …);
- (pairs) it names a winner that a description sentence calls worse (or the other image better
  overall).
``iqa-datagen stats --consistency`` and the card report the share of detailed records that do.
"""

from __future__ import annotations

import re
from typing import Optional

from iqa_datagen.generators.llm.validation import (categories_named, claimed_winner,
                                                   is_quality_conclusion, sentences)

_NEGATIVE = re.compile(r"\b(?:poor|low|bad|terrible|awful|unusable|unacceptable|mediocre|"
                       r"below[- ]average|heavily degraded|severely degraded)\b", re.I)
_POSITIVE = re.compile(r"\b(?:good|high|excellent|great|pristine|flawless|clean)\b", re.I)
_NEGATED_POSITIVE = re.compile(r"\bnot (?:very |particularly |especially )?(?:good|high|great)\b",
                               re.I)
_CLEAN = re.compile(
    r"\b(?:no (?:visible |noticeable |obvious )?(?:distortions?|flaws?|artefacts?|artifacts?|"
    r"degradation)|free (?:of|from) (?:any )?(?:visible )?(?:distortions?|flaws?|artefacts?|"
    r"artifacts?)|(?:is|looks|appears|seems) (?:perfectly |very |completely )?(?:clean|sharp|"
    r"clear)\b)", re.I)
_SEVERE = re.compile(r"\b(?:serious|severe|severely|heavy|heavily|catastrophic|extreme|"
                     r"overwhelming)\b", re.I)


def split_conclusion(text: str) -> tuple[list[str], Optional[str]]:
    """(description sentences, the conclusion sentence): the last overall-quality sentence."""
    parts = sentences(text)
    for i in range(len(parts) - 1, -1, -1):
        if is_quality_conclusion(parts[i]):
            return parts[:i] + parts[i + 1:], parts[i]
    return parts, None


def conclusion_polarity(sentence: Optional[str]) -> Optional[str]:
    """"negative", "positive" or None (middling or no verdict) for a conclusion sentence."""
    if not sentence:
        return None
    if _NEGATIVE.search(sentence):
        return "negative"
    if _POSITIVE.search(sentence) and not _NEGATED_POSITIVE.search(sentence):
        return "positive"
    return None


def assessment_contradictions(text: str) -> list[str]:
    """Reasons an assessment's conclusion contradicts its description (empty: consistent)."""
    description, conclusion = split_conclusion(text)
    polarity = conclusion_polarity(conclusion)
    body = " ".join(description)
    reasons = []
    if polarity == "negative" and _CLEAN.search(body) and not categories_named(body):
        reasons.append(f"describes a clean image ({_CLEAN.search(body).group(0)!r}) but "
                       f"concludes {conclusion!r}")
    if polarity == "positive" and _SEVERE.search(body):
        reasons.append(f"describes a {_SEVERE.search(body).group(0)!r} distortion but "
                       f"concludes {conclusion!r}")
    return reasons


def comparison_contradictions(text: str) -> list[str]:
    """Reasons a comparison's named winner contradicts its description (empty: consistent)."""
    parts = sentences(text)
    winner = claimed_winner(text)
    if winner is None:
        return []
    # the conclusion is the last sentence naming a winner; earlier ones are the description
    last = max(i for i, s in enumerate(parts) if claimed_winner(s) is not None)
    for sentence in parts[:last]:
        said = claimed_winner(sentence)
        if said is not None and said != winner and not _ASPECT.search(sentence):
            return [f"concludes Image {winner} is better, but the description says "
                    f"{sentence!r}"]
    return []


# "Image B has better colour" is a partial preference, not an overall one.
_ASPECT = re.compile(r"\b(?:better|superior|worse|inferior)\s+(?:in|for|at|on|with regard to|"
                     r"when it comes to)\b|\b(?:better|superior|worse|inferior)\s+(?:colou?r|"
                     r"contrast|brightness|exposure|detail|sharpness|tones?|saturation)\b", re.I)


def contradictions(task: str, text: str) -> Optional[list[str]]:
    """Self-contradictions of a detailed response of ``task``; None for a task these rules do
    not cover."""
    if task == "assessment_reasoning":
        return assessment_contradictions(text)
    if task == "comparison_reasoning":
        return comparison_contradictions(text)
    return None
