"""Compression distortions (docs/distortions.md): JPEG and JPEG 2000, encoded and decoded in memory."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image


def jpeg(image: np.ndarray, rng: np.random.Generator, quality: int) -> np.ndarray:
    """JPEG encode at ``quality`` and decode back (libjpeg via OpenCV, 4:2:0 chroma)."""
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError(f"JPEG encoding at quality {quality} failed for a {image.shape} image")
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def jpeg2000(image: np.ndarray, rng: np.random.Generator, psnr_db: float) -> np.ndarray:
    """JPEG 2000 encode/decode with Pillow (OpenJPEG): one quality layer targeting ``psnr_db``."""
    buf = io.BytesIO()
    Image.fromarray(image, "RGB").save(buf, format="JPEG2000", quality_mode="dB",
                                       quality_layers=[float(psnr_db)])
    buf.seek(0)
    with Image.open(buf) as decoded:
        out = np.asarray(decoded.convert("RGB"), dtype=np.uint8)
    if out.shape != image.shape:
        raise RuntimeError(f"JPEG 2000 round trip changed the shape {image.shape} → {out.shape}")
    return np.ascontiguousarray(out)
