"""Reading reference images: conversion to uint8 RGB, validation and resizing.

Every supported file ends up as a uint8 H×W×3 RGB array:
- EXIF orientation is applied first, so the array is upright as a viewer shows it;
- grayscale (L, I;16, I, F) is replicated to three channels; 16-bit and float data are scaled
  to 8 bits from their full range (16-bit: value / 257), not clipped;
- palette images are expanded through their palette (with its transparency, if any);
- alpha (RGBA, LA, PA) is composited over a white background: transparent areas become white,
  which is what a viewer usually shows and avoids inventing dark edges;
- CMYK, YCbCr, LAB and other modes go through Pillow's conversion to RGB.
Files that are not images, are truncated, are smaller than 32 px on a side or hold more pixels
than a limit (checked from the header, before any pixel is decoded: a decompression bomb costs
nothing) are rejected with an ``ImageError`` that names the file and the reason, so a build can
quarantine them and go on.

Given the size it will be resized to, a large image is decoded reduced: JPEG in draft mode (the
decoder's own 1/2, 1/4, 1/8 scaling), other formats shrunk by an integer box filter right after
decoding, in both cases to no less than twice the final short side, so the final bicubic resize
sees enough detail while a 100-megapixel photograph never exists at full size as RGB arrays.
"""

from __future__ import annotations

import errno
import io
from dataclasses import dataclass, field
import os
import re
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MIN_SIDE = 32
MAX_PIXELS = 150_000_000
"""Default pixel limit of a reference (about 12 250 × 12 250): above it, quarantined unread."""
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif",
                            ".ppm", ".pgm", ".jp2"})


