"""Saturation distortions (docs/distortions.md), shared by strengthen (factor > 1) and weaken (factor < 1)."""

from __future__ import annotations

import cv2
import numpy as np

from ._util import to_float, to_uint8


def hsv(image: np.ndarray, rng: np.random.Generator, factor: float) -> np.ndarray:
    """S ← min(S·factor, 1) in HSV, H and V kept.

    With V = max and m = min of the channels, S = (V − m)/V and each channel is
    V − S·V·g(H); so scaling S to S' moves every channel to V − (V − c)·S'/S. That is exact
    float HSV maths without the 8-bit HSV round trip (which would quantise hue).
    """
    if factor < 0:
        raise ValueError(f"saturation factor must be ≥ 0, got {factor!r}")
    x = image.astype(np.float32)
    v = x.max(axis=2, keepdims=True)
    spread = v - x.min(axis=2, keepdims=True)
    # S' / S, capped where S·factor would exceed 1 (there S' = 1, i.e. the ratio is V / (V − m))
    gain = np.full_like(v, np.float32(factor))
    np.divide(v, spread, out=gain, where=spread * np.float32(factor) > v)
    out = v - (v - x) * gain
    out += np.float32(0.5)
    np.clip(out, 0, 255, out=out)
    return out.astype(np.uint8)


def ycbcr(image: np.ndarray, rng: np.random.Generator, factor: float) -> np.ndarray:
    """Cb, Cr ← 128 + (C − 128)·factor in 8-bit YCbCr (BT.601 full range), chroma clipped to its
    range, then back to RGB."""
    if factor < 0:
        raise ValueError(f"saturation factor must be ≥ 0, got {factor!r}")
    ycc = cv2.cvtColor(to_float(image), cv2.COLOR_RGB2YCrCb)
    chroma = ycc[..., 1:]
    chroma -= np.float32(0.5)
    chroma *= np.float32(factor)
    chroma += np.float32(0.5)
    np.clip(chroma, 0.0, 1.0, out=chroma)
    return to_uint8(cv2.cvtColor(ycc, cv2.COLOR_YCrCb2RGB))
