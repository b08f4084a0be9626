"""Contact sheet: one row per distortion, the reference then its five levels, labelled.

What a user looks at before trusting a new (or changed) distortion.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import cv2
import numpy as np

from .apply import apply
from .registry import Registry, active_registry
from .spec import LEVEL_NAMES

_LABEL_W = 190
_HEADER_H = 22


def _put(canvas: np.ndarray, text: str, x: int, y: int, scale: float = 0.42) -> None:
    cv2.putText(canvas, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, (20, 20, 20), 1,
                cv2.LINE_AA)


def contact_sheet(image: np.ndarray, names: Iterable[str] | None = None, tile: int = 128,
                  seed: int = 0, registry: Registry | None = None) -> np.ndarray:
    """Render the sheet as a uint8 RGB array."""
    registry = registry or active_registry()
    names = list(names) if names is not None else registry.names()
    h, w = image.shape[:2]
    scale = tile / max(h, w)
    th, tw = max(1, round(h * scale)), max(1, round(w * scale))
    small = cv2.resize(image, (tw, th), interpolation=cv2.INTER_AREA)
    pad = 4
    cols = 1 + len(LEVEL_NAMES)
    width = _LABEL_W + cols * (tw + pad)
    height = _HEADER_H + len(names) * (th + pad)
    canvas = np.full((height, width, 3), 255, np.uint8)
    for c, title in enumerate(["reference", *[f"{i + 1} {w}" for i, w in enumerate(LEVEL_NAMES)]]):
        _put(canvas, title, _LABEL_W + c * (tw + pad), 15)
    for r, name in enumerate(names):
        spec = registry.get(name)
        y = _HEADER_H + r * (th + pad)
        _put(canvas, name, 4, y + th // 2)
        _put(canvas, f"[{spec.category}]", 4, y + th // 2 + 16, 0.36)
        canvas[y:y + th, _LABEL_W:_LABEL_W + tw] = small
        for level in range(1, len(LEVEL_NAMES) + 1):
            # distort at full resolution, then shrink: what the distortion really does
            out = apply(image, name, level, seed, registry=registry)
            x = _LABEL_W + level * (tw + pad)
            canvas[y:y + th, x:x + tw] = cv2.resize(out, (tw, th), interpolation=cv2.INTER_AREA)
    return canvas


def write_contact_sheet(path: str | Path, image: np.ndarray, **kwargs) -> Path:
    """Render and save the sheet as PNG; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet = contact_sheet(image, **kwargs)
    if not cv2.imwrite(str(path), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR)):
        raise OSError(f"{path}: cannot write the contact sheet")
    return path
