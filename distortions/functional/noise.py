"""noise distortions (SPEC §1). TODO: implemented by the distortion-core work."""

from __future__ import annotations

import numpy as np

from ._util import to_float, to_uint8


def gaussian_rgb(image: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Additive i.i.d. Gaussian noise per RGB channel, σ in [0, 1] units."""
    x = to_float(image)
    x += rng.standard_normal(x.shape, dtype=np.float32) * np.float32(sigma)
    return to_uint8(x)


def gaussian_ycbcr(image: np.ndarray, rng: np.random.Generator, **params) -> np.ndarray:
    raise NotImplementedError("noise.gaussian_ycbcr")


def speckle(image: np.ndarray, rng: np.random.Generator, **params) -> np.ndarray:
    raise NotImplementedError("noise.speckle")


def spatially_correlated(image: np.ndarray, rng: np.random.Generator, **params) -> np.ndarray:
    raise NotImplementedError("noise.spatially_correlated")


def poisson(image: np.ndarray, rng: np.random.Generator, **params) -> np.ndarray:
    raise NotImplementedError("noise.poisson")


def impulse(image: np.ndarray, rng: np.random.Generator, **params) -> np.ndarray:
    raise NotImplementedError("noise.impulse")

