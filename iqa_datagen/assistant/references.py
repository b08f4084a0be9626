"""Reference images for the assistant: validated uint8 RGB arrays with stable ids.

A reference's id is a hash of its pixels, so every draw keyed on it is the same whatever order
or folder the images come from.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from iqa_datagen.distortions.images import (BUILTIN_REFERENCES, builtin_reference, list_images, load_image,
                                resize_short_side)
from iqa_datagen.seeding import stable_id

@dataclass(frozen=True)
class Reference:
    """One pristine image and its content id."""

    id: str
    name: str
    image: np.ndarray


def image_id(image: np.ndarray) -> str:
    """Content id of a uint8 image (shape and bytes)."""
    digest = hashlib.blake2b(np.ascontiguousarray(image).tobytes(), digest_size=16).hexdigest()
    return stable_id("ref", image.shape, digest)


def check_rgb(image: object, what: str) -> np.ndarray:
    """``image`` as a C-contiguous uint8 H×W×3 array, or a ValueError naming ``what``."""
    if not isinstance(image, np.ndarray):
        raise ValueError(f"{what}: expected a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"{what}: expected uint8 H×W×3 RGB, got {image.dtype} {image.shape}")
    return np.ascontiguousarray(image)


def read_rgb(path: str | Path) -> np.ndarray:
    """Read an image file as uint8 RGB with the project's loader (Pillow; errors name the file)."""
    return load_image(path)


def builtin_references() -> list[np.ndarray]:
    """The built-in demo references (scikit-image's natural colour images, no download)."""
    return [builtin_reference(name) for name in BUILTIN_REFERENCES]


def load_references(source: str | Path | Sequence[np.ndarray] | None,
                    short_side: int | None = None) -> list[Reference]:
    """References from a folder, a list of arrays, or ``None`` (the built-in demo set).

    Duplicates (same pixels) are kept once; the list is sorted by id so the split does not
    depend on input order.
    """
    if source is None:
        named: Iterable[tuple[str, np.ndarray]] = zip(BUILTIN_REFERENCES, builtin_references())
    elif isinstance(source, (str, Path)):
        folder = Path(source)
        if not folder.is_dir():
            raise ValueError(f"references: {folder} is not a folder")
        files = list_images(folder)
        if not files:
            raise ValueError(f"references: no image files under {folder}")
        named = ((str(p.relative_to(folder)), read_rgb(p)) for p in files)
    else:
        named = ((f"image_{i}", check_rgb(img, f"references[{i}]")) for i, img in enumerate(source))
    refs: dict[str, Reference] = {}
    for name, img in named:
        img = np.ascontiguousarray(resize_short_side(img, short_side))
        rid = image_id(img)
        refs.setdefault(rid, Reference(rid, name, img))
    return sorted(refs.values(), key=lambda r: r.id)
