"""How well an assistant agrees with human judgement on a MOS dataset.

For a dataset of rated images (TID2013, LIVE-MD, CSIQ, KADID-10k, MDID2013, …) every image is
scored once by the model and three figures are reported: pairwise accuracy (the better-rated
image of each pair of one reference wins, ties excluded), and the Spearman (SRCC) and Pearson
(PLCC, on the raw scores, no fitted mapping) correlations of the scores with the
quality-oriented MOS. For pair datasets (BAPPS), and for a pairwise no-reference model (which
judges two images together and scores none alone), only the pairwise accuracy exists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import numpy as np


def evaluate_on_mos(assistant: Any, kind: str, root: str | Path, seed: int = 0,
                    max_pairs_per_reference: Optional[int] = None) -> dict[str, Any]:
    """Pairwise accuracy, SRCC and PLCC of ``assistant`` on one MOS dataset."""
    from scipy.stats import pearsonr, spearmanr

    from iqa_datagen.generators.mos.registry import (_canonical, load_mos, load_mos_pairs,
                                                     make_pairs, mos_kind)

    key = _canonical(kind)
    row: dict[str, Any] = {"dataset": key, "root": str(root), "setting": assistant.setting}
    if mos_kind(key).pairs:
        pairs = load_mos_pairs(key, Path(root), seed)
        row.update(images=None, **_judged(assistant, pairs))
        return row
    entries = load_mos(key, Path(root))
    if not entries:
        raise ValueError(f"{kind}:{root}: the dataset lists no rated image")
    if getattr(assistant.config, "uses_pairwise", False):
        # A pairwise model judges two images together and gives no per-image score: the pairs
        # are judged as pairs, and there is no score to correlate with the MOS.
        pairs = make_pairs(entries, seed, max_pairs_per_reference=max_pairs_per_reference)
        row.update(images=len(entries), **_judged(assistant, pairs))
        return row
    ref_of = (lambda e: str(e.reference)) if assistant.setting == "full_reference" else (lambda e: None)
    scores = assistant.scores([(ref_of(e), str(e.distorted)) for e in entries])
    quality = np.array([e.quality for e in entries], dtype=float)
    by_image = {str(e.distorted): s for e, s in zip(entries, scores)}
    pairs = make_pairs(entries, seed, max_pairs_per_reference=max_pairs_per_reference)
    hits = [(by_image[str(p.image_a)] > by_image[str(p.image_b)]) == (p.winner == "A")
            for p in pairs if by_image[str(p.image_a)] != by_image[str(p.image_b)]]
    hits += [False] * sum(by_image[str(p.image_a)] == by_image[str(p.image_b)] for p in pairs)
    varied = len(set(quality.tolist())) > 1 and float(np.std(scores)) > 0
    row.update(images=len(entries), pairs=len(pairs), pairwise_accuracy=_mean(hits),
               srcc=float(spearmanr(scores, quality)[0]) if varied else None,
               plcc=float(pearsonr(scores, quality)[0]) if varied else None)
    return row


def _judged(assistant: Any, pairs: list) -> dict[str, Any]:
    """Pairwise accuracy of the assistant's verdicts on labelled pairs (no correlations)."""
    triples = [(p.reference, p.image_a, p.image_b) for p in pairs]
    winners = [w for w, _ in assistant.label(triples)] if triples else []
    return {"pairs": len(pairs), "srcc": None, "plcc": None,
            "pairwise_accuracy": _mean([w == p.winner for w, p in zip(winners, pairs)])}


def _mean(hits: list[bool]) -> Optional[float]:
    return float(np.mean(hits)) if hits else None
