"""Brightness distortions (docs/distortions.md), shared by brighten and darken: the sign of ``amount`` or
whether γ is below or above 1 decides the direction.

The HSV variants change only V. With H and S fixed, every RGB channel is proportional to
V = max(R, G, B), so V ← f(V) is applied exactly as RGB ← RGB·f(V)/V, without a round trip
through 8-bit HSV (which would also quantise hue to 2° steps). A black pixel (V = 0, S = 0)
becomes the grey f(0).
"""

from __future__ import annotations

import numpy as np

from ._util import apply_lut

_LEVELS = np.arange(256, dtype=np.float64) / 255.0


def _scale_value(image: np.ndarray, new_value: np.ndarray, clip_value: bool = True) -> np.ndarray:
    """RGB·f(V)/V given ``new_value`` = f(v) for v = 0 … 255, the RGB result clipped to 0..255.

    ``clip_value`` clips f(V) to [0, 1] first. The shift variants leave V unclipped, as the
    published data was made: a V pushed past 1 keeps its hue and saturation and only the RGB
    result saturates, which brightens more than clipping V would (level 5 of a photograph
    averages about 189 instead of 180).
    """
    if clip_value:
        new_value = np.clip(new_value, 0.0, 1.0)
    ratio = np.zeros(256, np.float32)
    ratio[1:] = new_value[1:] / _LEVELS[1:]
    v = image.max(axis=2)
    out = image * ratio[v][..., None]
    if new_value[0] > 0:
        out[v == 0] = new_value[0] * 255.0
    out += np.float32(0.5)
    np.clip(out, 0, 255, out=out)
    return out.astype(np.uint8)


def shift_hsv(image: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """V ← V + amount in HSV ([0, 1] units; amount < 0 darkens), V not clipped before the
    conversion back to RGB."""
    return _scale_value(image, _LEVELS + float(amount), clip_value=False)


def gamma_hsv(image: np.ndarray, rng: np.random.Generator, gamma: float) -> np.ndarray:
    """V ← V^γ in HSV (γ < 1 brightens, γ > 1 darkens)."""
    _check_gamma(gamma)
    return _scale_value(image, _LEVELS ** float(gamma))


def shift_rgb(image: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """RGB ← clip(RGB + amount) on all channels ([0, 1] units)."""
    return apply_lut(image, np.clip(_LEVELS + float(amount), 0.0, 1.0) * 255.0)


def gamma_rgb(image: np.ndarray, rng: np.random.Generator, gamma: float) -> np.ndarray:
    """RGB ← RGB^γ on all channels ([0, 1] units)."""
    _check_gamma(gamma)
    return apply_lut(image, _LEVELS ** float(gamma) * 255.0)


def _check_gamma(gamma: float) -> None:
    if not gamma > 0:
        raise ValueError(f"gamma must be > 0, got {gamma!r}")
