"""Chat prompts built from the ground truth of a sample (versioned; the version is in every result).

The model sees the images as base64 PNG ``image_url`` parts and is told what was done to them
(distortion names with grades, and for a pair the comparison model's verdict). The facts block has
a fixed line layout (``Task:``, ``- Image A: ...``, ``Better image: ...``) so that a test server can
read it back; changing that layout or any wording means bumping ``PROMPT_VERSION``.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Optional, Sequence

import cv2
import numpy as np

from iqa_datagen.distortions import BUILTIN_NAMES, CategoryNames
from iqa_datagen.schemas import DistortionLabel, Verdict

PROMPT_VERSION = "llm-prompts/1"

ASSESSMENT_WORDS = (60, 90)
COMPARISON_MAX_WORDS = 170

_SYSTEM = (
    "You are an expert in image quality. You write the kind of careful, concrete quality "
    "descriptions a photo editor would write. You will be shown images and given private notes "
    "on exactly which degradations they carry and how strong they are. Treat the notes as your "
    "own observations: describe what is visible, and never say or imply that you were given "
    "notes, labels, a reference, an original or a ground truth. Do not use the words "
    "'reference', 'pristine' or 'ground truth' at all."
)

_ASSESSMENT_TASK = (
    "Write one paragraph of {lo}-{hi} words about Image A, in three parts:\n"
    "1. What the picture shows (main subject and scene), in a sentence.\n"
    "2. Each degradation in the notes, named plainly (for example 'blur', 'noise', 'JPEG "
    "compression artifacts', 'underexposure'), with its strength and how it affects what is "
    "shown: which details, textures, edges or colours suffer.\n"
    "3. A final sentence that starts with 'Overall,' and rates the image quality (for example "
    "poor, fair, acceptable or good).\n"
    "If the notes list no degradation, say the image is clean and rate its quality as good or "
    "excellent. Plain prose only: no headings, lists or markdown."
)

_COMPARISON_TASK = (
    "Compare Image A and Image B in one or two paragraphs of at most {hi} words (about 90-150 is "
    "ideal), in three parts:\n"
    "1. What the pictures show, in a sentence.\n"
    "2. The degradations of Image A and of Image B from the notes, named plainly with their "
    "strength, and how each one affects the content.\n"
    "3. A conclusion that names the better image explicitly, as in 'Therefore, Image A is "
    "better than Image B.'\n"
    "The notes give a judgement of which image is better. Follow it unless the images make it "
    "obviously wrong; only then conclude the other way, and begin that conclusion with 'On "
    "closer inspection,' so the disagreement is explicit. Plain prose only: no headings, lists "
    "or markdown."
)

_EXPANSION_TASK = (
    "Below are private notes on the image(s) and a description that was written from them. "
    "Write {k} new question-and-answer pairs that a user might ask about the quality of "
    "{subject}. Vary the questions (which degradation, how strong, where it shows, how it "
    "affects the content, {extra}). Every answer must agree with the notes: never claim a "
    "degradation is present when the notes do not list it, and answer yes/no questions with "
    "'Yes' or 'No' first. Never mention notes, labels, a reference or an original.\n"
    'Reply with JSON only, exactly this shape: {{"pairs": [{{"question": "...", '
    '"answer": "..."}}]}} with {k} items.'
)


@dataclass(frozen=True)
class EncodedImage:
    """An image ready for a prompt: its data URL and a content hash (for the cache key)."""

    data_url: str
    sha256: str


def _check_image(image: np.ndarray, what: str) -> np.ndarray:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 \
            or image.shape[2] != 3:
        shape = getattr(image, "shape", None)
        dtype = getattr(image, "dtype", type(image).__name__)
        raise ValueError(f"{what}: expected an RGB uint8 H×W×3 array, got shape {shape} "
                         f"dtype {dtype}")
    return np.ascontiguousarray(image)


def image_digest(image: np.ndarray, what: str = "image") -> str:
    """SHA-256 of the pixels and shape (independent of the PNG encoder)."""
    pixels = _check_image(image, what)
    return hashlib.sha256(repr(pixels.shape).encode() + pixels.tobytes()).hexdigest()


def placeholder_image(digest: str) -> EncodedImage:
    """Stands in for an image in the prompt text that the cache key is computed from."""
    return EncodedImage(f"sha256:{digest}", digest)


def encode_image(image: np.ndarray, what: str = "image",
                 digest: Optional[str] = None) -> EncodedImage:
    """PNG-encode an RGB uint8 image as a base64 data URL (PNG level 1: about 3 ms for 224 px,
    within a few percent of the smallest file)."""
    pixels = _check_image(image, what)
    ok, png = cv2.imencode(".png", cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise ValueError(f"{what}: PNG encoding failed for shape {pixels.shape}")
    return EncodedImage("data:image/png;base64," + base64.b64encode(png.tobytes()).decode(),
                        digest or image_digest(pixels, what))


def describe_labels(labels: Sequence[DistortionLabel],
                    names: CategoryNames = BUILTIN_NAMES) -> str:
    """``blur (moderate; motion variant); noise (slight; poisson variant)`` or ``none``, each
    category called by its display name in ``names``."""
    if not labels:
        return "none (no visible degradation)"
    parts = []
    for label in labels:
        gt = names[label.category]
        variant = label.name[len(label.category) + 1:] if label.name.startswith(
            label.category + "_") else ""
        variant = f"; {variant.replace('_', ' ')} variant" if variant else ""
        parts.append(f"{gt} ({label.grade}{variant})")
    return "; ".join(parts)


def describe_verdict(verdict: Optional[Verdict]) -> str:
    if verdict is None:
        return "Better image: not given (decide from the images)"
    sure = "" if verdict.confidence is None else f" (confidence {verdict.confidence:.2f})"
    return f"Better image: Image {verdict.winner}{sure}"


def _image_parts(images: Sequence[tuple[str, EncodedImage]]) -> list[dict]:
    parts: list[dict] = []
    for caption, image in images:
        parts.append({"type": "text", "text": caption})
        parts.append({"type": "image_url", "image_url": {"url": image.data_url}})
    return parts


def assessment_messages(ref: EncodedImage, image_a: EncodedImage,
                        labels_a: Sequence[DistortionLabel],
                        names: CategoryNames = BUILTIN_NAMES) -> list[dict]:
    facts = ("Private notes:\nTask: assessment\n"
             f"- Image A: {describe_labels(labels_a, names)}\n")
    task = _ASSESSMENT_TASK.format(lo=ASSESSMENT_WORDS[0], hi=ASSESSMENT_WORDS[1])
    content = _image_parts([("Undistorted version (for your eyes only):", ref),
                            ("Image A:", image_a)])
    content.append({"type": "text", "text": facts + "\n" + task})
    return [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": content}]


def comparison_messages(ref: EncodedImage, image_a: EncodedImage, image_b: EncodedImage,
                        labels_a: Sequence[DistortionLabel], labels_b: Sequence[DistortionLabel],
                        verdict: Optional[Verdict],
                        names: CategoryNames = BUILTIN_NAMES) -> list[dict]:
    facts = ("Private notes:\nTask: comparison\n"
             f"- Image A: {describe_labels(labels_a, names)}\n"
             f"- Image B: {describe_labels(labels_b, names)}\n"
             f"{describe_verdict(verdict)}\n")
    task = _COMPARISON_TASK.format(hi=COMPARISON_MAX_WORDS)
    content = _image_parts([("Undistorted version (for your eyes only):", ref),
                            ("Image A:", image_a), ("Image B:", image_b)])
    content.append({"type": "text", "text": facts + "\n" + task})
    return [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": content}]


def expansion_messages(paired: bool, response: str, k: int, labels_a: Sequence[DistortionLabel],
                       labels_b: Sequence[DistortionLabel], verdict: Optional[Verdict],
                       names: CategoryNames = BUILTIN_NAMES,
                       images: Sequence[tuple[str, EncodedImage]] = ()) -> list[dict]:
    facts = f"Private notes:\nTask: expansion, k={k}, {'pair' if paired else 'single'}\n"
    facts += f"- Image A: {describe_labels(labels_a, names)}\n"
    if paired:
        facts += f"- Image B: {describe_labels(labels_b, names)}\n{describe_verdict(verdict)}\n"
    subject = "Image A and Image B" if paired else "the image"
    extra = "which image is better and why" if paired else "the overall quality"
    text = (facts + "\nDescription:\n" + response.strip() + "\n\n"
            + _EXPANSION_TASK.format(k=k, subject=subject, extra=extra))
    content = _image_parts(images)
    content.append({"type": "text", "text": text})
    return [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": content}]