class ImageError(ValueError):
    """A reference image cannot be used; the message names the file and the reason."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


@dataclass(frozen=True)
class SourceInfo:
    """What a reference file was before conversion: its upright size, how its pixels became
    8-bit RGB, whether EXIF rotation applied, and its EXIF camera settings (None where absent)."""

    width: int
    height: int
    colour: str = "none"
    exif_rotated: bool = False
    camera: dict = field(default_factory=dict)  # make, model, exposure_time, iso, focal_length


_EXIF_IFD = 0x8769
_CAMERA_TAGS = {"make": (None, 0x010F), "model": (None, 0x0110),
                "exposure_time": (_EXIF_IFD, 0x829A), "iso": (_EXIF_IFD, 0x8827),
                "focal_length": (_EXIF_IFD, 0x920A)}


def _exif_value(value, kind: str):
    """An EXIF value as the record stores it: trimmed text, int ISO, float seconds / mm."""
    if isinstance(value, (tuple, list)):
        value = value[0] if value else None
    if value is None:
        return None
    if kind in ("make", "model"):
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        text = str(value).strip("\x00 ").strip()
        return text or None
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not np.isfinite(number) or number <= 0:
        return None
    return int(round(number)) if kind == "iso" else number


def camera_settings(img: Image.Image) -> dict:
    """EXIF make, model, exposure time (s), ISO and focal length (mm) that the file states."""
    try:
        exif = img.getexif()
    except Exception:  # a malformed EXIF block never stops a build; it just says nothing
        return {}
    out = {}
    for kind, (ifd, tag) in _CAMERA_TAGS.items():
        try:
            value = exif.get_ifd(ifd).get(tag) if ifd else exif.get(tag)
        except Exception:
            value = None
        value = _exif_value(value, kind)
        if value is not None:
            out[kind] = value
    return out


def _orientation(img: Image.Image) -> int:
    """The EXIF orientation tag (1: upright as stored; 0 or absent read as 1)."""
    try:
        return int(img.getexif().get(0x0112, 1) or 1)
    except Exception:
        return 1


def _colour_step(img: Image.Image) -> str:
    """How ``_to_rgb`` turns this mode into 8-bit RGB, in words."""
    mode = img.mode
    if mode.startswith("I;16"):
        return "16-bit grayscale scaled to 8 bits, replicated to RGB"
    if mode in ("I", "F"):
        return f"{mode} grayscale scaled to 8 bits, replicated to RGB"
    if mode == "L":
        return "grayscale replicated to RGB"
    if mode == "P":
        return "palette expanded" + (", transparency composited over white"
                                     if "transparency" in img.info else " to RGB")
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        return f"{mode} alpha composited over white"
    if mode == "RGB":
        return "none"
    return f"{mode} converted to RGB"


def _to_rgb(img: Image.Image) -> np.ndarray:
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        if mode.startswith("I;16"):
            arr = arr / 257.0
        elif arr.size and (arr.max() > 255 or arr.min() < 0):
            lo, hi = float(arr.min()), float(arr.max())
            arr = (arr - lo) / max(hi - lo, 1e-12) * 255.0
        gray = np.clip(np.rint(arr), 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=2)
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        mode = img.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    arr = np.asarray(img.convert("RGB"), dtype=np.uint8)
    return np.ascontiguousarray(arr)


def decode_image(data: bytes, source: str = "<bytes>", short_side: int | None = None,
                 max_pixels: int | None = MAX_PIXELS) -> np.ndarray:
    """Decode encoded image bytes to uint8 RGB, or raise ImageError naming ``source``.

    ``short_side``: the short side the caller will resize to; a much larger image is decoded
    reduced (see module docstring). ``max_pixels``: larger images are refused from the header.
    """
    return decode_with_info(data, source, short_side, max_pixels)[0]


def decode_with_info(data: bytes, source: str = "<bytes>", short_side: int | None = None,
                     max_pixels: int | None = MAX_PIXELS) -> tuple[np.ndarray, SourceInfo]:
    """``decode_image`` plus what the file was (its size, colour mode, rotation and camera)."""
    if not data:
        raise ImageError(source, "file is empty")
    return _decode(io.BytesIO(data), source, short_side, max_pixels)


def _decode(fp, source: str, short_side: int | None, max_pixels: int | None
            ) -> tuple[np.ndarray, SourceInfo]:
    try:
        with warnings.catch_warnings():
            # Our own limit decides; Pillow's warning below its hard limit is noise here.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(fp) as img:
                _check_pixels(img.size, source, max_pixels)
                # What the file was, before any reduced decode: its upright size and so on.
                rotated = _orientation(img) not in (0, 1)
                width, height = img.size[::-1] if _orientation(img) in (5, 6, 7, 8) else img.size
                if short_side:
                    img.draft(None, _keep_size(img.size, short_side))  # JPEG only; else no-op
                img.load()  # forces a full decode: truncated files fail here
                camera = camera_settings(img)
                colour = _colour_step(img)
                if short_side:
                    img = _reduce(img, short_side)
                img = ImageOps.exif_transpose(img)
                arr = _to_rgb(img)
    except Image.DecompressionBombError as exc:  # over Pillow's own hard limit, from the header
        found = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(found.group(1)) / 1e6:.0f} megapixels" if found else "too many pixels"
        raise ImageError(source, f"too large: {size}, over Pillow's decompression-bomb limit of "
                                 f"{2 * Image.MAX_IMAGE_PIXELS / 1e6:.0f}; not decoded") from None
    except UnidentifiedImageError:
        raise ImageError(source, "not an image file Pillow can identify") from None
    except (OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ImageError):
            raise
        raise ImageError(source, f"cannot be decoded ({exc})") from None
    h, w = arr.shape[:2]
    if min(h, w) < MIN_SIDE:
        raise ImageError(source, f"too small: {w}×{h} px, need at least {MIN_SIDE} px on each side")
    return arr, SourceInfo(width=width, height=height, colour=colour, exif_rotated=rotated,
                           camera=camera)


def _check_pixels(size: tuple[int, int], source: str, max_pixels: int | None) -> None:
    w, h = size
    if max_pixels and w * h > max_pixels:
        raise ImageError(source, f"too large: {w}×{h} px = {w * h / 1e6:.0f} megapixels, over "
                                 f"the limit of {max_pixels / 1e6:g} (references.max_pixels); "
                                 "not decoded")


def _keep_size(size: tuple[int, int], short_side: int) -> tuple[int, int]:
    """The smallest size to decode to: twice the final short side (aspect kept)."""
    w, h = size
    scale = min(1.0, 2 * short_side / max(1, min(w, h)))
    return max(1, int(np.ceil(w * scale))), max(1, int(np.ceil(h * scale)))


def _reduce(img: Image.Image, short_side: int) -> Image.Image:
    """Integer box reduction keeping at least twice ``short_side`` (no-op when not worth it)."""
    factor = min(img.size) // (2 * short_side)
    if factor < 2 or img.mode not in _REDUCIBLE_MODES:
        return img
    return img.reduce(factor)


_REDUCIBLE_MODES = frozenset({"L", "LA", "RGB", "RGBA", "RGBa", "La", "CMYK", "YCbCr", "I", "F",
                              "I;16"})


def load_image(path: str | Path, short_side: int | None = None,
               max_pixels: int | None = MAX_PIXELS) -> np.ndarray:
    """Read and convert one image file (see module docstring); the file is streamed to the
    decoder, never read whole into memory."""
    return load_with_info(path, short_side, max_pixels)[0]


def load_with_info(path: str | Path, short_side: int | None = None,
                   max_pixels: int | None = MAX_PIXELS) -> tuple[np.ndarray, SourceInfo]:
    """``load_image`` plus what the file was (see ``SourceInfo``)."""
    path = Path(path)
    try:
        if path.stat().st_size == 0:
            raise ImageError(str(path), "file is empty")
        fp = open(path, "rb")
    except OSError as exc:
        raise ImageError(str(path), f"cannot be read ({exc.strerror or exc})") from None
    with fp:
        return _decode(fp, str(path), short_side, max_pixels)


def resize_short_side(image: np.ndarray, short_side: int | None) -> np.ndarray:
    """Bicubic downscale so the short side equals ``short_side`` when larger; smaller kept."""
    if not short_side:
        return image
    h, w = image.shape[:2]
    s = min(h, w)
    if s <= short_side:
        return image
    scale = short_side / s
    if h <= w:
        size = (max(1, round(w * scale)), short_side)
    else:
        size = (short_side, max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_CUBIC)


def encode_png(image: np.ndarray) -> bytes:
    """Lossless PNG bytes of a uint8 RGB image (deterministic for the same pixels).

    Huffman-only deflate after PNG's row filters: on photographs (clean, noisy or blurred) it
    is about 45% faster than zlib's default strategy and the files are no larger, since long
    repeated byte runs are rare in filtered natural images. PNG encoding is the largest single
    cost of brief samples.
    """
    ok, buf = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_PNG_COMPRESSION, 3,
                            cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_HUFFMAN_ONLY])
    if not ok:
        raise ValueError("PNG encoding failed")
    return buf.tobytes()


def list_images(folder: str | Path) -> list[Path]:
    """Image files under ``folder`` (recursive, through folder links), sorted for a stable order."""
    return scan_images(folder)[0]


def scan_images(folder: str | Path) -> tuple[list[Path], dict[Path, str]]:
    """Image files under ``folder`` and the entries that cannot be read, with the reason.

    Links to folders are followed once: a link back to a folder above it (a loop) or to a folder
    already listed is reported instead of walked, as are links to image files that loop or
    point nowhere, so nothing under the folder is skipped without a word.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ImageError(str(folder), "is not a folder")
    files: list[Path] = []
    problems: dict[Path, str] = {}
    seen: dict[tuple[int, int], Path] = {}

    def walk(path: Path, above: tuple[tuple[int, int], ...]) -> None:
        st = path.stat()
        key = (st.st_dev, st.st_ino)
        if key in above:
            problems[path] = f"symlink loop: links back to {seen[key]}, a folder above it"
            return
        if key in seen:
            problems[path] = f"folder link to {seen[key]}, already listed; not read twice"
            return
        seen[key] = path
        for entry in sorted(os.scandir(path), key=lambda e: e.name):
            child = Path(entry.path)
            try:
                is_dir = entry.is_dir()
                is_file = not is_dir and entry.is_file()
            except OSError:  # a link that resolves to itself: ELOOP
                is_dir = is_file = False
            if is_dir:
                walk(child, above + (key,))
            elif is_file:
                if child.suffix.lower() in IMAGE_SUFFIXES:
                    files.append(child)
            elif entry.is_symlink() and (child.suffix.lower() in IMAGE_SUFFIXES
                                         or _loops(child)):
                problems[child] = _broken_link_reason(child)

    walk(folder, ())
    return sorted(files), problems


