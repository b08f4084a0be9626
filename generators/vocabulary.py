"""What the labels allow a text to say: grade ranks, and pair questions the labels can answer.

One place for the facts that the offline writer, the QA expansion and the LLM reply validator
all rely on, so that what one writes the others accept and check the same way.

Grades: single distortions use five level words (slight, moderate, obvious, serious,
catastrophic for levels 1–5); pairs of distortions use three (slight, obvious, serious for
levels 1–3). A grade word keeps its meaning on both scales, so "obvious" ranks 3 and "serious"
ranks 4 whether the label comes from a single draw (levels 3, 4) or a pair (levels 2, 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from iqa_datagen.distortions import LEVEL_NAMES
from iqa_datagen.schemas import DistortionLabel

GRADE_RANK: dict[str, int] = {name: i + 1 for i, name in enumerate(LEVEL_NAMES)}
"""Severity word → rank 1 (slight) … 5 (catastrophic); pair grades use the same words."""


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


# -- pair questions ("which image is noisier?") ------------------------------------------------

@dataclass(frozen=True)
class PairProperty:
    """A property two images can be compared on, and which labels decide it.

    ``raises`` is the category that gives an image more of the property, ``lowers`` (if any)
    the one that gives it less. ``masks`` are categories that, on the same image as ``raises``,
    can hide it (blur smooths noise away); ``mimics`` are categories and distortion names that
    give an image a look of the property without carrying ``raises`` (jitter looks grainy).
    An image carrying either makes the question one the labels cannot answer.
    """

    raises: str
    lowers: Optional[str] = None
    masks: frozenset[str] = frozenset()
    mimics: frozenset[str] = frozenset()


PAIR_PROPERTIES: dict[str, PairProperty] = {
    "brighter": PairProperty(
        "brighten", "darken",
        mimics=frozenset({"contrast_strengthen", "contrast_weaken", "quantize"})),
    "noisier": PairProperty(
        "noise", masks=frozenset({"blur", "compression", "pixelate"}),
        mimics=frozenset({"oversharpen", "blur_jitter", "blur_glass"})),
    "blurrier": PairProperty(
        "blur", mimics=frozenset({"compression", "pixelate", "oversharpen"})),
}


def _direction(prop: PairProperty, labels: Sequence[DistortionLabel]) -> Optional[int]:
    """+1 when the image carries ``raises``, -1 ``lowers``, 0 neither; None when undecidable."""
    cats = {label.category for label in labels}
    names = {label.name for label in labels}
    up, down = prop.raises in cats, prop.lowers is not None and prop.lowers in cats
    if up and down or (cats | names) & prop.mimics or up and cats & prop.masks:
        return None
    return 1 if up else -1 if down else 0


def more_of(prop_name: str, labels_a: Sequence[DistortionLabel],
            labels_b: Sequence[DistortionLabel]) -> Optional[str]:
    """"A" or "B": the image the labels say has more of the property; None when they cannot say.

    They can when one image carries the raising (or lowering) category and the other does not,
    or both carry the same distortion at different levels (same parameters per level, so the
    higher level is stronger); a mimic or mask on either image leaves the question unasked.
    """
    prop = PAIR_PROPERTIES[prop_name]
    da, db = _direction(prop, labels_a), _direction(prop, labels_b)
    if da is None or db is None or da == db == 0:
        return None
    if da != db:
        return "A" if da > db else "B"
    key = prop.raises if da > 0 else prop.lowers
    la = next(label for label in labels_a if label.category == key)
    lb = next(label for label in labels_b if label.category == key)
    if la.name != lb.name or la.level == lb.level:
        return None
    stronger = "A" if la.level > lb.level else "B"
    return stronger if da > 0 else ("B" if stronger == "A" else "A")


__all__ = ["GRADE_RANK", "PAIR_PROPERTIES", "PairProperty", "grade_of", "more_of", "rank_of",
           "severity_score"]
