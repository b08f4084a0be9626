"""Sentences about one distortion: its name and grade, and how it changes the scene.

Each category has its own sentence plans (several per slot), distortions that look unlike their
category's usual effect have their own (JPEG 2000 softens and rings, jitter scatters pixels,
impulse noise sprinkles dots), exposure changes are worded from the measured result (a dark
scene brightened has lifted shadows, not tones near white; clipping is named only where
measured), and each category has its own measure: the change
between the source and the distorted image that category produces (detail loss for blur, noise
rise for noise, brightness shift, contrast or saturation ratio, PSNR for compression, pixelation
and quantization). The measure gives a band 0..4; the wording uses the rounded mean of that band
and the grade's band, so text follows both what was applied and what is measurably there, and
falls back to the grade alone when the measure is unavailable or contradicts the label (a blurred
image that got sharper because noise followed it).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from iqa_datagen.schemas import DistortionLabel

from .common import article, cap, grade_of, pick, rank_of
from .measure import Changes
from .scene_text import SceneWords


def _bands(value: float, edges: tuple[float, float, float, float]) -> int:
    """0..4: how many of the increasing ``edges`` the value exceeds."""
    return int(sum(value > e for e in edges))


def _psnr_band(c: Changes) -> Optional[int]:
    if c.psnr >= 98:
        return None
    return _bands(-c.psnr, (-32.0, -28.0, -24.0, -20.0))


def _blur(c: Changes) -> Optional[int]:
    return None if c.detail_ratio > 0.9 else _bands(1 - c.detail_ratio, (0.3, 0.6, 0.85, 0.97))


def _noise(c: Changes) -> Optional[int]:
    return None if c.noise_rise < 1.0 else _bands(c.noise_rise, (3.0, 7.0, 15.0, 25.0))


def _brighten(c: Changes) -> Optional[int]:
    s = c.brightness_shift
    return None if s < 3 else _bands(s, (15.0, 30.0, 50.0, 70.0))


def _darken(c: Changes) -> Optional[int]:
    s = -c.brightness_shift
    return None if s < 3 else _bands(s, (15.0, 30.0, 45.0, 60.0))


def _contrast_up(c: Changes) -> Optional[int]:
    r = c.contrast_ratio
    return None if r < 1.03 else _bands(r, (1.1, 1.25, 1.4, 1.6))


def _contrast_down(c: Changes) -> Optional[int]:
    r = c.contrast_ratio
    return None if r > 0.97 else _bands(1 - r, (0.15, 0.35, 0.55, 0.75))


def _saturation_up(c: Changes) -> Optional[int]:
    r = c.saturation_ratio
    return None if r < 1.03 else _bands(r, (1.1, 1.3, 1.5, 1.8))


def _saturation_down(c: Changes) -> Optional[int]:
    r = c.saturation_ratio
    return None if r > 0.97 else _bands(1 - r, (0.25, 0.45, 0.65, 0.9))


def _sharpen(c: Changes) -> Optional[int]:
    r = c.detail_ratio
    return None if r < 1.1 else _bands(r, (1.6, 3.0, 5.0, 8.0))


@dataclass(frozen=True)
class CategoryWording:
    """Sentence plans for one category.

    ``scale`` holds the five band words inserted as ``{q}``; ``effects`` are full sentences
    (one is always used), ``extras`` optional sentences that lengthen a short response, and
    ``clauses`` relative clauses ("which ...") for the comparison task. Templates may use
    ``{q}``, ``{Q}`` (capitalised), ``{edges}``, ``{texture}``, ``{Texture}``, ``{smooth}``,
    ``{hues}``, ``{Hues}`` and ``{detail}`` (a category-specific clause about clipping).
    """

    measure: Callable[[Changes], Optional[int]]
    scale: tuple[str, str, str, str, str]
    effects: tuple[str, ...]
    extras: tuple[str, ...]
    clauses: tuple[str, ...]
    details: tuple[str, str, str] = ("", "", "")  # for bands 0–1, 2, 3–4


_STRENGTH_ADVERBS = ("slightly", "noticeably", "strongly", "heavily", "drastically")

WORDING: dict[str, CategoryWording] = {
    "blur": CategoryWording(
        _blur, ("a little", "some", "much", "most", "nearly all"),
        effects=(
            "It wipes out {q} of the fine detail, so {edges} look soft and smeared.",
            "{Edges} lose their crispness, and {q} of {texture} dissolves into smooth smears.",
            "Because of it, outlines spread into their surroundings and {q} of {texture} "
            "can no longer be made out.",
        ),
        extras=(
            "Small structures merge together, giving the frame an out-of-focus look.",
            "The eye finds no crisp point to rest on, since even bold outlines are fuzzy.",
        ),
        clauses=(
            "which softens {edges} and removes {q} of the fine detail",
            "which smears outlines and erases {q} of {texture}",
        ),
    ),
    "noise": CategoryWording(
        _noise, ("faint", "noticeable", "clearly visible", "heavy", "overwhelming"),
        effects=(
            "{Q} grain is scattered across the scene and shows most in {smooth}, where it "
            "hides subtle shading.",
            "Random speckles of {q} grain cover every surface, making {smooth} look rough "
            "and restless.",
            "The grain is {q}: it sits on top of {texture} and masks the finest detail.",
        ),
        extras=(
            "Uniform regions no longer look clean, and small features are harder to pick out.",
            "The mottled pattern pulls attention away from the content itself.",
        ),
        clauses=(
            "which lays {q} grain over {smooth}",
            "which scatters {q} speckles across every surface",
        ),
    ),
    "compression": CategoryWording(
        _psnr_band, ("faint", "mild", "clear", "strong", "severe"),
        effects=(
            "It leaves {q} blocking artifacts in {smooth} and ringing along {edges}, so "
            "{texture} turns coarse.",
            "{Q} block patterns appear across the frame and edges pick up ringing, replacing "
            "{texture} with coarse patches.",
            "Fine gradations break into {q} square blocking, and ringing echoes around {edges}.",
        ),
        extras=(
            "Detail inside each small block is averaged away, so the scene looks patchy.",
            "The artifacts are most distracting where tones should change gradually.",
        ),
        clauses=(
            "which adds {q} blocking artifacts and ringing around {edges}",
            "which breaks {texture} into coarse patches with {q} blocking",
        ),
    ),
    "brighten": CategoryWording(
        _brighten, _STRENGTH_ADVERBS,
        effects=(
            "Tones are {q} lifted toward white, and {detail}.",
            "The scene is {q} overexposed: {detail}, leaving it washed out.",
            "Everything looks {q} too bright, and {detail}.",
        ),
        extras=(
            "Hues fade toward white, so {hues} look weaker than they should.",
            "Shadows turn grey and the scene loses its depth.",
        ),
        clauses=(
            "which lifts the tones {q} toward white so that {detail}",
            "which leaves the scene {q} overexposed and washed out",
        ),
        details=("highlights lose some of their separation",
                 "the lightest areas lose their detail",
                 "wide areas are blown out with no detail left"),
    ),
    "darken": CategoryWording(
        _darken, _STRENGTH_ADVERBS,
        effects=(
            "Tones are {q} pushed toward black, and {detail}.",
            "The scene looks {q} underexposed: {detail}, and mid-tones turn murky.",
            "The whole frame is {q} dimmed, so {detail}.",
        ),
        extras=(
            "{Texture} in the shadowed parts can hardly be read.",
            "Hues lose their strength in the gloom as well.",
        ),
        clauses=(
            "which pushes the tones {q} toward black so that {detail}",
            "which leaves the scene {q} underexposed and murky",
        ),
        details=("the deepest areas lose some depth",
                 "shadow detail disappears",
                 "large regions sink into featureless black"),
    ),
    "contrast_strengthen": CategoryWording(
        _contrast_up, ("slightly", "clearly", "strongly", "severely", "extremely"),
        effects=(
            "Tonal differences are {q} exaggerated: shadows are crushed and highlights "
            "clipped, giving a harsh look.",
            "The tonal range is stretched {q} too far, so mid-tones vanish and {texture} "
            "turns harsh.",
            "Contrast is {q} excessive, separating tones abruptly and crushing shadow detail.",
        ),
        extras=(
            "Gradual transitions turn into abrupt jumps in tone.",
            "The result looks stark rather than natural.",
        ),
        clauses=(
            "which {q} exaggerates tonal differences, crushing shadows and clipping highlights",
            "which stretches the tones {q} too far and gives the scene a harsh look",
        ),
    ),
    "contrast_weaken": CategoryWording(
        _contrast_down, _STRENGTH_ADVERBS,
        effects=(
            "The tonal range is {q} narrowed, so the scene looks flat and hazy.",
            "Shadows and highlights drift toward a common grey, and the scene appears {q} "
            "faded.",
            "With its contrast {q} reduced, {edges} stand out less and the scene looks dull.",
        ),
        extras=(
            "Depth and separation between regions are largely lost.",
            "The picture feels veiled, as if seen through haze.",
        ),
        clauses=(
            "which {q} narrows the tonal range and leaves the scene flat and hazy",
            "which makes the scene look {q} faded and dull",
        ),
    ),
    "saturate_strengthen": CategoryWording(
        _saturation_up, ("slightly", "noticeably", "strongly", "heavily", "extremely"),
        effects=(
            "{Hues} are pushed {q} toward garish intensity, and subtle shading within "
            "coloured areas is lost.",
            "Hues look {q} oversaturated, almost neon, so gradations inside coloured regions "
            "merge.",
            "The saturation is {q} exaggerated, making {hues} glow unnaturally.",
        ),
        extras=(
            "Fine variations of tone inside richly coloured areas disappear.",
            "The overall impression is gaudy rather than natural.",
        ),
        clauses=(
            "which makes {hues} {q} oversaturated and garish",
            "which pushes the hues {q} toward an unnatural, neon-like intensity",
        ),
    ),
    "saturate_weaken": CategoryWording(
        _saturation_down, ("slightly", "noticeably", "strongly", "heavily", "almost completely"),
        effects=(
            "{Hues} are {q} drained toward grey, so the scene looks muted and pale.",
            "The hues are {q} desaturated, leaving a muted, lifeless impression.",
            "Colour is {q} washed away, and the picture feels pale.",
        ),
        extras=(
            "Regions that differ mainly in hue become hard to tell apart.",
            "The mood of the scene turns cold and lifeless.",
        ),
        clauses=(
            "which {q} drains {hues} toward grey and leaves the scene muted",
            "which leaves the hues {q} desaturated and pale",
        ),
    ),
    "oversharpen": CategoryWording(
        _sharpen, ("slightly", "clearly", "strongly", "severely", "extremely"),
        effects=(
            "Edges are {q} overemphasised, with halos along {edges} and a crunchy look on "
            "{texture}.",
            "Halos trace {edges}, and {texture} looks {q} gritty and exaggerated.",
            "The sharpening is {q} overdone, so outlines carry halos and fine texture looks "
            "brittle.",
        ),
        extras=(
            "Small details look etched rather than natural.",
            "Even smooth surfaces pick up a rough, crunchy texture.",
        ),
        clauses=(
            "which {q} exaggerates edges and surrounds {edges} with halos",
            "which makes {texture} look {q} crunchy, with halos along outlines",
        ),
    ),
    "pixelate": CategoryWording(
        _psnr_band, ("a fine", "a visible", "a coarse", "a very coarse", "an extremely coarse"),
        effects=(
            "The scene is rebuilt from {q} grid of square tiles, so {edges} become jagged "
            "stair-steps.",
            "Fine detail is replaced by uniform square tiles in {q} mosaic, and curved "
            "outlines turn jagged.",
            "Each small area collapses into a single tone, giving {q} mosaic look with jagged "
            "outlines.",
        ),
        extras=(
            "{Texture} can no longer be read at its true scale.",
            "Smooth diagonals are broken into visible steps.",
        ),
        clauses=(
            "which turns the scene into {q} mosaic of square tiles with jagged outlines",
            "which replaces {texture} with {q} grid of uniform tiles",
        ),
    ),
    "quantize": CategoryWording(
        _psnr_band, ("faint", "visible", "clear", "strong", "severe"),
        effects=(
            "Smooth gradients break into {q} banding, and subtle shading collapses into a few "
            "discrete tones.",
            "{Q} posterization replaces gradual transitions with abrupt bands of colour.",
            "Tonal steps become coarse, so {smooth} show {q} banding instead of gradual "
            "shading.",
        ),
        extras=(
            "Subtle variations of tone are merged into the same level.",
            "The scene takes on a posterized, printed look.",
        ),
        clauses=(
            "which breaks smooth gradients into {q} banding",
            "which replaces gradual shading with {q} posterized steps",
        ),
    ),
}

_GENERIC = CategoryWording(
    lambda c: None, ("slightly", "noticeably", "clearly", "strongly", "severely"),
    effects=("It {q} degrades {texture} and the overall look of the scene.",),
    extras=("The scene looks less natural as a result.",),
    clauses=("which {q} degrades the overall look of the scene",),
)

# GT names that read as a noun after a grade word ("serious blur"); the others are
# adjective-led phrases ("overly high brightness") that need "a serious degree of ...".
_MASS_NOUN = frozenset({"blur", "noise", "compression", "oversharpening", "pixelation",
                        "color quantization"})


# Distortions of a category that look unlike the category's usual effect get their own sentences.
_BY_NAME: dict[str, dict[str, tuple[str, ...]]] = {
    "compression_jpeg2000": dict(  # wavelet coding: softness and ringing, never square blocks
        effects=(
            "It smooths away fine detail, leaving {texture} blurred into soft patches with "
            "{q} ringing along {edges}.",
            "Compression softens {texture} into smooth, smudged patches, and {q} ringing echoes "
            "around {edges}.",
            "Fine gradations melt together as the compression blurs them, and {edges} pick up "
            "{q} ringing.",
        ),
        extras=(
            "Small structures melt into one another, while broad tones stay smooth.",
            "Outlines keep their place but are shadowed by faint ripples.",
        ),
        clauses=(
            "which blurs {texture} and adds {q} ringing around {edges}",
            "which smooths away fine detail and leaves {q} ringing along {edges}",
        ),
    ),
    "blur_jitter": dict(  # every pixel displaced at random: frayed, scattered, not smeared
        effects=(
            "Pixels are scattered around their places, so {edges} look ragged and {q} of "
            "{texture} breaks up into a restless scatter.",
            "Every pixel is displaced by a small random step, fraying {edges} and scrambling "
            "{q} of {texture}.",
            "{Edges} turn frayed and broken as pixels swap places, and {q} of the fine detail "
            "is scrambled.",
        ),
        extras=(
            "Straight lines look frayed and broken rather than cleanly drawn.",
            "Smooth areas take on a fine, restless scatter of displaced pixels.",
        ),
        clauses=(
            "which scatters pixels and frays {edges}",
            "which scrambles {q} of {texture} by displacing pixels at random",
        ),
    ),
    "blur_motion": dict(
        effects=(
            "Everything is smeared along one direction, so {edges} trail into streaks and "
            "{q} of {texture} is lost.",
            "A directional smear drags {edges} into streaks, and {q} of {texture} blurs away.",
        ),
        clauses=("which smears the scene along one direction and blurs {q} of {texture}",
                 "which drags {edges} into directional streaks"),
    ),
    "blur_zoom": dict(
        effects=(
            "Detail is smeared outward from the centre, so {edges} near the borders blur into "
            "radial streaks and {q} of {texture} is lost.",
            "A radial blur pulls {edges} into streaks pointing away from the centre, erasing "
            "{q} of {texture}.",
        ),
        clauses=("which blurs the scene into radial streaks away from the centre",
                 "which smears {edges} outward from the middle and erases {q} of {texture}"),
    ),
    "noise_impulse": dict(  # isolated white and black dots, not grain
        effects=(
            "Isolated white and black specks are sprinkled over the scene, and they stand out "
            "most in {smooth}.",
            "Salt-and-pepper noise peppers every surface with stray white and black specks.",
        ),
        clauses=("which sprinkles stray white and black specks over {smooth}",
                 "which peppers the scene with isolated white and black specks"),
    ),
}

# Measured variants for exposure changes: what the sentences say follows the pixels.
_BRIGHT_RESULT = 130.0  # mean luma from which a brightened image reads as light
_DARK_RESULT = 110.0  # mean luma up to which a darkened image reads as dark
_CLIPPED = (0.015, 0.08)  # rise in the clipped share: some, wide areas

_LIFTED_DARK_SCENE = dict(  # brightened, but the result is still not a light image
    effects=(
        "Tones are {q} lifted, so the deepest shadows turn grey and lose their depth.",
        "The exposure is {q} raised: shadows are thinned into grey and lose their depth.",
        "The scene is {q} brightened beyond its natural look, and its shadows lose their "
        "weight.",
    ),
    extras=("Shadow areas look greyish and thin.", "The lifted shadows take some depth out of "
            "the hues."),
    clauses=("which {q} lifts the shadows into grey", "which raises the tones {q} and thins "
             "the shadows"),
)
_LOWERED_LIGHT_SCENE = dict(  # darkened, but the result is still not a dark image
    effects=(
        "Tones are {q} lowered, and the brightest areas lose their sparkle.",
        "The scene is {q} dimmed, though it keeps plenty of light.",
        "Exposure is {q} reduced, so highlights look subdued and mid-tones heavier.",
    ),
    extras=("Highlights look subdued rather than luminous.", "Hues lose some of their glow."),
    clauses=("which {q} lowers the tones and subdues the highlights",
             "which leaves the scene {q} dimmed"),
)


def wording(category: str) -> CategoryWording:
    """The sentence plans of a category (a generic plan for plugin categories)."""
    return WORDING.get(category, _GENERIC)


def plan(label: DistortionLabel, changes: Optional[Changes] = None) -> CategoryWording:
    """The sentence plans for one label: its distortion's own where its look differs from the
    category's, and for exposure changes the variant that fits the measured result (brightening
    a dark scene lifts its shadows; it does not push tones toward white)."""
    chosen = wording(label.category)
    if label.name in _BY_NAME:
        chosen = dataclasses.replace(chosen, **_BY_NAME[label.name])
    if changes is not None and label.category == "brighten" \
            and changes.brightness < _BRIGHT_RESULT:
        chosen = dataclasses.replace(chosen, **_LIFTED_DARK_SCENE)
    elif changes is not None and label.category == "darken" \
            and changes.brightness > _DARK_RESULT:
        chosen = dataclasses.replace(chosen, **_LOWERED_LIGHT_SCENE)
    return chosen


def _detail_index(label: DistortionLabel, changes: Optional[Changes], level: int) -> int:
    """Which clipping clause to use: measured clipping when known, else the band."""
    rise = None
    if changes is not None and label.category == "brighten":
        rise = changes.clipped_high_rise
    elif changes is not None and label.category == "darken":
        rise = changes.clipped_low_rise
    if rise is None:
        return 0 if level <= 1 else (1 if level == 2 else 2)
    return int(sum(rise > edge for edge in _CLIPPED))


def band(label: DistortionLabel, changes: Optional[Changes]) -> int:
    """0..4 wording band: the mean of the measured and the graded band (or the graded one),
    kept within one step of the graded band so that the words never contradict the stated grade
    (a "slight" distortion is never described as changing the image "strongly")."""
    graded = rank_of(label) - 1
    measured = wording(label.category).measure(changes) if changes is not None else None
    if measured is None:
        return graded
    mean = int(np.floor((graded + measured) / 2 + 0.5))
    return min(max(mean, graded - 1), graded + 1)


def graded_phrase(label: DistortionLabel, name: str, rng: np.random.Generator) -> str:
    """A noun phrase naming the distortion (its category's display ``name``) with its grade
    ("serious blur")."""
    grade = grade_of(label)
    if name in _MASS_NOUN and rng.random() < 0.6:
        return f"{grade} {name}"
    return pick(rng, (f"{article(grade)} {grade} degree of {name}",
                      f"{name} of {article(grade)} {grade} degree"))


def _fill(template: str, label: DistortionLabel, words: SceneWords, level: int,
          changes: Optional[Changes]) -> str:
    chosen = wording(label.category)
    q = chosen.scale[level]
    detail = chosen.details[_detail_index(label, changes, level)]
    edges, texture, hues = words.edges, words.texture, words.hues
    return template.format(q=q, Q=cap(q), edges=edges, Edges=cap(edges), texture=texture,
                           Texture=cap(texture), smooth=words.smooth, hues=hues, Hues=cap(hues),
                           detail=detail)


def intro_sentence(label: DistortionLabel, name: str, rng: np.random.Generator,
                   second: bool) -> str:
    """The sentence that names the distortion (its category's display ``name``) and its
    grade."""
    grade = grade_of(label)
    at_level = f"at {article(grade)} {grade} level"
    if second:
        return pick(rng, (
            f"On top of that, {name} is present {at_level}.",
            f"A second flaw is {graded_phrase(label, name, rng)}.",
            f"It is followed by {graded_phrase(label, name, rng)}.",
            f"In addition, the image shows {name} that is {grade}.",
        ))
    return pick(rng, (
        f"The main problem is {name}, {at_level}.",
        f"{cap(name)} is the most visible flaw here, and it is {grade}.",
        f"The image suffers from {graded_phrase(label, name, rng)}.",
        f"This picture shows {graded_phrase(label, name, rng)}.",
        f"The most striking issue is {name}, which is {grade}.",
    ))


def effect_sentence(label: DistortionLabel, words: SceneWords, changes: Optional[Changes],
                    rng: np.random.Generator) -> str:
    """How the distortion changes the scene, worded from the measured band."""
    return _fill(pick(rng, plan(label, changes).effects), label, words, band(label, changes),
                 changes)


def extra_sentences(label: DistortionLabel, words: SceneWords, changes: Optional[Changes],
                    rng: np.random.Generator) -> list[str]:
    """The optional further sentences on the same distortion, in a drawn order."""
    extras = plan(label, changes).extras
    level = band(label, changes)
    return [_fill(extras[i], label, words, level, changes) for i in rng.permutation(len(extras))]


def clause(label: DistortionLabel, words: SceneWords, changes: Optional[Changes],
           rng: np.random.Generator, used: Optional[set[str]] = None) -> str:
    """A relative clause ("which ...") on the distortion's effect, for comparisons.

    Templates in ``used`` are avoided while others remain (so two images with the same
    distortion are not described with the same words); the chosen one is added to it.
    """
    templates = plan(label, changes).clauses
    fresh = [t for t in templates if used is None or t not in used] or list(templates)
    template = pick(rng, fresh)
    if used is not None:
        used.add(template)
    return _fill(template, label, words, band(label, changes), changes)
