"""A third-party style plugin used by the tests: one distortion in a new category and one in an
existing category. It lives outside the project's packages, as a user's own package would."""

import numpy as np

from iqa_datagen.distortions import DistortionSpec


def vignette(image: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """Darken towards the corners."""
    h, w = image.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.hypot((yy - h / 2) / (h / 2), (xx - w / 2) / (w / 2)) / np.sqrt(2)
    gain = 1.0 - strength * r ** 2
    return np.clip(image * gain[..., None], 0, 255).astype(np.uint8)


def sparkle(image: np.ndarray, rng: np.random.Generator, share: float) -> np.ndarray:
    """Random white pixels (a noise-like distortion)."""
    out = image.copy()
    mask = rng.random(image.shape[:2]) < share
    out[mask] = 255
    return out


VIGNETTE = DistortionSpec(name="vignette_radial", category="vignette", fn=vignette,
                          levels=tuple({"strength": s} for s in (0.2, 0.35, 0.5, 0.65, 0.8)),
                          gt_name="vignetting", extra={"allowed_second": ("noise",)})
SPARKLE = DistortionSpec(name="noise_sparkle", category="noise", fn=sparkle, random=True,
                         levels=tuple({"share": s} for s in (0.005, 0.01, 0.02, 0.04, 0.08)))

DISTORTIONS = [VIGNETTE, SPARKLE]


def only_vignette():
    return VIGNETTE
