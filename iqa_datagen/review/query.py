"""Filtered, paged reads of a dataset folder that never load it into memory.

A page is found in two passes over the record files, in their stable order: the first scans only
the columns a filter needs (the id and, for label or text filters, the labels or the response)
and stops as soon as the page plus one more match is found; the second reads the page's few
rows without their images. Images are read one at a time, only when a shown card asks for one.
Optional columns that newer datasets carry (``stage``, a score level) are filtered on when the
files have them and ignored where they do not.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Iterator, Optional

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from iqa_datagen.storage import StorageError, check_file, data_files
from iqa_datagen.storage.writer import IMAGE_COLUMNS

SCAN_BATCH_ROWS = 2048
FACET_BATCH_ROWS = 65536
PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
LABEL_COLUMNS = ("distortions_a", "distortions_b")
# Filters on columns that only some datasets have: query name -> candidate field paths.
OPTIONAL_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "stage": (("stage",),),
    "score_level": (("score_level",), ("score", "level"), ("level",)),
}
# Filters on plain columns: query name -> field path.
SCALAR_FIELDS: dict[str, tuple[str, ...]] = {
    "task": ("task",),
    "setting": ("setting",),
    "split": ("split",),
    "response_kind": ("response_kind",),
    "verdict_source": ("verdict", "source"),
}
MARKS = ("bad", "good", "unmarked")
ZOOMS = (1, 2, 4)


@dataclass(frozen=True)
class Query:
    """What the reviewer asked for; every field optional (None = no filter)."""

    task: Optional[str] = None
    setting: Optional[str] = None
    split: Optional[str] = None
    response_kind: Optional[str] = None
    verdict_source: Optional[str] = None
    stage: Optional[str] = None
    score_level: Optional[str] = None
    category: Optional[str] = None
    level: Optional[int] = None
    text: Optional[str] = None
    mark: Optional[str] = None
    page: int = 0
    page_size: int = PAGE_SIZE
    zoom: int = 1  # display only: images at 1x, 2x or 4x their native size

    @classmethod
    def from_params(cls, params) -> "Query":
        """From URL query parameters; empty values mean no filter. StorageError when invalid."""
        values: dict = {}
        for f in fields(cls):
            raw = params.get(f.name)
            if raw is None or str(raw).strip() == "":
                continue
            raw = str(raw).strip()
            if f.name in ("level", "page", "page_size", "zoom"):
                try:
                    values[f.name] = int(raw)
                except ValueError:
                    raise StorageError(f"{f.name}={raw!r}: not a whole number") from None
            else:
                values[f.name] = raw
        q = cls(**values)
        if q.level is not None and not 1 <= q.level <= 5:
            raise StorageError(f"level={q.level}: distortion levels run from 1 to 5")
        if q.page < 0 or not 1 <= q.page_size <= MAX_PAGE_SIZE:
            raise StorageError(f"page={q.page}, page_size={q.page_size}: page >= 0 and "
                               f"1 <= page_size <= {MAX_PAGE_SIZE}")
        if q.zoom not in ZOOMS:
            raise StorageError(f"zoom={q.zoom}: one of {', '.join(map(str, ZOOMS))}")
        if q.mark is not None and q.mark not in MARKS:
            raise StorageError(f"mark={q.mark!r}: one of {', '.join(MARKS)}")
        return q

    def params(self, **change) -> dict:
        """The query as URL parameters (without empty ones), with ``change`` applied."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out.update(change)
        return {k: v for k, v in out.items()
                if v is not None and not (k == "page" and v == 0)
                and not (k == "page_size" and v == PAGE_SIZE) and not (k == "zoom" and v == 1)}


@dataclass
class Page:
    """One page of matching records (text and labels; images are fetched per card)."""

    records: list[dict]
    has_next: bool
    ignored: list[str] = field(default_factory=list)  # filters this dataset has no column for


def _field_type(schema: pa.Schema, path: tuple[str, ...]) -> Optional[pa.DataType]:
    typ: Optional[pa.DataType] = None
    current = schema
    for name in path:
        if isinstance(current, pa.Schema):
            if name not in current.names:
                return None
            typ = current.field(name).type
        elif pa.types.is_struct(current):
            if current.get_field_index(name) < 0:
                return None
            typ = current.field(name).type
        else:
            return None
        current = typ
    return typ


