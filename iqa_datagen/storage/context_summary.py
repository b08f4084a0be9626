"""The dataset-level summary of record contexts, for ``stats`` and the card.

Counted once per reference image (a reference's context is the same on all its records), except
the rating protocols of MOS-derived records, counted per record.
"""

from __future__ import annotations

from collections import Counter
from typing import Optional

import numpy as np


class ContextTally:
    """Accumulates contexts row by row with memory bounded by the number of references."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.missing = 0  # records without a context (datasets of schema 1.0)
        self.sources: Counter = Counter()
        self.makes: Counter = Counter()
        self.with_camera = 0
        self.colour: Counter = Counter()
        self.resized = 0
        self.rotated = 0
        self.short_sides: list[int] = []
        self.aspects: list[float] = []
        self.protocols: Counter = Counter()
        self.viewing: Counter = Counter()

    def add(self, context: Optional[dict]) -> None:
        if context is None:
            self.missing += 1
            return
        rating = context.get("rating")
        if rating:
            self.protocols[f"{rating['protocol'] or 'other'} ({rating['scale']})"] += 1
        key = f"{context['source']}/{context['path']}"
        if key in self.seen:
            return
        self.seen.add(key)
        self.sources[context["source"]] += 1
        camera = context.get("camera") or {}
        if any(v is not None for v in camera.values()):
            self.with_camera += 1
            self.makes[camera.get("make") or "unknown make"] += 1
        processing = context["processing"]
        self.colour[processing["colour"]] += 1
        self.resized += bool(processing["resized"])
        self.rotated += bool(processing["exif_rotated"])
        self.short_sides.append(min(context["width"], context["height"]))
        self.aspects.append(float(context["aspect_ratio"]))
        viewing = context["viewing"]
        self.viewing[f"{viewing['display']}; {viewing['distance']}"] += 1

    def summary(self) -> dict:
        n = len(self.seen)

        def spread(values):
            if not values:
                return None
            p = np.percentile(values, [0, 50, 100])
            return {"min": round(float(p[0]), 3), "median": round(float(p[1]), 3),
                    "max": round(float(p[2]), 3)}

        return {
            "references": n,
            "records_without_context": self.missing,
            "sources": dict(sorted(self.sources.items())),
            "with_exif_camera": self.with_camera,
            "camera_makes": dict(self.makes.most_common(10)),
            "colour_conversion": dict(sorted(self.colour.items())),
            "resized": self.resized,
            "exif_rotated": self.rotated,
            "original_short_side": spread(self.short_sides),
            "original_aspect_ratio": spread(self.aspects),
            "rating_protocols": dict(sorted(self.protocols.items())),
            "viewing": dict(sorted(self.viewing.items())),
        }


def card_lines(summary: dict) -> list[str]:
    """The card's "Context" section."""
    n = summary["references"]
    lines = ["## Context", "",
             "Every record carries `context`: the reference's source and path relative to it, "
             "its original size, EXIF camera settings where the file has them, the processing "
             "applied, the viewing conditions assumed and, for records from MOS datasets, how "
             "the human judgements were collected.", ""]
    if summary["records_without_context"]:
        lines += [f"- Records without context (written by schema 1.0): "
                  f"{summary['records_without_context']:,}.", ""]
    if not n:
        return lines
    sources = ", ".join(f"{s} ({c:,})" for s, c in summary["sources"].items())
    short, aspect = summary["original_short_side"], summary["original_aspect_ratio"]
    makes = ", ".join(f"{m} ({c:,})" for m, c in summary["camera_makes"].items())
    colour = ", ".join(f"{c} ({k:,})" for c, k in summary["colour_conversion"].items())
    lines += [f"- Reference images by source: {sources}.",
              f"- Original short side {short['min']:g}–{short['max']:g} px (median "
              f"{short['median']:g}); aspect ratio {aspect['min']:g}–{aspect['max']:g}.",
              f"- Resized to the configured short side: {summary['resized']:,} of {n:,}; "
              f"EXIF-rotated: {summary['exif_rotated']:,}.",
              f"- Colour conversion: {colour}.",
              f"- EXIF camera settings present: {summary['with_exif_camera']:,} of {n:,}"
              + (f" ({makes})." if makes else ".")]
    for view, count in summary["viewing"].items():
        lines.append(f"- Viewing conditions assumed: {view} ({count:,} references).")
    if summary["rating_protocols"]:
        protocols = ", ".join(f"{p}: {c:,}" for p, c in summary["rating_protocols"].items())
        lines.append(f"- MOS-derived records by rating protocol: {protocols}.")
    return lines + [""]
