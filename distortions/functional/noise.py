"""Noise distortions (docs/distortions.md). Float maths on [0, 1]; every draw comes from ``rng``."""

from __future__ import annotations

import cv2
import numpy as np

from ._util import to_float, to_uint8


def gaussian_rgb(image: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Additive i.i.d. Gaussian noise per RGB channel, σ in [0, 1] units."""
    x = to_float(image)
    x += rng.standard_normal(x.shape, dtype=np.float32) * np.float32(sigma)
    return to_uint8(x)


def gaussian_ycbcr(image: np.ndarray, rng: np.random.Generator, sigma_y: float,
                   chroma_factor: float) -> np.ndarray:
    """Additive Gaussian noise in YCbCr (BT.601 full range, [0, 1] units): σ_Y on luma and
    σ_Y·``chroma_factor`` on both chroma channels, then back to RGB."""
    ycc = cv2.cvtColor(to_float(image), cv2.COLOR_RGB2YCrCb)
    scale = np.array([sigma_y, sigma_y * chroma_factor, sigma_y * chroma_factor], np.float32)
    ycc += rng.standard_normal(ycc.shape, dtype=np.float32) * scale
    return to_uint8(cv2.cvtColor(ycc, cv2.COLOR_YCrCb2RGB))


def speckle(image: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Multiplicative noise x + x·N(0, σ²)."""
    x = to_float(image)
    x *= np.float32(1.0) + rng.standard_normal(x.shape, dtype=np.float32) * np.float32(sigma)
    return to_uint8(x)


def spatially_correlated(image: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Additive Gaussian noise, then a 3×3 box (mean) filter over image plus noise."""
    x = to_float(image)
    x += rng.standard_normal(x.shape, dtype=np.float32) * np.float32(sigma)
    return to_uint8(cv2.blur(x, (3, 3), borderType=cv2.BORDER_REFLECT_101))


def poisson(image: np.ndarray, rng: np.random.Generator, scale: float) -> np.ndarray:
    """Photon noise Poisson(x·scale)/scale: fewer photons (smaller scale) → more noise."""
    lam = image.astype(np.float64) * (float(scale) / 255.0)
    counts = rng.poisson(lam).astype(np.float32)
    return to_uint8(counts * np.float32(1.0 / scale))


def impulse(image: np.ndarray, rng: np.random.Generator, density: float) -> np.ndarray:
    """Salt and pepper: a ``density`` share of the values (each channel of each pixel drawn
    independently, as skimage's ``random_noise(mode="s&p")``) set to 0 or 255 with equal odds."""
    u = rng.random(image.shape, dtype=np.float32)
    out = image.copy()
    half = np.float32(density / 2.0)
    out[u < half] = 0
    out[(u >= half) & (u < np.float32(density))] = 255
    return out