def _regroup(batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """Batches of about ``rows`` rows from a scan's (row-group sized, often 128-row) batches,
    so the per-batch work of the label and text filters is paid a few times per file."""
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        if batch.num_rows:
            pending.append(batch)
            count += batch.num_rows
        if count >= rows:
            yield pa.Table.from_batches(pending).combine_chunks().to_batches()[0]
            pending, count = [], 0
    if pending:
        yield pa.Table.from_batches(pending).combine_chunks().to_batches()[0]


class DatasetView:
    """Read access to one dataset folder for the review app (files listed once, at start)."""

    def __init__(self, dataset_dir: Path | str):
        self.root = Path(dataset_dir).resolve()
        self.files = data_files(self.root, check=False)
        if not self.files:
            raise StorageError(f"{self.root}: no record files under data/")
        # files written before a schema gained a column lack it: scans see it as null there
        self.schema = pa.unify_schemas([check_file(p) for p in self.files])
        self.optional = {}
        for name, candidates in OPTIONAL_FIELDS.items():
            for path in candidates:
                if _field_type(self.schema, path) is not None:
                    self.optional[name] = path
                    break
        self.splits = sorted({p.parent.name for p in self.files})
        self.light_columns = [n for n in self.schema.names if n not in IMAGE_COLUMNS]

    def _file(self, index: int) -> ds.Dataset:
        return ds.dataset(str(self.files[index]), format="parquet", schema=self.schema)

    # -- filters ----------------------------------------------------------------------------

    def expression(self, q: Query, marks: Optional[dict[str, str]] = None
                   ) -> tuple[Optional[pc.Expression], list[str]]:
        """The pushdown part of ``q`` (plain columns, marks) and the filters ignored here."""
        parts, ignored = [], []
        for name, path in SCALAR_FIELDS.items():
            value = getattr(q, name)
            if value is not None:
                parts.append(pc.field(*path) == value)
        for name in OPTIONAL_FIELDS:
            value = getattr(q, name)
            if value is None:
                continue
            path = self.optional.get(name)
            if path is None:
                ignored.append(name)
                continue
            typ = _field_type(self.schema, path)
            try:
                scalar = pa.scalar(value).cast(typ)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raise StorageError(f"{name}={value!r}: not a value of column "
                                   f"{'.'.join(path)} ({typ})") from None
            parts.append(pc.field(*path) == scalar)
        if q.mark is not None:
            marked = [i for i, m in (marks or {}).items() if m == q.mark]
            ids = pc.field("id").isin(pa.array(sorted(set(marks or {})) if q.mark == "unmarked"
                                               else marked, pa.string()))
            parts.append(~ids if q.mark == "unmarked" else ids)
        expr = None
        for p in parts:
            expr = p if expr is None else expr & p
        return expr, ignored

    @staticmethod
    def _needs_scan_columns(q: Query) -> list[str]:
        cols = []
        if q.category is not None or q.level is not None:
            cols += list(LABEL_COLUMNS)
        if q.text is not None:
            cols.append("response")
        return cols

    @staticmethod
    def batch_mask(batch: pa.RecordBatch, q: Query) -> Optional[np.ndarray]:
        """Rows of ``batch`` passing the label and text filters (None: all pass)."""
        mask = None
        if q.category is not None or q.level is not None:
            mask = np.zeros(batch.num_rows, dtype=bool)
            for col in LABEL_COLUMNS:
                lists = batch.column(col)
                flat = pc.list_flatten(lists)
                if len(flat) == 0:
                    continue
                hit = np.ones(len(flat), dtype=bool)
                if q.category is not None:
                    hit &= pc.fill_null(pc.equal(flat.field("category"), q.category),
                                        False).to_numpy(zero_copy_only=False)
                if q.level is not None:
                    hit &= pc.fill_null(pc.equal(flat.field("level"), q.level),
                                        False).to_numpy(zero_copy_only=False)
                parents = pc.list_parent_indices(lists).to_numpy()
                mask[parents[hit]] = True
        if q.text is not None:
            found = pc.fill_null(pc.match_substring(batch.column("response"), q.text,
                                                    ignore_case=True), False)
            found = found.to_numpy(zero_copy_only=False)
            mask = found if mask is None else mask & found
        return mask

    def _matches(self, q: Query, marks: Optional[dict[str, str]] = None
                 ) -> Iterator[tuple[int, pa.Array]]:
        """(file index, ids of matching rows) per scanned batch, in file and row order."""
        expr, _ = self.expression(q, marks)
        extra = self._needs_scan_columns(q)
        for index in range(len(self.files)):
            scanner = self._file(index).scanner(columns=["id"] + extra, filter=expr,
                                                batch_size=SCAN_BATCH_ROWS, batch_readahead=1,
                                                fragment_readahead=1, use_threads=False)
            for batch in _regroup(scanner.to_batches(), SCAN_BATCH_ROWS):
                mask = self.batch_mask(batch, q)
                ids = batch.column("id")
                if mask is not None:
                    ids = ids.filter(pa.array(mask))
                if len(ids):
                    yield index, ids

    # -- reads ------------------------------------------------------------------------------

    def page(self, q: Query, marks: Optional[dict[str, str]] = None) -> Page:
        """The ``q.page``-th page of matches (records without image bytes)."""
        skip, want = q.page * q.page_size, q.page_size + 1
        picked: list[tuple[int, str]] = []
        for index, ids in self._matches(q, marks):
            if skip >= len(ids):
                skip -= len(ids)
                continue
            picked += [(index, i) for i in ids.slice(skip, want - len(picked)).to_pylist()]
            skip = 0
            if len(picked) >= want:
                break
        has_next = len(picked) > q.page_size
        picked = picked[:q.page_size]
        records = self._fetch(picked)
        return Page(records, has_next, self.expression(q)[1])

    def count(self, q: Query, marks: Optional[dict[str, str]] = None) -> int:
        """How many records match ``q`` (a scan of the filter columns only)."""
        if not self._needs_scan_columns(q):
            expr, _ = self.expression(q, marks)
            return sum(self._file(i).count_rows(filter=expr) for i in range(len(self.files)))
        return sum(len(ids) for _, ids in self._matches(q, marks))

    @functools.lru_cache(maxsize=16)  # noqa: B019 - one index per served dataset, kept for its life
    def _positions(self, index: int) -> tuple[dict[str, int], np.ndarray]:
        """{id: row} of one file and its row groups' first rows (the id column only)."""
        pf = pq.ParquetFile(self.files[index])
        ids = pf.read(columns=["id"]).column("id").to_pylist()
        starts = np.cumsum([0] + [pf.metadata.row_group(g).num_rows
                                  for g in range(pf.metadata.num_row_groups)])
        return {rid: row for row, rid in enumerate(ids)}, starts

    def _read_rows(self, index: int, ids: list[str], columns: list[str]) -> list[dict]:
        """Rows of ``ids`` from one file, reading only the row groups that hold them."""
        where, starts = self._positions(index)
        by_group: dict[int, list[tuple[str, int]]] = {}
        for rid in ids:
            if rid in where:
                row = where[rid]
                group = int(np.searchsorted(starts, row, side="right") - 1)
                by_group.setdefault(group, []).append((rid, row - int(starts[group])))
        out = []
        pf = pq.ParquetFile(self.files[index])
        for group, members in sorted(by_group.items()):
            table = pf.read_row_group(group, columns=columns)
            out += table.take([offset for _, offset in members]).to_pylist()
        return out

    def _fetch(self, picked: list[tuple[int, str]]) -> list[dict]:
        by_file: dict[int, list[str]] = {}
        for index, rid in picked:
            by_file.setdefault(index, []).append(rid)
        rows: dict[str, dict] = {}
        images = [c for c in IMAGE_COLUMNS if c in self.schema.names]
        for index, ids in by_file.items():
            # an image's name only (its nested 'path' leaf): the bytes stay on disk
            for row in self._read_rows(index, ids, self.light_columns
                                       + [f"{c}.path" for c in images]):
                row["file_index"] = index
                cells = {c: row.pop(c) for c in images}
                row["image_names"] = {c: cell["path"] for c, cell in cells.items() if cell}
                rows[row["id"]] = row
        return [rows[rid] for _, rid in picked if rid in rows]

    def image(self, file_index: int, record_id: str, column: str) -> Optional[bytes]:
        """The stored PNG bytes of one image of one record (None when absent)."""
        if column not in IMAGE_COLUMNS or column not in self.schema.names \
                or not 0 <= file_index < len(self.files):
            return None
        rows = self._read_rows(file_index, [record_id], [column])
        cell = rows[0][column] if rows else None
        return cell["bytes"] if cell else None

    def has_record(self, record_id: str) -> bool:
        """Whether any record file holds ``record_id`` (scans the id column)."""
        return any(self._file(i).count_rows(filter=pc.field("id") == record_id)
                   for i in range(len(self.files)))

    def facets(self) -> dict:
        """Values each filter can take and counts per split, task and setting (one vectorised
        scan of the small columns)."""
        cols = {**SCALAR_FIELDS, **self.optional}
        values: dict[str, Counter] = {name: Counter() for name in list(cols) + ["category"]}
        table_counts: Counter = Counter()
        top = sorted({path[0] for path in cols.values()} | set(LABEL_COLUMNS))

        def tally(counter: Counter, arr) -> None:
            for item in pc.value_counts(arr).to_pylist():
                if item["values"] is not None:
                    counter[item["values"]] += item["counts"]

        for path in self.files:
            # whole-file batches (a dataset scan yields one per row group, often only 128 rows)
            for batch in pq.ParquetFile(path).iter_batches(batch_size=FACET_BATCH_ROWS,
                                                           columns=top, use_threads=False):
                for name, path in cols.items():
                    arr = batch.column(path[0])
                    for sub in path[1:]:
                        arr = pc.struct_field(arr, sub)
                    tally(values[name], arr)
                for col in LABEL_COLUMNS:
                    tally(values["category"], pc.list_flatten(batch.column(col)).field("category"))
                grouped = pa.table({k: batch.column(k) for k in ("split", "task", "setting")}) \
                    .group_by(["split", "task", "setting"]).aggregate([([], "count_all")])
                for row in grouped.to_pylist():
                    table_counts[(row["split"], row["task"], row["setting"])] += row["count_all"]
        return {"values": {k: sorted(map(str, v)) for k, v in values.items()},
                "counts": {f"{s}\t{t}\t{st}": n for (s, t, st), n in table_counts.items()},
                "rows": sum(table_counts.values())}


__all__ = ["DatasetView", "MARKS", "ZOOMS", "OPTIONAL_FIELDS", "PAGE_SIZE", "Page", "Query"]
