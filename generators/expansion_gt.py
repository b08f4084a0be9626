"""Ground-truth question–answer expansion: further QA pairs per record with no LLM.

Always available and the default when no LLM server is configured. Each request gets ``k``
pairs, every fact in them taken from the labels (categories, names, levels, grades, verdict):

- yes/no: "does the image show <category>?" — the answer's polarity is drawn first (yes or no
  with equal odds), then a present category (yes) or an absent catalogue category (no) is asked
  about, so over many requests yes ≈ no; a clean image answers yes to "is it free of distortion";
- which distortion (the GT name or names), how severe (a label's grade word);
- multiple choice: the right GT name among three absent categories, letters A–D, shuffled;
- pairs only: which image is better (the verdict), and which is brighter / noisier / blurrier,
  answered from the labels (``vocabulary.more_of``): asked only when one image carries the
  category and the other does not, or both carry the same distortion at different levels, and
  skipped when another label could hide or imitate the property or when the images measure
  the other way round.

No question mentions a reference image, so the pairs serve both settings. Deterministic from
``request.seed`` and the request key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from iqa_datagen.distortions import BUILTIN_NAMES, GT_NAMES, CategoryNames, check_image
from iqa_datagen.seeding import rng_for
from iqa_datagen.schemas import DistortionLabel
from iqa_datagen.tasks import TASKS, UnknownTaskError

from .base import ExpansionRequest, ExpansionResult, QAPair
from .offline_text.common import cap, check_labels, grade_of, pick
from .offline_text.measure import Tones, tones
from .vocabulary import PAIR_PROPERTIES, more_of

GENERATOR_NAME = "gt_expansion"
GENERATOR_VERSION = "2"  # 2: pair questions answered from the labels, not from measurements

CHOICE_LETTERS = ("A", "B", "C", "D")
NO_DISTORTION_OPTION = "no distortion"

# A brightness question whose answer image is not measurably brighter is not asked.
MIN_BRIGHTNESS_GAP = 3.0  # mean luma, 0..255


@dataclass
class _Subject:
    """One image a question can be about."""

    labels: tuple[DistortionLabel, ...]
    here: str  # "in this image" / "in Image A"
    it: str  # "this image" / "Image A"
    names: CategoryNames  # the build's category display names
    asked: set[str] = field(default_factory=set)  # categories already asked about

    @property
    def categories(self) -> list[str]:
        return list(dict.fromkeys(label.category for label in self.labels))


    def name(self, category: str) -> str:
        return self.names[category]

    def named(self, label: DistortionLabel) -> str:
        return f"{grade_of(label)} {self.names[label.category]}"


def _yes_no(subject: _Subject, yes: bool, rng: np.random.Generator) -> Optional[QAPair]:
    """A yes/no pair whose answer is ``yes``; None when no unasked question gives that answer."""
    present = [c for c in subject.categories if c not in subject.asked]
    absent = [c for c in GT_NAMES if c not in subject.categories and c not in subject.asked]
    generic_yes = "any" if subject.labels else "free"
    pool = present if yes else absent
    if yes and not pool and generic_yes not in subject.asked:
        pool = [generic_yes]
    if not yes and not pool:
        other = "free" if subject.labels else "any"
        pool = [other] if other not in subject.asked else []
    if not pool:
        return None
    topic = pick(rng, pool)
    subject.asked.add(topic)
    it, here = subject.it, subject.here
    if topic == "any":
        question = pick(rng, (f"Does {it} show any visible distortion?",
                              f"Is {it} affected by any distortion?"))
        answer = (f"Yes, {it} shows {' and '.join(subject.named(l) for l in subject.labels)}."
                  if yes else f"No, {it} shows no visible distortion.")
        return QAPair(question, answer)
    if topic == "free":
        question = pick(rng, (f"Is {it} free of visible distortion?",
                              f"Does {it} look clean, without any distortion?"))
        answer = (f"Yes, {it} shows no visible distortion." if yes else
                  f"No, {it} shows {' and '.join(subject.named(l) for l in subject.labels)}.")
        return QAPair(question, answer)
    name = subject.name(topic)
    question = pick(rng, (f"Does {it} suffer from {name}?",
                          f"Is there {name} {here}?",
                          f"Can {name} be seen {here}?",
                          f"Is {it} affected by {name}?"))
    if yes:
        label = next(l for l in subject.labels if l.category == topic)
        answer = pick(rng, (f"Yes, {it} shows {grade_of(label)} {name}.",
                            f"Yes, there is {name} {here}, and it is {grade_of(label)}."))
    else:
        answer = pick(rng, (f"No, there is no sign of {name} {here}.",
                            f"No, {it} does not show {name}."))
    return QAPair(question, answer)


def _which(subject: _Subject, rng: np.random.Generator) -> QAPair:
    names = [subject.name(c) for c in subject.categories]
    it, here = subject.it, subject.here
    if not names:
        question = pick(rng, (f"What kind of distortion, if any, does {it} show?",
                              f"Which distortion is visible {here}, if any?"))
        return QAPair(question, pick(rng, (f"None: {it} shows no visible distortion.",
                                           "No distortion is visible.")))
    if len(names) == 1:
        question = pick(rng, (f"What is the main distortion {here}?",
                              f"Which type of distortion affects {it}?",
                              f"What kind of degradation is visible {here}?"))
        return QAPair(question, pick(rng, (f"{cap(names[0])}.",
                                           f"The main distortion is {names[0]}.")))
    question = pick(rng, (f"Which distortions can be seen {here}?",
                          f"What types of distortion affect {it}?"))
    listed = " and ".join(names)
    return QAPair(question, pick(rng, (f"{cap(listed)}.",
                                       f"Two distortions: {', then '.join(names)}.")))


def _severity(subject: _Subject, rng: np.random.Generator) -> Optional[QAPair]:
    if not subject.labels:
        return None
    label = pick(rng, subject.labels)
    name, grade = subject.name(label.category), grade_of(label)
    question = pick(rng, (f"How severe is the {name} {subject.here}?",
                          f"How strong is the {name} {subject.here}?",
                          f"To what degree does {name} affect {subject.it}?"))
    answer = pick(rng, (f"It is {grade}.", f"The {name} is {grade}.", f"{cap(grade)}."))
    return QAPair(question, answer)


def _choice(subject: _Subject, rng: np.random.Generator) -> QAPair:
    absent = [subject.name(c) for c in GT_NAMES if c not in subject.categories]
    distractors = [absent[i] for i in rng.choice(len(absent), size=3, replace=False)]
    right = subject.name(pick(rng, subject.categories)) if subject.labels else NO_DISTORTION_OPTION
    options = distractors + [right]
    options = [options[i] for i in rng.permutation(len(options))]
    letter = CHOICE_LETTERS[options.index(right)]
    listing = "\n".join(f"{l}. {o}" for l, o in zip(CHOICE_LETTERS, options))
    question = pick(rng, (f"Which of the following is present {subject.here}?",
                          f"Which option describes the distortion of {subject.it}?",
                          f"Choose the distortion that affects {subject.it}."))
    return QAPair(f"{question}\n{listing}", f"{letter}. {right}")


def _better(winner: Optional[str], rng: np.random.Generator) -> Optional[QAPair]:
    if winner is None:
        return None
    question = pick(rng, ("Which image has better quality, Image A or Image B?",
                          "Of the two images, which one is of higher quality?",
                          "Which image would you prefer for its quality?"))
    answer = pick(rng, (f"Image {winner}.", f"Image {winner} is better.",
                        f"Image {winner} has the better quality."))
    return QAPair(question, answer)


_PAIR_WORDING: dict[str, tuple[tuple[str, str], str]] = {
    "brighter": (("Which image is brighter, Image A or Image B?",
                  "Which of the two images looks brighter?"), "brighter"),
    "noisier": (("Which image is noisier, Image A or Image B?",
                 "Which of the two images shows more noise?"), "noisier"),
    "blurrier": (("Which image is blurrier, Image A or Image B?",
                  "Which of the two images looks less sharp?"), "blurrier"),
}


def _measured_agrees(prop: str, more: str, t: Optional[dict[str, Tones]]) -> bool:
    """False when the pixels show the opposite of what the labels say (a veto, never a source:
    brightening an already white image changes nothing measurable)."""
    if t is None:
        return True
    less = "B" if more == "A" else "A"
    if prop == "brighter":
        return t[more].brightness - t[less].brightness >= MIN_BRIGHTNESS_GAP
    if prop == "noisier":
        return t[more].noise_level > t[less].noise_level
    return t[more].detail < t[less].detail


def _pair_property(prop: str, labels: dict[str, tuple[DistortionLabel, ...]],
                   t: Optional[dict[str, Tones]], rng: np.random.Generator) -> Optional[QAPair]:
    """"Which image is <prop>?" answered from the labels; None when they cannot answer it."""
    more = more_of(prop, labels["A"], labels["B"])
    if more is None or not _measured_agrees(prop, more, t):
        return None
    questions, word = _PAIR_WORDING[prop]
    return QAPair(pick(rng, questions), pick(rng, (f"Image {more}.", f"Image {more} is {word}.")))


def _check(request: ExpansionRequest) -> None:
    if not isinstance(request, ExpansionRequest):
        raise TypeError(f"expected ExpansionRequest, got {type(request).__name__}")
    if isinstance(request.k, bool) or not isinstance(request.k, int) or request.k < 1:
        raise ValueError(f"request {request.key!r}: k must be a positive integer, "
                         f"got {request.k!r}")
    try:
        TASKS.detailed(request.task)
    except UnknownTaskError as exc:
        raise ValueError(f"request {request.key!r}: {exc}") from None


def _measured(request: ExpansionRequest) -> Optional[dict[str, Tones]]:
    if request.image_a is None or request.image_b is None:
        return None
    return {"A": tones(check_image(request.image_a, f"request {request.key!r}: image_a")),
            "B": tones(check_image(request.image_b, f"request {request.key!r}: image_b"))}


def expand_one(request: ExpansionRequest, names: CategoryNames = BUILTIN_NAMES) -> list[QAPair]:
    """``request.k`` distinct pairs naming categories by ``names``; ValueError when the labels
    allow fewer."""
    _check(request)
    rng = rng_for(request.seed, GENERATOR_NAME, request.key)
    labels_a = check_labels(request.distortions_a, f"request {request.key!r}: distortions_a")
    if not TASKS.detailed(request.task).paired:
        subjects = [_Subject(labels_a, "in this image", "this image", names)]
        steps: list[Callable[[], Optional[QAPair]]] = []
    else:
        labels_b = check_labels(request.distortions_b, f"request {request.key!r}: distortions_b")
        subjects = [_Subject(labels_a, "in Image A", "Image A", names),
                    _Subject(labels_b, "in Image B", "Image B", names)]
        winner = request.verdict.winner if request.verdict is not None else None
        steps = [lambda: _better(winner, rng)]
        measured = _measured(request)
        by_image = {"A": labels_a, "B": labels_b}
        steps += [lambda p=p: _pair_property(p, by_image, measured, rng)
                  for p in PAIR_PROPERTIES]
    for s in subjects:
        steps += [lambda s=s: _which(s, rng), lambda s=s: _severity(s, rng),
                  lambda s=s: _choice(s, rng)]
    yes_no_slots = 2 * len(subjects)

    def yes_no() -> Optional[QAPair]:
        yes = bool(rng.random() < 0.5)
        return _yes_no(subjects[int(rng.integers(len(subjects)))], yes, rng)

    steps += [yes_no] * yes_no_slots
    steps = [steps[i] for i in rng.permutation(len(steps))]
    pairs: list[QAPair] = []
    for step in steps:
        if len(pairs) == request.k:
            return pairs
        pair = step()
        if pair is not None:
            pairs.append(pair)
    misses = 0
    while len(pairs) < request.k and misses < 64:  # more yes/no until both pools run dry
        pair = yes_no()
        if pair is None:
            misses += 1
        else:
            pairs.append(pair)
    if len(pairs) < request.k:
        raise ValueError(f"request {request.key!r}: k={request.k} pairs asked, but the labels "
                         f"allow only {len(pairs)} distinct questions")
    return pairs


class GTExpansionGenerator:
    """k question–answer pairs per request from the ground truth (no LLM)."""

    name = GENERATOR_NAME
    version = GENERATOR_VERSION

    def __init__(self, names: CategoryNames = BUILTIN_NAMES):
        self.names = names  # the build registry's category names (plugins included)

    def expand(self, requests: list[ExpansionRequest]) -> list[ExpansionResult]:
        """One result per request, in order; a malformed request raises naming its key."""
        return [ExpansionResult(key=r.key, pairs=expand_one(r, self.names), generator=self.name,
                                generator_version=self.version, prompt_version=None)
                for r in requests]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(version={self.version!r})"
