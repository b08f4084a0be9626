"""Reviewing a built dataset in the browser: records as cards with their images, filters that
scan the Parquet files without loading them, marks kept in ``review/marks.jsonl``, and
``filter --drop-marked`` to remove what reviewers marked (``iqa-datagen browse|filter``)."""

from .drop import drop_marked
from .marks import append_mark, latest_marks, marks_path, read_marks
from .query import DatasetView, Page, Query

__all__ = ["DatasetView", "Page", "Query", "append_mark", "drop_marked", "latest_marks",
           "marks_path", "read_marks"]
