"""Measured facts about an image and about how a distorted image differs from its source.

The offline writer describes only what it can measure. ``scene`` computes the content statistics
of ``generators.image_stats`` (brightness, contrast, colourfulness, edge density, texture) plus the
dominant hue family; ``tones`` computes the cheaper statistics that distortions change (detail
after a 3×3 median, noise σ, clipped shares, saturation). Both share their intermediate arrays
(grey, HSV, median) so a 224-px image costs about a millisecond. ``changes`` turns the tones of a
source and of its distorted version into the differences the distortion sentences quote.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from iqa_datagen.distortions import check_image
from iqa_datagen.generators import image_stats

# OpenCV hue (0..180) upper bounds of each family, in order; red wraps round at both ends.
_HUE_FAMILIES: tuple[tuple[int, str], ...] = (
    (8, "red"), (20, "orange"), (33, "yellow"), (78, "green"), (95, "cyan"), (130, "blue"),
    (150, "purple"), (168, "pink"), (181, "red"),
)
_FAMILY_NAMES: tuple[str, ...] = tuple(dict.fromkeys(name for _, name in _HUE_FAMILIES))
_HUE_TO_FAMILY = np.zeros(256, dtype=np.intp)  # OpenCV hue byte → index into _FAMILY_NAMES
_lower = 0
for _upper, _name in _HUE_FAMILIES:
    _HUE_TO_FAMILY[_lower:_upper] = _FAMILY_NAMES.index(_name)
    _lower = _upper
_CHROMATIC_S = 50  # HSV saturation (0..255) above which a pixel counts as coloured
_CHROMATIC_V = 40  # ... and value above which its hue is visible


@dataclass(frozen=True)
class Tones:
    """What the distortion sentences compare, for any image (0..255 scales unless noted)."""

    brightness: float  # mean luma
    contrast: float  # luma standard deviation
    detail: float  # Laplacian variance after a 3×3 median: a blur measure robust to noise
    saturation: float  # mean HSV saturation
    noise_level: float  # robust σ of the residual after a 3×3 median
    clipped_high: float  # share of pixels with luma ≥ 250, 0..1
    clipped_low: float  # share of pixels with luma ≤ 5, 0..1


@dataclass(frozen=True)
class Scene:
    """What the content sentence describes: the tones plus structure and colour of the scene."""

    tones: Tones
    colourfulness: float  # Hasler–Süsstrunk
    edge_density: float  # share of Canny edge pixels, 0..1
    texture_variance: float  # mean 7×7 local luma variance
    hue_family: Optional[str]  # dominant hue family, None when mixed or nearly grey
    chromatic_share: float  # share of pixels coloured enough to have a visible hue, 0..1


def _robust_sigma(values: np.ndarray) -> float:
    """1.4826 × MAD of small integers, through a histogram (O(n), no sort)."""
    offset = 255
    counts = np.bincount((values + offset).ravel(), minlength=2 * offset + 1)
    cumulative = np.cumsum(counts)
    half = cumulative[-1] / 2.0
    median = int(np.searchsorted(cumulative, half)) - offset
    deviations = np.bincount(np.abs(values - median).ravel(), minlength=offset + 1)
    mad = int(np.searchsorted(np.cumsum(deviations), half))
    return 1.4826 * mad


def _hue(hsv: np.ndarray) -> tuple[Optional[str], float]:
    chromatic = cv2.inRange(hsv, (0, _CHROMATIC_S + 1, _CHROMATIC_V + 1), (255, 255, 255))
    share = cv2.countNonZero(chromatic) / float(chromatic.size)
    if share < 0.1:
        return None, share
    counts = cv2.calcHist([hsv], [0], chromatic, [256], [0, 256]).ravel()
    weights = np.bincount(_HUE_TO_FAMILY, weights=counts, minlength=len(_FAMILY_NAMES))
    top = int(np.argmax(weights))
    total = float(weights.sum())
    return (_FAMILY_NAMES[top] if total > 0 and weights[top] / total >= 0.4 else None), share


def _tones(image: np.ndarray, grey: np.ndarray, hsv: np.ndarray) -> Tones:
    hist = cv2.calcHist([grey], [0], None, [256], [0, 256]).ravel().astype(np.float64)
    n = float(grey.size)
    levels = np.arange(256, dtype=np.float64)
    mean = float(hist @ levels / n)
    std = float(np.sqrt(max(hist @ (levels - mean) ** 2 / n, 0.0)))
    median = cv2.medianBlur(grey, 3)
    return Tones(
        brightness=mean,
        contrast=std,
        detail=float(cv2.Laplacian(median, cv2.CV_32F).var()),
        saturation=float(cv2.mean(hsv[..., 1])[0]),
        noise_level=_robust_sigma(cv2.subtract(grey, median, dtype=cv2.CV_16S)),
        clipped_high=float(hist[250:].sum() / n),
        clipped_low=float(hist[:6].sum() / n),
    )


def _grey_hsv(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), cv2.cvtColor(image, cv2.COLOR_RGB2HSV)


def tones(image: np.ndarray, what: str = "image") -> Tones:
    """The comparable statistics of a uint8 H×W×3 RGB image."""
    image = check_image(image, what)
    return _tones(image, *_grey_hsv(image))


def scene(image: np.ndarray, what: str = "image") -> Scene:
    """Tones plus the content statistics of a uint8 H×W×3 RGB image."""
    image = check_image(image, what)
    grey, hsv = _grey_hsv(image)
    grey_f = grey.astype(np.float32)
    local_mean = cv2.blur(grey_f, (7, 7))
    local_sq = cv2.blur(grey_f * grey_f, (7, 7))
    hue_family, chromatic_share = _hue(hsv)
    return Scene(
        tones=_tones(image, grey, hsv),
        colourfulness=image_stats.colourfulness(image),
        edge_density=cv2.countNonZero(cv2.Canny(grey, 100, 200)) / float(grey.size),
        texture_variance=float(np.maximum(local_sq - local_mean * local_mean, 0).mean()),
        hue_family=hue_family,
        chromatic_share=chromatic_share,
    )


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB (99 for identical images)."""
    if a.shape != b.shape:
        raise ValueError(f"psnr: images differ in shape, {a.shape} vs {b.shape}")
    return float(min(cv2.PSNR(a, b), 99.0))


@dataclass(frozen=True)
class Changes:
    """How a distorted image differs from its source scene.

    Ratios are distorted / source (1 = unchanged); shifts and rises are distorted − source on the
    0..255 scale (clipped shares on 0..1).
    """

    detail_ratio: float
    noise_rise: float
    brightness_shift: float
    contrast_ratio: float
    saturation_ratio: float
    clipped_high_rise: float
    clipped_low_rise: float
    psnr: float
    brightness: float  # mean luma of the distorted image, 0..255


def _ratio(new: float, old: float) -> float:
    if old > 1e-6:
        return float(new / old)
    return 1.0 if new <= 1e-6 else 10.0


def changes(source: Tones, distorted: Tones, psnr_db: float) -> Changes:
    """The differences between the tones of a source image and of its distorted version."""
    return Changes(
        detail_ratio=_ratio(distorted.detail, source.detail),
        noise_rise=distorted.noise_level - source.noise_level,
        brightness_shift=distorted.brightness - source.brightness,
        contrast_ratio=_ratio(distorted.contrast, source.contrast),
        saturation_ratio=_ratio(distorted.saturation, source.saturation),
        clipped_high_rise=distorted.clipped_high - source.clipped_high,
        clipped_low_rise=distorted.clipped_low - source.clipped_low,
        psnr=psnr_db,
        brightness=distorted.brightness,
    )