def _loops(path: Path) -> bool:
    try:
        path.stat()
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


def _broken_link_reason(path: Path) -> str:
    try:
        path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop: the link resolves to itself"
        return f"broken link to {os.readlink(path)} ({exc.strerror or exc})"
    return "link to something that is not a file"


BUILTIN_REFERENCES: tuple[str, ...] = ("astronaut", "coffee", "chelsea", "rocket",
                                       "hubble_deep_field", "immunohistochemistry", "retina",
                                       "stereo_motorcycle")
"""The natural colour images shipped with scikit-image, used as the built-in demo set."""


def builtin_reference(name: str) -> np.ndarray:
    """One built-in demo reference as uint8 RGB (from ``skimage.data``, no download)."""
    from skimage import data

    if name not in BUILTIN_REFERENCES:
        raise ImageError(f"builtin:{name}", f"unknown built-in image; known: {BUILTIN_REFERENCES}")
    img = getattr(data, name)()
    if isinstance(img, tuple):  # stereo_motorcycle returns (left, right, disparity)
        img = img[0]
    return _to_rgb(Image.fromarray(np.asarray(img)))


def is_grayscale(image: np.ndarray) -> bool:
    """True when every pixel has R = G = B (a grayscale reference replicated to RGB)."""
    return bool(np.array_equal(image[..., 0], image[..., 1])
                and np.array_equal(image[..., 1], image[..., 2]))
