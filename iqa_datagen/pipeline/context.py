"""Each record's context: where its reference came from, how it was prepared, how it is judged.

One ``RecordContext`` is made per reference image (or MOS pair) when its pixels are loaded and
stamped on every record made from it (``with_context``), so tasks never build it themselves.
Paths are relative to the reference folder (or MOS root): a dataset never reveals the building
machine's file system.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator, Optional

import numpy as np

from iqa_datagen.config import BuildConfig
from iqa_datagen.distortions.images import SourceInfo
from iqa_datagen.schemas import (Camera, Processing, RatingProtocol, Record, RecordContext,
                                 Viewing)

BUILTIN_SOURCE = "skimage.data"


def viewing(config: BuildConfig) -> Viewing:
    return Viewing(display=config.viewing.display, distance=config.viewing.distance)


def folder_source(config: BuildConfig) -> str:
    """The reference folder's own name (never its absolute path)."""
    folder = config.references.folder
    return Path(folder).resolve().name if folder else BUILTIN_SOURCE


def make_context(*, source: str, path: str, info: SourceInfo, used: np.ndarray,
                 config: BuildConfig, variant: Optional[str] = None,
                 rating: Optional[RatingProtocol] = None,
                 distorted_paths: Iterable[str] = ()) -> RecordContext:
    """The context of records made from an image read as ``info`` and used as ``used``."""
    h, w = used.shape[:2]
    short_side = config.references.short_side
    return RecordContext(
        source=source, path=path, distorted_paths=list(distorted_paths),
        width=info.width, height=info.height,
        aspect_ratio=round(info.width / info.height, 4),
        camera=Camera(**info.camera),
        processing=Processing(colour=info.colour, exif_rotated=info.exif_rotated,
                              resized=(w, h) != (info.width, info.height),
                              short_side=short_side, width=w, height=h, variant=variant),
        rating=rating, viewing=viewing(config))


def with_context(records: Iterable[Record], context_of) -> Iterator[Record]:
    """Records with their context set: ``context_of(record)`` gives it (None leaves it)."""
    for rec in records:
        ctx = context_of(rec)
        yield rec if ctx is None else rec.model_copy(update={"context": ctx})
