"""Question and response text for the brief, templated tasks (docs/tasks.md).

Pure functions of their arguments; every choice is drawn from the ``rng`` passed in, in a fixed
order, so a record's text is reproducible from its seed.

Rules:
- Split: ``"train"`` gets the randomised variants; every other split name ("test", "val",
  "ood_test", …) is treated as evaluation data, like ``"test"``.
- Short-answer suffix: on about half of training samples (a fair coin) and on every evaluation
  sample; the response is then the bare phrase: the distortions' ground-truth names joined with
  "and" ("Blur and noise", first letter capitalised), "No distortion" for a pristine image, or
  "Image A"/"Image B".
- Count-stating identification question: on about half of training samples with at least one
  distortion (a second coin), never on evaluation samples, never for a pristine image (stating
  "no distortions" would give the answer away).
- Names: each distortion's category name from ``gt_names`` (``distortions.GT_NAMES`` or a
  registry's, so plugin categories work), in the order applied, each named once.
"""

from __future__ import annotations

from typing import Any, Literal, Mapping, Sequence

import numpy as np

from iqa_datagen.generators.questions import (ASSESSMENT, COMPARISON, IDENTIFICATION, PRISTINE_ANSWER,
                                  PRISTINE_SHORT_ANSWER, RATING, SCORING, SHORT_ANSWER_SUFFIX,
                                  capitalise_first, check_setting, count_slots, for_setting,
                                  join_names)

__all__ = ["SHORT_ANSWER_SUFFIX", "assessment_question", "comparison_question",
           "distortion_names", "identification_text", "is_training", "rating_text",
           "scoring_text"]


def is_training(split: str) -> bool:
    """Only ``"train"`` gets randomised variants; any other split is evaluation data."""
    return split == "train"


def _category(label: Any) -> str:
    if isinstance(label, Mapping):
        return str(label["category"])
    return str(label.category)


def distortion_names(labels: Sequence[Any], gt_names: Mapping[str, str]) -> list[str]:
    """Ground-truth names of the labels' categories, in order, without repeats."""
    names: list[str] = []
    for label in labels:
        category = _category(label)
        if category not in gt_names:
            raise ValueError(f"no ground-truth name for distortion category {category!r}; "
                             f"known: {sorted(gt_names)}")
        name = gt_names[category]
        if name not in names:
            names.append(name)
    return names


def _coins(split: str, rng: np.random.Generator) -> tuple[bool, bool]:
    """(count-stating allowed, short-answer suffix) for one sample."""
    if not is_training(split):
        return False, True
    count_coin, suffix_coin = rng.random(2)
    return bool(count_coin < 0.5), bool(suffix_coin < 0.5)


def identification_text(labels: Sequence[Any], gt_names: Mapping[str, str], setting: str,
                        split: str, rng: np.random.Generator) -> tuple[str, str]:
    """(question, response) for distortion identification; ``labels`` empty = pristine."""
    check_setting(setting)
    counted, short = _coins(split, rng)
    entry = IDENTIFICATION[int(rng.integers(len(IDENTIFICATION)))]
    names = distortion_names(labels, gt_names)
    if names and counted:
        question = for_setting(entry.counted, setting).format(**count_slots(len(names)))
    else:
        question = for_setting(entry.question, setting)
    if short:
        question += SHORT_ANSWER_SUFFIX
        response = capitalise_first(join_names(names)) if names else PRISTINE_SHORT_ANSWER
    else:
        response = (capitalise_first(entry.answer.format(distortions=join_names(names)))
                    if names else PRISTINE_ANSWER)
    return question, response


def rating_text(winner: Literal["A", "B"], setting: str, split: str,
                rng: np.random.Generator) -> tuple[str, str]:
    """(question, response) for instant rating; ``winner`` is "A" or "B"."""
    if winner not in ("A", "B"):
        raise ValueError(f"winner must be 'A' or 'B', got {winner!r}")
    check_setting(setting)
    _, short = _coins(split, rng)
    entry = RATING[int(rng.integers(len(RATING)))]
    question = for_setting(entry.question, setting)
    image = f"Image {winner}"
    if short:
        return question + SHORT_ANSWER_SUFFIX, image
    return question, capitalise_first(entry.answer.format(winner=image))


def scoring_text(level: str, levels: Sequence[str], setting: str, split: str,
                 rng: np.random.Generator) -> tuple[str, str]:
    """(question, response) for quality scoring: the question lists the scale's ``levels``
    (lowest first) and the answer is ``level``, one of them."""
    if level not in levels:
        raise ValueError(f"level {level!r} is not one of {list(levels)}")
    check_setting(setting)
    _, short = _coins(split, rng)
    entry = SCORING[int(rng.integers(len(SCORING)))]
    question = (for_setting(entry.question, setting)
                + f" Use one of these levels: {', '.join(levels)}.")
    if short:
        return question + SHORT_ANSWER_SUFFIX, capitalise_first(level)
    return question, capitalise_first(entry.answer.format(level=level))


def assessment_question(setting: str, rng: np.random.Generator) -> str:
    """A question for assessment reasoning (the LLM writes the answer)."""
    return for_setting(ASSESSMENT[int(rng.integers(len(ASSESSMENT)))], check_setting(setting))


def comparison_question(setting: str, rng: np.random.Generator) -> str:
    """A question for comparison reasoning (the LLM writes the answer)."""
    return for_setting(COMPARISON[int(rng.integers(len(COMPARISON)))], check_setting(setting))
