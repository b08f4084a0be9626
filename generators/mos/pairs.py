"""Instant-rating pairs from MOS entries: two distorted versions of one reference, the better one
by subjective score wins, near-ties are skipped, and the A/B order is balanced.

Reproducibility: every draw comes from ``rng_for(seed, "mos_pairs", ...)`` keyed by names, not by
absolute paths (the last two path components: ``folder/file``), so moving a dataset to another
disk gives the same pairs and the same A/B orders.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Iterable, Optional, Sequence

import numpy as np

from iqa_datagen.seeding import rng_for

from .types import MosEntry, MosPair


def path_key(path: Path) -> str:
    """A location-independent name for a file: its folder and file name."""
    p = Path(path)
    return f"{p.parent.name}/{p.name}"


def balanced_winner_positions(n: int, rng: np.random.Generator) -> np.ndarray:
    """A boolean per pair, True where the better image goes to position A.

    Exactly ``n // 2`` or ``n // 2 + 1`` (odd ``n``, by a coin) are True, at random positions,
    so a model cannot learn "A usually wins" from the data.
    """
    k = n // 2 + (int(rng.random() < 0.5) if n % 2 else 0)
    flags = np.zeros(n, dtype=bool)
    flags[rng.permutation(n)[:k]] = True
    return flags


def orient(candidates: Sequence[tuple], rng: np.random.Generator) -> list[MosPair]:
    """Turn ``(dataset, reference, better, worse, hib, dist_better, dist_worse)`` candidates
    (better/worse are ``(path, score)``) into pairs with balanced A/B positions."""
    flags = balanced_winner_positions(len(candidates), rng)
    out = []
    for flag, (dataset, reference, better, worse, hib, d_better, d_worse) in zip(flags, candidates):
        (a, sa, da), (b, sb, db) = ((better + (d_better,), worse + (d_worse,)) if flag
                                    else (worse + (d_worse,), better + (d_better,)))
        out.append(MosPair(dataset=dataset, reference=reference, image_a=a, image_b=b,
                           winner="A" if flag else "B", score_a=float(sa), score_b=float(sb),
                           margin=abs(float(sa) - float(sb)), higher_is_better=hib,
                           distortion_a=da, distortion_b=db))
    return out


def _group(entries: Iterable[MosEntry]) -> dict[tuple[str, Path], list[MosEntry]]:
    groups: dict[tuple[str, Path], list[MosEntry]] = defaultdict(list)
    for e in entries:
        groups[(e.dataset, Path(e.reference))].append(e)
    return groups


def make_pairs(entries: Iterable[MosEntry], seed: int, tie_margin: float = 0.0,
               max_pairs_per_reference: Optional[int] = None) -> list[MosPair]:
    """Every pair of distorted images sharing a dataset and reference whose scores differ by
    more than ``tie_margin`` (in the dataset's unit), optionally at most
    ``max_pairs_per_reference`` of them drawn at random per reference; A/B order balanced
    (see ``balanced_winner_positions``). Sorted by dataset, reference and image names."""
    if not np.isfinite(tie_margin) or tie_margin < 0:
        raise ValueError(f"tie_margin must be a finite number >= 0, got {tie_margin!r}")
    if max_pairs_per_reference is not None and max_pairs_per_reference < 1:
        raise ValueError(f"max_pairs_per_reference must be >= 1 or None, "
                         f"got {max_pairs_per_reference!r}")
    candidates = []
    groups = _group(entries)
    for (dataset, reference) in sorted(groups, key=lambda k: (k[0], path_key(k[1]), str(k[1]))):
        group = sorted(groups[(dataset, reference)], key=lambda e: (path_key(e.distorted),
                                                                    str(e.distorted)))
        directions = {e.higher_is_better for e in group}
        if len(directions) > 1:
            raise ValueError(f"{dataset}: entries of reference {reference} disagree on "
                             "higher_is_better; scores cannot be compared")
        seen: set[Path] = set()
        for e in group:
            if Path(e.distorted) in seen:
                raise ValueError(f"{dataset}: image {e.distorted} is listed twice for "
                                 f"reference {reference}")
            seen.add(Path(e.distorted))
        scores = np.array([e.score for e in group], dtype=np.float64)
        first, second = np.triu_indices(len(group), k=1)
        keep = np.abs(scores[first] - scores[second]) > tie_margin
        first, second = first[keep], second[keep]
        if max_pairs_per_reference is not None and first.size > max_pairs_per_reference:
            rng = rng_for(seed, "mos_pairs", "subsample", dataset, path_key(reference))
            chosen = np.sort(rng.choice(first.size, size=max_pairs_per_reference, replace=False))
            first, second = first[chosen], second[chosen]
        paths = [Path(e.distorted) for e in group]
        quality = [e.quality for e in group]
        hib = group[0].higher_is_better
        for i, j in zip(first.tolist(), second.tolist()):
            b, w = (i, j) if quality[i] > quality[j] else (j, i)
            candidates.append((dataset, reference, (paths[b], group[b].score),
                               (paths[w], group[w].score), hib, group[b].distortion,
                               group[w].distortion))
    return orient(candidates, rng_for(seed, "mos_pairs", "orient"))
