"""``filter --drop-marked``: remove the records reviewers marked, in place, like ``resplit``.

Only the parts that hold a marked record are rewritten (streamed through ``rewrite_part``, so a
killed run is finished by running the command again); then the manifest and the card are redone
from the files. The marks file stays as the record of what was dropped and why, and the folder's
build state lists every filter run, so the manifest keeps that history through later resplits.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import pyarrow.parquet as pq

from iqa_datagen.storage import StorageError, list_parts, part_files

from .marks import MARK_VALUES, latest_marks

NO_REASON = "(no reason given)"


def _part_ids(dataset: Path, part: str) -> set[str]:
    ids: set[str] = set()
    for path in part_files(dataset, part):
        ids.update(pq.read_table(path, columns=["id"]).column("id").to_pylist())
    return ids


def drop_marked(dataset: Path | str, mark: str = "bad", *, dry_run: bool = False) -> dict:
    """Drop every record whose latest mark is ``mark``; returns the summary (counts, reasons)."""
    from iqa_datagen.pipeline.output import finalize, read_state, write_state
    from iqa_datagen.pipeline.stored_config import load_build_config
    from iqa_datagen.storage import rewrite_part

    if mark not in MARK_VALUES:
        raise StorageError(f"--drop-marked {mark!r}: one of {', '.join(MARK_VALUES)}")
    started = time.perf_counter()
    dataset = Path(dataset)
    config = load_build_config(dataset)
    marked = {rid: e for rid, e in latest_marks(dataset).items() if e["mark"] == mark}
    parts = sorted(list_parts(dataset))
    hits = {part: _part_ids(dataset, part) & set(marked) for part in parts}
    found = set().union(*hits.values()) if hits else set()
    reasons = Counter(marked[rid].get("reason") or NO_REASON for rid in found)
    summary = {"dataset": str(dataset), "mark": mark, "marked": len(marked),
               "dropped": len(found), "not_in_dataset": len(set(marked) - found),
               "reasons": dict(reasons.most_common()),
               "parts_rewritten": sorted(p for p, ids in hits.items() if ids),
               "dry_run": dry_run}
    if dry_run or not found:
        summary["seconds"] = round(time.perf_counter() - started, 2)
        return summary

    def keep(rows: Iterable[dict]) -> Iterable[dict]:
        return (row for row in rows if row["id"] not in found)

    for part in summary["parts_rewritten"]:
        rewrite_part(dataset, part, keep, rows_per_file=config.output.rows_per_file,
                     row_group_rows=config.output.row_group_size)
    state = read_state(dataset)
    state.setdefault("review_filters", []).append({
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **{k: summary[k] for k in ("mark", "dropped", "reasons")}})
    write_state(dataset, state)
    manifest = finalize(dataset, config)
    summary["totals"] = manifest["totals"]
    summary["seconds"] = round(time.perf_counter() - started, 2)
    return summary


__all__ = ["drop_marked"]
