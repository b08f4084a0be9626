"""Closing sentences: the overall quality of one image, and which image of a pair is better."""

from __future__ import annotations

import numpy as np

from .common import pick

_QUALITY: dict[int, tuple[str, ...]] = {
    0: ("Overall, the quality is good.",
        "The image is of high quality overall.",
        "All things considered, the quality is good."),
    1: ("Overall, the quality remains acceptable despite this flaw.",
        "All things considered, the image is of fair quality.",
        "The overall quality is still acceptable."),
    2: ("Overall, the quality is fair but clearly below its best.",
        "As a result, the overall quality is only fair.",
        "Taken together, the image is of fair, somewhat compromised quality."),
    3: ("Overall, the quality is mediocre.",
        "As a result, the image is of below-average quality.",
        "Taken together, the overall quality is mediocre at best."),
    4: ("Overall, the quality is poor.",
        "As a result, the image is of poor quality.",
        "Taken together, the overall quality is clearly poor."),
    5: ("Overall, the quality is very poor.",
        "As a result, the image is of very poor quality and barely usable.",
        "Taken together, the overall quality is very poor."),
}

QUALITY_WORDS: dict[int, tuple[str, ...]] = {
    0: ("good", "high"), 1: ("acceptable", "fair"), 2: ("fair",),
    3: ("mediocre", "below-average"), 4: ("poor",), 5: ("very poor",),
}
"""Severity score → the quality words its conclusions use (for tests and checks)."""


def quality_sentence(score: int, rng: np.random.Generator) -> str:
    """The overall-quality conclusion for a severity score 0 (clean) … 5."""
    return pick(rng, _QUALITY[max(0, min(5, score))])


def clean_sentences(edges: str, smooth: str, rng: np.random.Generator) -> tuple[str, list[str]]:
    """For an image with no distortion: one required sentence and optional ones."""
    main = pick(rng, (
        f"No distortion is visible: {edges} are crisp, tones look natural and {smooth} "
        "are clean.",
        "The image shows no visible distortion; outlines stay crisp and tones look natural.",
        f"Nothing degrades the picture: {edges} keep their crispness and tones stay natural.",
    ))
    extras = [
        pick(rng, ("Fine detail is rendered faithfully down to the smallest structures.",
                   "Small structures remain clearly separated and easy to read.")),
        pick(rng, ("Hues look natural and well balanced.",
                   "Exposure and hues both look natural.")),
    ]
    return main, extras


def clean_image_sentence(image: str, edges: str, rng: np.random.Generator) -> str:
    """One sentence for an undistorted image of a pair."""
    return pick(rng, (
        f"Image {image} shows no visible distortion, with crisp edges and natural tones.",
        f"Image {image} looks clean: {edges} stay crisp and tones look natural.",
        f"Image {image} is free of visible flaws and keeps all of its detail.",
    ))


def winner_sentence(winner: str, loser: str, winner_score: int, loser_score: int,
                    rng: np.random.Generator) -> str:
    """The conclusion naming ``winner`` as the better image, with a reason that fits the
    severities (when the verdict favours the more degraded image the reason stays neutral)."""
    w, l = f"Image {winner}", f"Image {loser}"
    if winner_score == 0 and loser_score > 0:
        options = (f"{w} is therefore the better image, since it has no visible flaw.",
                   f"Free of distortion, {w} is clearly better.",
                   f"Overall, {w} is of higher quality because it is free of distortion.")
    elif winner_score < loser_score:
        options = (f"Since its flaws are milder, {w} is the better image.",
                   f"{w} is clearly better, as it keeps more of the scene intact than {l}.",
                   f"Overall, {w} is of higher quality because its degradation is less severe.")
    elif winner_score == loser_score:
        options = (f"The two are close, but {w} is slightly better overall.",
                   f"Both are similarly degraded; still, {w} looks better on balance.",
                   f"It is a near tie, yet {w} is the better image by a small margin.")
    else:
        options = (f"Weighing how each flaw disturbs the scene, {w} is the better image overall.",
                   f"Even so, {w} is better, because its flaws are less distracting to the eye.",
                   f"Judged as a whole, {w} is of higher quality than {l}.")
    return pick(rng, options)
