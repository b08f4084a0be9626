"""Describing the content of a scene from measured statistics only.

The offline writer cannot see objects, so it never names any: it speaks of light, colour, hue
family, edges, texture and smooth areas, using words chosen from thresholds on the statistics of
``measure.Scene`` (224-px natural photos: brightness 60–120, colourfulness 35–80, edge density
0.05–0.15, texture variance 150–1200). Words that name a distortion (dark, soft, flat, muted, ...)
are avoided so a description never hints at a flaw the image does not have.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from .common import article, pick
from .measure import Scene


@dataclass(frozen=True)
class SceneWords:
    """Noun phrases and adjectives describing one scene, ready for templates."""

    light: Optional[str]  # "well-lit"; None when lighting is not to be described
    colour: Optional[str]  # "colourful"; None when colour is not to be described
    hue: Optional[str]  # "orange-toned", "multi-hued"; None for nearly grey scenes
    hues: str  # "the orange hues" / "the hues"
    structure: str  # "many distinct edges"
    texture_desc: str  # "finely detailed texture"
    edges: str  # "the many edges" (what blur-like distortions act on)
    texture: str  # "the fine texture"
    smooth: str  # "the broad smooth areas"
    tonal_sentence: str  # one optional sentence about the tonal range


def _light(brightness: float) -> str:
    if brightness < 70:
        return "low-key"
    if brightness < 110:
        return "moderately lit"
    if brightness < 165:
        return "well-lit"
    return "high-key"


def _colour(colourfulness: float) -> str:
    if colourfulness < 12:
        return "nearly neutral"
    if colourfulness < 30:
        return "modestly coloured"
    if colourfulness < 55:
        return "colourful"
    return "richly coloured"


def describe(scene: Scene, rng: np.random.Generator, brightness: Optional[float] = None,
             colourfulness: Optional[float] = None) -> SceneWords:
    """Words for a scene.

    Structure, texture and hue come from ``scene``; ``brightness`` and ``colourfulness``, when
    given, replace the scene's own so lighting and colour words match what a viewer of the
    distorted image sees. Pass ``nan`` to leave lighting or colour undescribed.
    """
    light_value = scene.tones.brightness if brightness is None else brightness
    colour_value = scene.colourfulness if colourfulness is None else colourfulness
    light = None if np.isnan(light_value) else _light(light_value)
    colour = None if np.isnan(colour_value) else _colour(colour_value)
    neutral = colour == "nearly neutral" or scene.chromatic_share < 0.1
    if neutral:
        hue, hues = None, "the few hues"
    elif scene.hue_family is not None:
        hue = pick(rng, (f"{scene.hue_family}-toned", f"{scene.hue_family}-dominated"))
        hues = f"the {scene.hue_family} hues"
    else:
        hue, hues = pick(rng, ("multi-hued", "varied-hue")), "the hues"

    e = scene.edge_density
    if e > 0.1:
        structure, edges = pick(rng, ("many distinct edges", "plenty of edges")), "the many edges"
    elif e > 0.05:
        structure, edges = "a fair number of edges", "the main outlines"
    elif e > 0.02:
        structure, edges = "a few clear outlines", "the few outlines"
    else:
        structure, edges = "large smooth regions", "the few contours"

    t = scene.texture_variance
    if t > 600:
        texture_desc, texture = "finely detailed texture", "the fine texture"
    elif t > 250:
        texture_desc, texture = "rich surface texture", "the surface texture"
    elif t > 100:
        texture_desc, texture = "moderate texture", "the texture"
    else:
        texture_desc, texture = "little fine texture", "the subtle shading"
    smooth = "the broad smooth areas" if e < 0.05 or t < 150 else "the smoother areas"

    c = scene.tones.contrast
    if c > 60:
        tonal = pick(rng, ("Tones span a wide range, from deep shadows to strong highlights.",
                           "The scene has a wide tonal range with strong separation."))
    elif c > 35:
        tonal = pick(rng, ("Its tonal range is balanced, with clear separation between regions.",
                           "Tones are well spread, separating the regions clearly."))
    else:
        tonal = pick(rng, ("Its tonal range is narrow, with gentle transitions between regions.",
                           "Tones stay close together, changing gradually across the frame."))
    return SceneWords(light, colour, hue, hues, structure, texture_desc, edges, texture,
                      smooth, tonal)


def content_sentence(words: SceneWords, rng: np.random.Generator) -> str:
    """One sentence describing a single image's content."""
    noun = _noun(words, rng)
    a = article(noun)
    s, t = words.structure, words.texture_desc
    return pick(rng, (
        f"The image shows {a} {noun} with {s} and {t}.",
        f"This is {a} {noun} containing {s} and {t}.",
        f"The picture presents {a} {noun}; it offers {s} along with {t}.",
        f"Its content is {a} {noun}, built from {s} and {t}.",
        f"At a glance, this is {a} {noun} with {s} and {t}.",
    ))


def shared_content_sentence(words: SceneWords, rng: np.random.Generator) -> str:
    """One sentence describing the scene both images of a pair show."""
    noun = _noun(words, rng)
    s, t = words.structure, words.texture_desc
    return pick(rng, (
        f"Both images show the same {noun} with {s} and {t}.",
        f"Image A and Image B depict one {noun} containing {s} and {t}.",
        f"The two images share {article(noun)} {noun} made of {s} and {t}.",
        f"Both pictures present the same {noun}, offering {s} along with {t}.",
    ))


def _noun(words: SceneWords, rng: np.random.Generator) -> str:
    """"scene" with the lighting, colour and hue adjectives that apply, in a drawn order."""
    adjectives = [a for a in (words.light, words.colour) if a]
    if len(adjectives) == 2 and rng.random() < 0.5:
        adjectives.reverse()
    if words.hue:
        adjectives.append(words.hue)
    return ", ".join(adjectives + ["scene"]).replace(", scene", " scene")
