"""Metrics of a pairwise judge: accuracy, order consistency, calibration, per-category accuracy.

The metric functions are pure and work on plain lists, so they can be checked on hand-made
predictions; ``evaluate`` runs any judge (an ``Assistant`` or a callable with the same
``label`` contract) on pairs in both orders and gathers the metrics.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from .pairs import QualityPair

CONFIDENCE_EDGES: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
Verdicts = list[tuple[str, float]]


def verdicts_from_logits(logits: Iterable[float]) -> Verdicts:
    """(winner, confidence) from logits of P(A better); an exact tie goes to A at 0.5."""
    out = []
    for z in logits:
        p = float(1.0 / (1.0 + np.exp(-float(z))))
        out.append(("A", p) if p >= 0.5 else ("B", 1.0 - p))
    return out


def accuracy(winners: Sequence[str], truth: Sequence[str]) -> float:
    """Fraction of verdicts that name the true winner."""
    _same_length(winners, truth)
    if not winners:
        return float("nan")
    return float(np.mean([w == t for w, t in zip(winners, truth)]))


def order_consistency(winners_ab: Sequence[str], winners_ba: Sequence[str]) -> float:
    """Fraction of pairs whose verdict survives swapping: 'A' on (A,B) must be 'B' on (B,A)."""
    _same_length(winners_ab, winners_ba)
    if not winners_ab:
        return float("nan")
    flip = {"A": "B", "B": "A"}
    return float(np.mean([flip[ba] == ab for ab, ba in zip(winners_ab, winners_ba)]))


def calibration_bins(confidences: Sequence[float], correct: Sequence[bool],
                     edges: Sequence[float] = CONFIDENCE_EDGES) -> list[dict[str, Any]]:
    """Accuracy per confidence bin [e_i, e_{i+1}); the last bin includes its upper edge."""
    _same_length(confidences, correct)
    conf = np.asarray(confidences, dtype=float)
    hit = np.asarray(correct, dtype=bool)
    bins = []
    for i, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
        last = i == len(edges) - 2
        mask = (conf >= lo) & ((conf <= hi) if last else (conf < hi))
        n = int(mask.sum())
        bins.append({"low": float(lo), "high": float(hi), "count": n,
                     "accuracy": float(hit[mask].mean()) if n else None,
                     "mean_confidence": float(conf[mask].mean()) if n else None})
    return bins


def expected_calibration_error(bins: list[dict[str, Any]]) -> float:
    """Count-weighted mean |accuracy − confidence| over non-empty bins."""
    total = sum(b["count"] for b in bins)
    if not total:
        return float("nan")
    return float(sum(b["count"] * abs(b["accuracy"] - b["mean_confidence"])
                     for b in bins if b["count"]) / total)


def accuracy_by_group(groups: Sequence[str], correct: Sequence[bool]) -> dict[str, dict[str, Any]]:
    """Accuracy and count per group label, groups sorted by name."""
    _same_length(groups, correct)
    hits: dict[str, list[bool]] = defaultdict(list)
    for g, c in zip(groups, correct):
        hits[g].append(bool(c))
    return {g: {"count": len(h), "accuracy": float(np.mean(h))} for g, h in sorted(hits.items())}


def _same_length(a: Sequence, b: Sequence) -> None:
    if len(a) != len(b):
        raise ValueError(f"prediction lists differ in length: {len(a)} vs {len(b)}")


def summarize(pairs: Sequence[QualityPair], verdicts_ab: Verdicts, verdicts_ba: Verdicts
              ) -> dict[str, Any]:
    """All metrics from verdicts on the pairs as given and on the swapped pairs."""
    if not (len(pairs) == len(verdicts_ab) == len(verdicts_ba)):
        raise ValueError(f"{len(pairs)} pairs but {len(verdicts_ab)}/{len(verdicts_ba)} verdicts")
    truth = [p.winner for p in pairs]
    winners = [w for w, _ in verdicts_ab]
    correct = [w == t for w, t in zip(winners, truth)]
    # Calibration and accuracy use both orders: each order is a verdict the judge gave.
    flip = {"A": "B", "B": "A"}
    both_correct = correct + [w == flip[t] for (w, _), t in zip(verdicts_ba, truth)]
    both_conf = [c for _, c in verdicts_ab] + [c for _, c in verdicts_ba]
    bins = calibration_bins(both_conf, both_correct)
    strong = [c for c, p in zip(correct, pairs) if p.kind == "strong"]
    cross = [(c, p) for c, p in zip(correct, pairs) if p.source == "panel"]
    return {
        "pairs": len(pairs),
        "accuracy": accuracy(winners, truth),
        "accuracy_both_orders": float(np.mean(both_correct)) if both_correct else float("nan"),
        "accuracy_strong": float(np.mean(strong)) if strong else None,
        "order_consistency": order_consistency(winners, [w for w, _ in verdicts_ba]),
        "mean_confidence": float(np.mean(both_conf)) if both_conf else None,
        "calibration": bins,
        "ece": expected_calibration_error(bins),
        "by_category": accuracy_by_group([p.category for p in pairs], correct),
        "by_distortion": accuracy_by_group([_distortion_group(p) for p in pairs], correct),
        "same_distortion": _share([c for c, p in zip(correct, pairs) if p.source == "library_levels"]),
        "mos": _share([c for c, p in zip(correct, pairs) if p.source.startswith("mos:")]),
        "cross": _cross_table(cross),
        "cross_unanimous": _cross_table([(c, p) for c, p in cross if p.info.get("unanimous")]),
        # the pairs a no-reference record can state: what builds ask of a no-reference model
        "cross_unanimous_visible": _cross_table([(c, p) for c, p in cross
                                                 if p.info.get("unanimous") and _visible(p)]),
        "same_distortion_visible": _share([c for c, p in zip(correct, pairs)
                                           if p.source == "library_levels" and _visible(p)]),
        "category_pairs": accuracy_by_group([category_pair(p) for _, p in cross],
                                            [c for c, _ in cross]),
    }


def _share(hits: Sequence[bool]) -> dict[str, Any]:
    return {"count": len(hits), "accuracy": float(np.mean(hits)) if hits else None}


def _cross_table(cross: Sequence[tuple[bool, QualityPair]]) -> dict[str, Any]:
    """Accuracy on cross-distortion pairs: all, single-distortion only, with a paired plan."""
    return {"all": _share([c for c, _ in cross]),
            "single": _share([c for c, p in cross if not p.info.get("multi")]),
            "multi": _share([c for c, p in cross if p.info.get("multi")])}


def _visible(pair: QualityPair) -> bool:
    """Whether a no-reference record may state this pair: neither image holds a slight
    (level-1) distortion of a kind that is not visible without the reference."""
    return bool(pair.info.get("no_reference_visible", True))


def category_pair(pair: QualityPair) -> str:
    """'blur vs noise' (sorted, so both orders of a pair fall in one cell)."""
    a, b = sorted((str(pair.info.get("a_categories")), str(pair.info.get("b_categories"))))
    return f"{a} vs {b}"


def _distortion_group(pair: QualityPair) -> str:
    """The distortion name of a same-distortion pair, else the pair's category."""
    name = pair.info.get("a_name")
    return name if name is not None and name == pair.info.get("b_name") else pair.category


def evaluate(judge: Any, pairs: Sequence[QualityPair]) -> dict[str, Any]:
    """Run ``judge`` on ``pairs`` and on their swapped versions and return ``summarize``'s metrics.

    ``judge`` is an ``Assistant`` (its ``label``) or any callable list-of-pairs → verdicts. A
    judge marked ``antisymmetric`` (swapping A and B negates its logit) is run on one order.
    """
    label: Callable[[Sequence[QualityPair]], Verdicts] = getattr(judge, "label", judge)
    if not callable(label):
        raise ValueError(f"judge must be an Assistant or a callable, got {type(judge).__name__}")
    pairs = list(pairs)
    if not pairs:
        raise ValueError("evaluate: no pairs to evaluate")
    verdicts = list(label(pairs))
    if getattr(judge, "antisymmetric", False):  # swapped verdicts follow exactly: not re-run
        flip = {"A": "B", "B": "A"}
        swapped = [("A", c) if c == 0.5 else (flip[w], c) for w, c in verdicts]
    else:
        swapped = list(label([p.swapped() for p in pairs]))
    return summarize(pairs, verdicts, swapped)
