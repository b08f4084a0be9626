"""BAPPS two-alternative forced choice (2AFC): human-judged pairs, read as pairs directly.

Layout, as in the authors' release (``dataset/2afc/<train|val>/<subset>/``)::

    <subset>/ref/000000.png     reference patch
    <subset>/p0/000000.png      first distorted patch
    <subset>/p1/000000.png      second distorted patch
    <subset>/judge/000000.npy   share of viewers who preferred p1 (one float in [0, 1])

``root`` is either one subset folder (holding ``judge/``) or a split folder whose sub-folders
are subsets (``traditional``, ``cnn``, ``superres``, ``deblur``, ``color``, ``frameinterp``).
A judge below 0.5 means p0 is better; judges within ``tie_margin`` of 0.5 are skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from iqa_datagen.seeding import rng_for

from ._files import FolderIndex, require_file
from .pairs import orient
from .types import MosFormatError, MosPair


def _subsets(root: Path) -> list[Path]:
    if (root / "judge").is_dir():
        return [root]
    subsets = sorted(p for p in root.iterdir() if (p / "judge").is_dir()) if root.is_dir() else []
    if not subsets:
        raise FileNotFoundError(f"bapps: no 'judge/' folder in {root} or its sub-folders")
    return subsets


def read_judge(path: Path) -> float:
    """The preference for p1 stored in one judge file (a one-element float array)."""
    try:
        value = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise MosFormatError(path, f"not a readable .npy array: {exc}") from None
    flat = np.asarray(value).ravel()
    if flat.size != 1 or not np.issubdtype(flat.dtype, np.number):
        raise MosFormatError(path, f"expected one number, got shape {np.shape(value)} "
                                   f"dtype {np.asarray(value).dtype}")
    judge = float(flat[0])
    if not 0.0 <= judge <= 1.0:
        raise MosFormatError(path, f"judge {judge} outside [0, 1]")
    return judge


def load_bapps_pairs(root: Path, seed: int, tie_margin: float = 0.0,
                     max_pairs: Optional[int] = None, check_files: bool = True,
                     dataset: str = "bapps") -> list[MosPair]:
    """Pairs from BAPPS 2AFC folders; A/B positions balanced from ``seed``.

    ``score_a``/``score_b`` are the shares of viewers preferring each image, so ``margin`` is
    ``|2·judge − 1|``. ``max_pairs`` keeps a random subset (drawn from ``seed``).
    """
    if not np.isfinite(tie_margin) or not 0.0 <= tie_margin < 0.5:
        raise ValueError(f"tie_margin must be in [0, 0.5), got {tie_margin!r}")
    root = Path(root)
    candidates = []
    for subset in _subsets(root):
        judges = sorted(p for p in (subset / "judge").iterdir() if p.suffix.lower() == ".npy")
        folders = {k: FolderIndex(subset / k) for k in ("ref", "p0", "p1")}
        for judge_path in judges:
            stem = judge_path.stem
            paths = {k: idx.find_stem(stem) or idx.folder / f"{stem}.png"
                     for k, idx in folders.items()}
            if check_files:
                for p in paths.values():
                    require_file(p, judge_path)
            judge = read_judge(judge_path)
            if abs(judge - 0.5) <= tie_margin:
                continue
            p0, p1 = (paths["p0"], 1.0 - judge), (paths["p1"], judge)
            better, worse = (p0, p1) if judge < 0.5 else (p1, p0)
            candidates.append((dataset, paths["ref"], better, worse, True, subset.name,
                               subset.name))
    if max_pairs is not None:
        if max_pairs < 1:
            raise ValueError(f"max_pairs must be >= 1 or None, got {max_pairs!r}")
        if len(candidates) > max_pairs:
            keep = np.sort(rng_for(seed, "bapps", "subsample").choice(
                len(candidates), size=max_pairs, replace=False))
            candidates = [candidates[i] for i in keep]
    return orient(candidates, rng_for(seed, "bapps", "orient"))
