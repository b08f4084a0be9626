"""The labeller's files: a CSV a build reads as a MOS source (``kind: labeller``) and a JSON
report of the run (settings, counts, instability, rejected images, LLM usage)."""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from pathlib import Path

from iqa_datagen.storage.layout import atomic_write_text

from .prompt import LABELLER_PROMPT_VERSION, LEVELS
from .run import ImageLabel, LabelConfig

COLUMNS = ("image", "score", "global_score", "local_score", "score_std", "regions", "units",
           "answers", "instability", "local_instability", "unstable")


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def write_labels_csv(labels: list[ImageLabel], path: Path) -> int:
    """One row per labelled image (rejected ones are in the report); image paths relative to
    the CSV's folder. Returns the number of rows."""
    path = Path(path)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows = 0
    for x in labels:
        if x.score is None:
            continue
        image = Path(os.path.relpath(Path(x.path).resolve(), path.resolve().parent)).as_posix()
        writer.writerow([image] + [_fmt(v) for v in (
            x.score, x.global_score, x.local_score, x.score_std, x.regions, x.units,
            " ".join(map(str, x.answers)), x.instability, x.local_instability, x.unstable)])
        rows += 1
    atomic_write_text(path, buf.getvalue())
    return rows


def run_report(result: dict, config: LabelConfig, model: str) -> dict:
    labels: list[ImageLabel] = result["labels"]
    done = [x for x in labels if x.score is not None]
    usage = result["usage"]
    inst = [x.instability for x in done]
    return {
        "prompt_version": LABELLER_PROMPT_VERSION, "model": model,
        "settings": config.model_dump(), "levels": LEVELS,
        "images": len(labels), "labelled": len(done),
        "rejected": [{"image": x.image_id, "reason": x.error} for x in labels
                     if x.score is None],
        "unstable": [x.image_id for x in done if x.unstable],
        "max_regions": result["max_regions"],
        "instability": {
            "mean": round(sum(inst) / len(inst), 4) if inst else None,
            "unstable_share": round(sum(x.unstable for x in done) / len(done), 4)
            if done else None,
            "histogram": {f"{k:.2f}": v for k, v in sorted(Counter(inst).items())}},
        "score": {"mean": round(sum(x.score for x in done) / len(done), 4) if done else None,
                  "global_answers": {str(k): v for k, v in sorted(Counter(
                      a for x in done for a in x.answers).items())}},
        "llm": {"requests": usage.requests, "cache_hits": usage.cache_hits,
                "rejected_replies": usage.rejected, "failures": usage.failures,
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "estimated_cost_usd": round(usage.estimated_cost_usd, 4)},
        "seconds": round(result["seconds"], 3),
    }


def write_report(report: dict, path: Path) -> None:
    atomic_write_text(Path(path), json.dumps(report, indent=2, sort_keys=True) + "\n")
