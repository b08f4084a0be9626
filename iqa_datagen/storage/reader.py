"""Reading record files back: schema-version checked, streamed in batches, in a stable order."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from iqa_datagen.schemas import (READABLE_VERSIONS, Record, SchemaVersionError,
                                 check_schema_version)

from .layout import StorageError, list_data_files
from .writer import storage_schema

DEFAULT_BATCH_ROWS = 128
Filters = Any  # a pyarrow.compute.Expression or DNF filters [("task", "==", "x"), ...]


def check_file(path: Path | str) -> pa.Schema:
    """The file's Arrow schema after checking its schema version and columns.

    Raises SchemaVersionError (naming the file) for a schema version this one cannot read and
    StorageError for an unreadable file or missing columns. Files of an earlier readable version
    (``READABLE_VERSIONS``) are accepted; the columns added since read back as nulls.
    """
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as exc:
        raise StorageError(f"{path}: not a readable Parquet file ({exc})") from exc
    version = check_schema_version(schema.metadata, str(path))
    added = READABLE_VERSIONS.get(version, ())  # columns that version lacks: read as nulls
    missing = [name for name in storage_schema().names
               if name not in schema.names and name not in added]
    if missing:
        raise StorageError(f"{path}: missing record columns {missing}")
    return schema


def data_files(dataset_dir: Path | str, splits: Optional[Sequence[str]] = None,
               *, check: bool = True) -> list[Path]:
    """The dataset's record files (optionally of some splits), each version-checked."""
    root = Path(dataset_dir)
    if not root.is_dir():
        raise StorageError(f"{root}: dataset folder does not exist")
    files = list_data_files(root)
    if splits is not None:
        wanted = set(splits)
        files = [p for p in files if p.parent.name in wanted]
    if check:
        for path in files:
            check_file(path)
    return files


def _expression(filters: Filters):
    if filters is None or isinstance(filters, ds.Expression):
        return filters
    try:
        return pq.filters_to_expression(filters)
    except (TypeError, ValueError) as exc:
        raise StorageError(f"filters {filters!r}: not a valid filter ({exc})") from exc


def open_dataset(dataset_dir: Path | str, splits: Optional[Sequence[str]] = None) -> ds.Dataset:
    """A pyarrow Dataset over the record files (after checking every file's schema version)."""
    files = data_files(dataset_dir, splits)
    return ds.dataset([str(p) for p in files], format="parquet", schema=storage_schema())


def iter_batches(dataset_dir: Path | str, columns: Optional[Sequence[str]] = None,
                 filters: Filters = None, *, splits: Optional[Sequence[str]] = None,
                 batch_size: int = DEFAULT_BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """Record batches, file by file in sorted order, reading ahead at most one batch."""
    expr = _expression(filters)
    schema = storage_schema()
    cols = list(columns) if columns is not None else None
    if cols is not None:
        unknown = [c for c in cols if c not in schema.names]
        if unknown:
            raise StorageError(f"columns {unknown}: not record columns ({schema.names})")
    for path in data_files(dataset_dir, splits):
        fragment_set = ds.dataset(str(path), format="parquet", schema=schema)
        yield from fragment_set.to_batches(columns=cols, filter=expr, batch_size=batch_size,
                                           batch_readahead=1, fragment_readahead=1,
                                           use_threads=False)


def read_table(dataset_dir: Path | str, columns: Optional[Sequence[str]] = None,
               filters: Filters = None, *, splits: Optional[Sequence[str]] = None) -> pa.Table:
    """Everything selected as one Table (for small datasets or narrow column selections)."""
    schema = storage_schema()
    batches = list(iter_batches(dataset_dir, columns, filters, splits=splits))
    out_schema = schema if columns is None else pa.schema([schema.field(c) for c in columns],
                                                           metadata=schema.metadata)
    return pa.Table.from_batches(batches, schema=out_schema)


def read_records(dataset_dir: Path | str, columns: Optional[Sequence[str]] = None,
                 filters: Filters = None, *, splits: Optional[Sequence[str]] = None,
                 as_models: bool = False,
                 batch_size: int = DEFAULT_BATCH_ROWS) -> Iterator[dict | Record]:
    """Rows as dicts in the Arrow layout (or validated ``Record`` objects with ``as_models``)."""
    if as_models and columns is not None:
        raise StorageError("as_models=True needs every column (leave columns=None)")
    for batch in iter_batches(dataset_dir, columns, filters, splits=splits,
                              batch_size=batch_size):
        for row in batch.to_pylist():
            yield Record.model_validate(row) if as_models else row


def count_rows(dataset_dir: Path | str, splits: Optional[Sequence[str]] = None) -> int:
    """Rows in the dataset, from file footers only."""
    return sum(pq.ParquetFile(p).metadata.num_rows for p in data_files(dataset_dir, splits))


__all__ = ["SchemaVersionError", "check_file", "count_rows", "data_files", "iter_batches",
           "open_dataset", "read_records", "read_table"]
