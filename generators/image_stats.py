"""Measured image statistics: for the dataset card and for the offline response writer.

All take a uint8 RGB image and return floats on fixed, documented scales.
"""

from __future__ import annotations

import cv2
import numpy as np


def luminance(image: np.ndarray) -> np.ndarray:
    """ITU-R 601 luma in [0, 255] as float32."""
    x = image.astype(np.float32)
    return 0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2]


def brightness(image: np.ndarray) -> float:
    """Mean luma, 0..255."""
    return float(luminance(image).mean())


def contrast(image: np.ndarray) -> float:
    """RMS contrast: standard deviation of luma, 0..~128."""
    return float(luminance(image).std())


def colourfulness(image: np.ndarray) -> float:
    """Hasler–Süsstrunk colourfulness (0 for grey; ~100+ for very colourful images)."""
    x = image.astype(np.float32)
    rg = x[..., 0] - x[..., 1]
    yb = 0.5 * (x[..., 0] + x[..., 1]) - x[..., 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def edge_density(image: np.ndarray) -> float:
    """Share of pixels on Canny edges (thresholds 100/200), 0..1."""
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return float((cv2.Canny(gray, 100, 200) > 0).mean())


def texture_variance(image: np.ndarray) -> float:
    """Mean local variance of luma in 7×7 windows (texture energy)."""
    y = luminance(image)
    mean = cv2.blur(y, (7, 7))
    sq = cv2.blur(y * y, (7, 7))
    return float(np.maximum(sq - mean * mean, 0).mean())


def saturation(image: np.ndarray) -> float:
    """Mean HSV saturation, 0..255."""
    return float(cv2.cvtColor(image, cv2.COLOR_RGB2HSV)[..., 1].mean())


def noise_level(image: np.ndarray) -> float:
    """Robust estimate of additive noise σ (0..255) from the finest wavelet-like residual."""
    y = luminance(image)
    residual = y - cv2.medianBlur(np.clip(y, 0, 255).astype(np.uint8), 3).astype(np.float32)
    return float(1.4826 * np.median(np.abs(residual - np.median(residual))))


CARD_STATS: tuple[str, ...] = ("brightness", "contrast", "colourfulness", "edge_density",
                               "texture_variance")
"""The statistics the dataset card reports (docs/tasks.md)."""
