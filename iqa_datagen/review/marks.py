"""Review marks: ``review/marks.jsonl`` in the dataset folder, one JSON line per mark.

Each mark is appended with a single ``write`` to a file opened in append mode under an exclusive
lock, then fsynced, so concurrent reviewers never interleave half lines and a crash loses at most
the mark being written. A record's latest mark is the one that counts (a reviewer may change
their mind). The record files themselves are never touched.
"""

from __future__ import annotations

import fcntl
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from iqa_datagen.storage import StorageError

REVIEW_DIR = "review"
MARKS_FILE = "marks.jsonl"
MARK_VALUES = ("bad", "good")
MAX_REASON_CHARS = 2000


def marks_path(dataset_dir: Path | str) -> Path:
    return Path(dataset_dir) / REVIEW_DIR / MARKS_FILE


def append_mark(dataset_dir: Path | str, record_id: str, mark: str,
                reason: Optional[str] = None) -> dict:
    """Append one mark and return it (StorageError for an unknown mark or an over-long reason)."""
    if mark not in MARK_VALUES:
        raise StorageError(f"mark {mark!r}: one of {', '.join(MARK_VALUES)}")
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > MAX_REASON_CHARS:
        raise StorageError(f"reason: at most {MAX_REASON_CHARS} characters")
    entry = {"id": record_id, "mark": mark, "reason": reason,
             "time": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
    path = marks_path(dataset_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock
    return entry


def read_marks(dataset_dir: Path | str) -> list[dict]:
    """Every mark in file order; a torn last line (crash mid-write) is skipped."""
    path = marks_path(dataset_dir)
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("mark") in MARK_VALUES and entry.get("id"):
            out.append(entry)
    return out


def latest_marks(dataset_dir: Path | str) -> dict[str, dict]:
    """{record id: its latest mark entry}."""
    return {entry["id"]: entry for entry in read_marks(dataset_dir)}


__all__ = ["MARK_VALUES", "REVIEW_DIR", "append_mark", "latest_marks", "marks_path",
           "read_marks"]
