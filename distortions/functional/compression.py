"""compression distortions (SPEC §1). TODO: implemented by the distortion-core work."""

from __future__ import annotations

import cv2
import numpy as np


def jpeg(image: np.ndarray, rng: np.random.Generator, quality: int) -> np.ndarray:
    """JPEG encode at ``quality`` and decode back (OpenCV, 4:2:0)."""
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def jpeg2000(image: np.ndarray, rng: np.random.Generator, **params) -> np.ndarray:
    raise NotImplementedError("compression.jpeg2000")

