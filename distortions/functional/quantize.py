"""quantize distortions (SPEC §1). TODO: implemented by the distortion-core work."""

from __future__ import annotations

import numpy as np


def histeq(image: np.ndarray, rng: np.random.Generator, **params) -> np.ndarray:
    raise NotImplementedError("quantize.histeq")


def median(image: np.ndarray, rng: np.random.Generator, **params) -> np.ndarray:
    raise NotImplementedError("quantize.median")


def otsu(image: np.ndarray, rng: np.random.Generator, **params) -> np.ndarray:
    raise NotImplementedError("quantize.otsu")

