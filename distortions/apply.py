"""Applying a named distortion at a level: the one entry point the rest of the project uses."""

from __future__ import annotations

import numpy as np

from .registry import Registry, active_registry
from .spec import DistortionError, check_level


def as_generator(rng: np.random.Generator | int | None) -> np.random.Generator:
    """Accept a Generator or an int seed; refuse None so no draw comes from hidden state."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise DistortionError(f"rng must be a numpy Generator or an int seed, got {rng!r}")


def check_image(image: np.ndarray, what: str = "image") -> np.ndarray:
    """Validate a uint8 H×W×3 array and return it C-contiguous."""
    if not isinstance(image, np.ndarray):
        raise DistortionError(f"{what} must be a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise DistortionError(f"{what} must be uint8 H×W×3 RGB, got {image.dtype} {image.shape}")
    return np.ascontiguousarray(image)


def apply(image: np.ndarray, name: str, level: int, rng: np.random.Generator | int,
          registry: Registry | None = None) -> np.ndarray:
    """Return ``image`` distorted by ``name`` at ``level`` (1..5).

    Same image, name, level and seed give identical bytes.
    """
    spec = (registry or active_registry()).get(name)
    level = check_level(level, name)
    image = check_image(image)
    out = spec.fn(image, as_generator(rng), **spec.params(level))
    if not isinstance(out, np.ndarray) or out.shape != image.shape:
        raise DistortionError(
            f"distortion {name!r} returned {getattr(out, 'shape', type(out))}, expected {image.shape}"
        )
    if out.dtype != np.uint8:
        out = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return out
