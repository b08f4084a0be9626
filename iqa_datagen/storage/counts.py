"""Record counts keyed by split × task × setting × single/multi distortion, and their JSON shape."""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Mapping

CountKey = tuple[str, str, str, bool]  # split, task, setting, multi_distortion


def count_rows(rows: Iterable[Mapping]) -> Counter:
    """Count row dicts (or anything with the four keys) by CountKey."""
    return Counter((r["split"], r["task"], r["setting"], bool(r["multi_distortion"])) for r in rows)


def count_batch(batch) -> Counter:
    """Count an Arrow batch/table holding the columns split, task, setting, multi_distortion."""
    cols = [batch.column(name).to_pylist()
            for name in ("split", "task", "setting", "multi_distortion")]
    return Counter((s, t, st, bool(m)) for s, t, st, m in zip(*cols))


def nest_counts(counter: Mapping[CountKey, int]) -> dict:
    """``{split: {task: {setting: {"single": n, "multi": n, "total": n}}}}``, keys sorted."""
    nested: dict = {}
    for (split, task, setting, multi), n in sorted(counter.items()):
        cell = nested.setdefault(split, {}).setdefault(task, {}).setdefault(
            setting, {"single": 0, "multi": 0, "total": 0})
        cell["multi" if multi else "single"] += n
        cell["total"] += n
    return nested




def totals(counter: Mapping[CountKey, int]) -> dict:
    """Totals overall, per split, per task and single vs multi distortion."""
    by_split: Counter = Counter()
    by_task: Counter = Counter()
    by_kind: Counter = Counter()
    for (split, task, _setting, multi), n in counter.items():
        by_split[split] += n
        by_task[task] += n
        by_kind["multi" if multi else "single"] += n
    return {"rows": sum(counter.values()), "by_split": dict(sorted(by_split.items())),
            "by_task": dict(sorted(by_task.items())),
            "by_distortion_count": {"single": by_kind["single"], "multi": by_kind["multi"]}}
