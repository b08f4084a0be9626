"""Quality-score statistics (quality_scoring records) for the card and ``iqa-datagen stats``:
per score source, the records, the level counts, the score distribution and, for labeller
scores, the model's instability; plus the plot of the score histograms."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Optional

import numpy as np

BIN_WIDTH = 0.25
MAX_SCORE = 7.0
LIBRARY_NOTE = ("Library scores are monotone in distortion severity (pristine at the top) and "
                "calibrated on no human ratings.")
CALIBRATED_NOTE = ("Library scores of distorted images are the build's assistant full-reference "
                   "score mapped to the common scale by an isotonic fit on rated MOS images of "
                   "the training split ({scales}); pristine references score at the top.")


def library_notes(row: dict) -> list[str]:
    """What the card says about the library's scores: uncalibrated (monotone in severity),
    calibrated on MOS images, or both where parts of a dataset were built either way."""
    from iqa_datagen.generators.quality import LIBRARY_SCALE

    scales = row.get("original_scales") or {LIBRARY_SCALE: row["records"]}
    calibrated = sorted(s for s in scales if s != LIBRARY_SCALE)
    notes = [LIBRARY_NOTE] if LIBRARY_SCALE in scales else []
    if calibrated:
        notes.append(CALIBRATED_NOTE.format(scales="; ".join(calibrated)))
    return notes


class QualityTally:
    """Running per-source counts; ``add`` takes one record's ``quality`` struct (or None)."""

    def __init__(self) -> None:
        self.records: Counter = Counter()
        self.levels: dict[str, Counter] = defaultdict(Counter)
        self.scales: dict[str, Counter] = defaultdict(Counter)
        self.sums: Counter = Counter()
        self.with_distribution: Counter = Counter()
        self.instability: dict[str, list[float]] = defaultdict(list)
        self.original_scales: dict[str, Counter] = defaultdict(Counter)
        self.hist: dict[str, np.ndarray] = defaultdict(
            lambda: np.zeros(int(MAX_SCORE / BIN_WIDTH) + 1, dtype=np.int64))

    def add(self, quality: Optional[dict]) -> None:
        if not quality:
            return
        source = quality["score_source"]
        family = source.split(":", 1)[0] if source.startswith("mos:") else source
        key = source if family == "mos" else family
        score = float(quality["score"])
        self.records[key] += 1
        self.levels[key][quality["level"]] += 1
        self.scales[key][quality["scale"]] += 1
        self.sums[key] += score
        self.hist[key][min(int(score / BIN_WIDTH), len(self.hist[key]) - 1)] += 1
        if quality.get("distribution"):
            self.with_distribution[key] += 1
        if quality.get("instability") is not None:
            self.instability[key].append(float(quality["instability"]))
        if key == "library":  # how the library's scores were made: calibrated or not
            self.original_scales[key][quality["protocol"]["original_scale"]] += 1

    def summary(self) -> dict:
        out = {}
        for key in sorted(self.records):
            n = self.records[key]
            row = {"records": n, "mean_score": round(self.sums[key] / n, 3),
                   "scale": dict(self.scales[key]), "levels": dict(self.levels[key]),
                   "records_with_distribution": self.with_distribution[key]}
            if self.instability[key]:
                values = self.instability[key]
                row["instability"] = {"mean": round(float(np.mean(values)), 4),
                                      "max": round(float(np.max(values)), 4),
                                      "records_above_0": int(sum(v > 0 for v in values))}
            if self.original_scales[key]:
                row["original_scales"] = dict(self.original_scales[key])
            out[key] = row
        return out

    def hists(self) -> dict[str, np.ndarray]:
        return dict(self.hist)


def plot_scores(hists: dict[str, np.ndarray], folder: Path) -> Optional[str]:
    """One histogram of quality scores per source; None when there are no scores."""
    if not hists:
        return None
    from .card import _figure, _save  # the card's figure helpers

    fig = _figure(6.5, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    edges = np.arange(len(next(iter(hists.values())))) * BIN_WIDTH
    for source, hist in sorted(hists.items()):
        ax.step(edges, hist / max(hist.sum(), 1), where="post", label=source)
    ax.set_xlabel("score on the level scale")
    ax.set_ylabel("share of records")
    ax.set_xlim(0.75, MAX_SCORE + 0.25)
    ax.legend(fontsize=8)
    return _save(fig, folder / "quality_scores.png")


def quality_table(summary: dict) -> str:
    lines = ["| score source | records | scale | mean score | levels | with distribution | "
             "instability (mean / max) |", "| --- | ---: | --- | ---: | --- | ---: | --- |"]
    for source, row in summary.items():
        levels = ", ".join(f"{k} {v}" for k, v in sorted(row["levels"].items()))
        scale = ", ".join(row["scale"])
        inst = row.get("instability")
        inst_text = f"{inst['mean']:.3f} / {inst['max']:.3f}" if inst else "–"
        lines.append(f"| {source} | {row['records']} | {scale} | {row['mean_score']:.2f} | "
                     f"{levels} | {row['records_with_distribution']} | {inst_text} |")
    return "\n".join(lines)
