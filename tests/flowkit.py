"""Helpers of the flow tests: a tiny build config and a fingerprint of a dataset's content."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

import pyarrow.parquet as pq

# 8 built-in references at short side 96, 3 per shard; every task, both settings, offline.
TINY = {
    "references": {"short_side": 96},
    "tasks": {"identification": 2, "instant_rating": 1, "assessment": 1, "comparison": 1},
    "assistant": {"enabled": False},
    "llm": {"mode": "off"},
    "run": {"shard_size": 3, "max_task_retries": 0},
}


def tiny(**sections) -> dict:
    """TINY with some sections updated: ``tiny(run={"executor": "dask"})``."""
    config = copy.deepcopy(TINY)
    for name, values in sections.items():
        if isinstance(values, dict):
            config[name] = {**config.get(name, {}), **values}
        else:
            config[name] = values
    return config


def _digest(image) -> str:
    return hashlib.sha256(image["bytes"]).hexdigest()[:16] if image else "-"


def fingerprint(dataset: Path | str) -> list[tuple]:
    """Every record's content (id, split, task, setting, text, image digests, verdict), sorted:
    equal fingerprints mean equal datasets whatever the file layout."""
    rows = []
    for path in sorted(Path(dataset, "data").rglob("*.parquet")):
        for row in pq.read_table(path).to_pylist():
            verdict = row["verdict"]
            rows.append((row["id"], row["split"], row["task"], row["setting"], row["question"],
                         row["response"], _digest(row["image_ref"]), _digest(row["image_a"]),
                         _digest(row["image_b"]), row["source_record_id"],
                         (verdict["winner"], verdict["source"]) if verdict else None,
                         path.parent.name))
    return sorted(rows)


def file_digests(dataset: Path | str) -> dict[str, str]:
    return {str(p.relative_to(dataset)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(dataset, "data").rglob("*.parquet"))}
