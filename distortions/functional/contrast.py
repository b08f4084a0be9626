"""Contrast distortions (docs/distortions.md), shared by strengthen and weaken: α decides the direction.

Both act value by value (per channel), so each is a 256-entry lookup table per image.
"""

from __future__ import annotations

import numpy as np

from ._util import apply_lut

STRETCH_EPS = 1e-12
"""ε of the stretch formula: keeps a zero value finite, so black maps to 0 for α > 0 as in the
published data (a larger ε such as 1e-3 lifts black to about 20/255 at α = 0.4)."""

_LUMA = np.array([0.299, 0.587, 0.114])


def scale(image: np.ndarray, rng: np.random.Generator, alpha: float) -> np.ndarray:
    """I ← m·(1−α) + I·α in 8 bits, m = the image's mean ITU-R 601 luminance, rounded.

    α > 1 pushes values away from the mean grey (stronger contrast), α < 1 pulls them in.
    """
    mean_grey = float(np.rint(image.reshape(-1, 3).mean(axis=0) @ _LUMA))
    levels = np.arange(256, dtype=np.float64)
    return apply_lut(image, mean_grey * (1.0 - alpha) + levels * alpha)


def stretch(image: np.ndarray, rng: np.random.Generator, alpha: float) -> np.ndarray:
    """I ← 1 / (1 + (m_c / (I + ε))^α) per channel c, m_c the channel mean ([0, 1] units).

    A sigmoid in log-intensity centred on the channel mean: large α steepens it (stronger
    contrast), small α flattens it (weaker contrast). An all-black channel (m_c = 0) has no
    contrast to change and stays black; the bare formula would turn it white.
    """
    means = image.reshape(-1, 3).mean(axis=0) / 255.0
    levels = np.arange(256, dtype=np.float64)[:, None] / 255.0
    with np.errstate(over="ignore", divide="ignore"):
        table = 1.0 / (1.0 + (means[None, :] / (levels + STRETCH_EPS)) ** float(alpha))
    table[:, means == 0] = 0.0
    return apply_lut(image, table * 255.0)
