"""Step 1 of a build: find the reference images, give each a stable id and split, cut shards.

Only names are listed here (no pixels are read), so discovery is cheap even for 100K+ files.
A reference's split is decided by its group (the file, or a built-in image and all its copies),
so no reference nor any distortion of it ever lands in two splits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import cv2
import numpy as np

from iqa_datagen.distortions.images import (BUILTIN_REFERENCES, MAX_PIXELS, ImageError,
                                            SourceInfo, builtin_reference, load_with_info,
                                            resize_short_side, scan_images)
from iqa_datagen.config import BuildConfig
from iqa_datagen.seeding import derive_seed, stable_id


BUILTIN_PREFIX = "builtin:"


@dataclass(frozen=True)
class Reference:
    """A reference image by name; ``source`` is a file path or ``builtin:<name>[~copy]``."""

    ref_id: str
    name: str
    source: str
    group: str
    split: str = "train"
    stamp: str = ""  # size and modification time of a file: a changed file is a new reference
    problem: str = ""  # why the entry cannot be read at all (a symlink loop): quarantined


@dataclass(frozen=True)
class Shard:
    """A unit of work: a few hundred references processed by one task run."""

    index: int
    references: tuple[Reference, ...]

    @property
    def digest(self) -> str:
        """Changes when any of its references, their splits or their files change, so that a
        resumed build redoes a shard whose inputs moved instead of keeping stale records."""
        return stable_id(*(f"{r.ref_id}:{r.split}:{r.stamp}" for r in self.references), length=8)

    @property
    def name(self) -> str:
        return f"shard-{self.index:05d}-{self.digest}"


def discover(config: BuildConfig) -> list[Reference]:
    """All references of the config, in a stable order, with their split assigned."""
    refs_cfg = config.references
    items: list[tuple[str, str, str, str, str]] = []  # (name, source, group, stamp, problem)
    if refs_cfg.folder:
        root = Path(refs_cfg.folder)
        files, problems = scan_images(root)
        for path in sorted([*files, *problems]):
            rel = path.relative_to(root).as_posix()
            if path in problems:
                items.append((rel, str(path), rel, "", problems[path]))
                continue
            st = path.stat()
            items.append((rel, str(path), rel, f"{st.st_size}:{st.st_mtime_ns}", ""))
    else:
        for copy in range(refs_cfg.builtin_repeat):
            for name in BUILTIN_REFERENCES:
                label = name if copy == 0 else f"{name}~{copy}"
                items.append((label, f"builtin:{label}", f"builtin:{name}", "", ""))
    if refs_cfg.limit:
        items = items[: refs_cfg.limit]
    groups = assign_splits(sorted({item[2] for item in items}), config.split_seed,
                           config.split.test_fraction)
    return [Reference(ref_id=stable_id("ref", label), name=label, source=source, group=group,
                      split=groups[group], stamp=stamp, problem=problem)
            for label, source, group, stamp, problem in items]


def assign_splits(groups: list[str], seed: int, test_fraction: float) -> dict[str, str]:
    """Groups ranked by a seeded hash; the first ⌈n·test_fraction⌉ go to test (at least one when
    test_fraction > 0 and there are two or more groups), the rest to train."""
    ranked = sorted(groups, key=lambda g: derive_seed(seed, "split", g))
    n_test = int(np.ceil(len(ranked) * test_fraction)) if test_fraction > 0 else 0
    if test_fraction > 0 and len(ranked) >= 2:
        n_test = min(max(n_test, 1), len(ranked) - 1)
    return {g: ("test" if i < n_test else "train") for i, g in enumerate(ranked)}


def make_shards(references: list[Reference], shard_size: int) -> list[Shard]:
    return [Shard(i // shard_size, tuple(references[i:i + shard_size]))
            for i in range(0, len(references), shard_size)]


def load_reference(ref: Reference, short_side: int | None,
                   max_pixels: int | None = MAX_PIXELS) -> np.ndarray:
    """Pixels of a reference, resized (bicubic) so its short side is at most ``short_side``;
    a file over ``max_pixels`` is refused from its header (ImageError), a large one decoded
    reduced."""
    return read_reference(ref, short_side, max_pixels)[0]


def read_reference(ref: Reference, short_side: int | None, max_pixels: int | None = MAX_PIXELS
                   ) -> tuple[np.ndarray, SourceInfo, Optional[str]]:
    """``load_reference`` plus what the file was and, for a copy of a built-in image, how the
    copy was derived.

    Copies of a built-in image (``name~k``) are mirrored/cropped variants so that each copy is a
    distinct image; they share a group, hence a split.
    """
    if ref.problem:
        raise ImageError(ref.source, ref.problem)
    variant = None
    if ref.source.startswith("builtin:"):
        label = ref.source.split(":", 1)[1]
        base, _, copy = label.partition("~")
        image = builtin_reference(base)
        info = SourceInfo(width=image.shape[1], height=image.shape[0])
        if copy:
            image = _variant(image, int(copy))
            variant = f"copy {copy}: {_variant_words(int(copy))}"
    else:
        image, info = load_with_info(ref.source, short_side, max_pixels)
    return resize_short_side(image, short_side), info, variant


def _variant_words(k: int) -> str:
    flips = [w for w, on in (("mirrored", k % 2), ("flipped upside down", (k // 2) % 2)) if on]
    return ", ".join(flips + ["95% crop resized back to the original size"])


def _variant(image: np.ndarray, k: int) -> np.ndarray:
    """A deterministic distinct variant of an image: flips and a 90%-area crop."""
    if k % 2:
        image = image[:, ::-1]
    if (k // 2) % 2:
        image = image[::-1]
    h, w = image.shape[:2]
    rng = np.random.default_rng(k)
    ch, cw = int(h * 0.95), int(w * 0.95)
    y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    return np.ascontiguousarray(cv2.resize(image[y:y + ch, x:x + cw], (w, h),
                                           interpolation=cv2.INTER_AREA))
