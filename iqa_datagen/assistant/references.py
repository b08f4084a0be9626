"""Reference images for the assistant: validated uint8 RGB arrays with stable ids.

A reference's id is a hash of its pixels, so every draw keyed on it is the same whatever order
or folder the images come from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import cv2
import numpy as np
from PIL import Image, ImageOps

from iqa_datagen.seeding import stable_id

BUILTIN_NAMES: tuple[str, ...] = ("astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field",
                                  "immunohistochemistry", "retina", "stereo_motorcycle")
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm"})


@dataclass(frozen=True)
class Reference:
    """One pristine image and its content id."""

    id: str
    name: str
    image: np.ndarray


def image_id(image: np.ndarray) -> str:
    """Content id of a uint8 image (shape and bytes)."""
    return stable_id("ref", image.shape, _digest(image))


def _digest(image: np.ndarray) -> str:
    import hashlib

    return hashlib.blake2b(np.ascontiguousarray(image).tobytes(), digest_size=16).hexdigest()


def check_rgb(image: object, what: str) -> np.ndarray:
    """``image`` as a C-contiguous uint8 H×W×3 array, or a ValueError naming ``what``."""
    if not isinstance(image, np.ndarray):
        raise ValueError(f"{what}: expected a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"{what}: expected uint8 H×W×3 RGB, got {image.dtype} {image.shape}")
    return np.ascontiguousarray(image)


def read_rgb(path: str | Path) -> np.ndarray:
    """Read an image file as uint8 RGB with Pillow (EXIF orientation applied)."""
    path = Path(path)
    try:
        with Image.open(path) as img:
            img.load()
            return np.asarray(ImageOps.exif_transpose(img).convert("RGB"), dtype=np.uint8).copy()
    except FileNotFoundError:
        raise ValueError(f"{path}: image file does not exist") from None
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read as an image ({exc})") from None


def resize_short_side(image: np.ndarray, short_side: int | None) -> np.ndarray:
    """Bicubic downscale so the short side is ``short_side`` when larger; smaller images kept."""
    h, w = image.shape[:2]
    if not short_side or min(h, w) <= short_side:
        return image
    scale = short_side / min(h, w)
    size = (max(short_side, round(w * scale)), max(short_side, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_CUBIC)


def builtin_references() -> list[np.ndarray]:
    """The natural colour images bundled with scikit-image (no download), as uint8 RGB."""
    from skimage import data

    images = []
    for name in BUILTIN_NAMES:
        img = getattr(data, name)()
        if isinstance(img, tuple):  # stereo_motorcycle returns (left, right, disparity)
            img = img[0]
        images.append(np.ascontiguousarray(np.asarray(img, dtype=np.uint8)[..., :3]))
    return images


def load_references(source: str | Path | Sequence[np.ndarray] | None,
                    short_side: int | None = None) -> list[Reference]:
    """References from a folder, a list of arrays, or ``None`` (the built-in demo set).

    Duplicates (same pixels) are kept once; the list is sorted by id so the split does not
    depend on input order.
    """
    if source is None:
        named: Iterable[tuple[str, np.ndarray]] = zip(BUILTIN_NAMES, builtin_references())
    elif isinstance(source, (str, Path)):
        folder = Path(source)
        if not folder.is_dir():
            raise ValueError(f"references: {folder} is not a folder")
        files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
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
