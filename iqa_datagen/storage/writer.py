"""Streaming, atomic Parquet writing: record files and resumable named parts.

Records arrive one by one; each (split, stem) group buffers at most one row group before it is
written, so memory stays flat however many records pass through. Every file is written under a
hidden temporary name, fsynced and renamed into place, so a crash never leaves a partial file
under a final name.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional

import pyarrow as pa
import pyarrow.parquet as pq

from iqa_datagen.schemas import Record, arrow_schema

from .counts import nest_counts
from iqa_datagen.files import StagedFile, atomic_write_text, fsync_dir

from .layout import (PARTS_DIR, StorageError, check_split, check_stem, data_dir, relative,
                     record_file_path, record_file_pattern)

DEFAULT_ROWS_PER_FILE = 5000
DEFAULT_ROW_GROUP_ROWS = 128
DEFAULT_MAX_BUFFER_BYTES = 64 << 20
IMAGE_COLUMNS = ("image_ref", "image_a", "image_b")


def storage_schema() -> pa.Schema:
    """``schemas.arrow_schema()`` with every top-level field nullable, as files store it.

    ``datasets`` (5.x) takes a column's feature (e.g. ``Image``) from the schema metadata only
    when the metadata's field equals the file's field, nullability included, and its features
    are always nullable; a required ``image_a`` would load as a plain struct, not an image.
    Required-ness is enforced by the pydantic Record before a row is written.
    """
    schema = arrow_schema()
    return pa.schema([f.with_nullable(True) for f in schema], metadata=schema.metadata)


def _leaf_paths(schema: pa.Schema) -> list[str]:
    """Parquet column paths of every leaf (``conversations.list.element.value``, ...)."""
    out: list[str] = []

    def walk(prefix: str, typ: pa.DataType) -> None:
        if pa.types.is_struct(typ):
            for i in range(typ.num_fields):
                walk(f"{prefix}.{typ.field(i).name}", typ.field(i).type)
        elif pa.types.is_list(typ):
            walk(f"{prefix}.list.element", typ.value_type)
        else:
            out.append(prefix)

    for f in schema:
        walk(f.name, f.type)
    return out


def parquet_options(schema: pa.Schema, compression: str = "zstd",
                    compression_level: Optional[int] = None) -> dict:
    """Writer options: zstd; no dictionary or min/max statistics on PNG bytes (useless, costly)."""
    leaves = _leaf_paths(schema)
    not_bytes = [p for p in leaves if not p.endswith(".bytes")]
    return dict(compression=compression, compression_level=compression_level,
                use_dictionary=[p for p in not_bytes if p != "id"],
                write_statistics=not_bytes)


@dataclass(frozen=True)
class FileInfo:
    """One finished record file: path relative to the dataset root, rows, size and checksum."""

    path: str
    split: str
    rows: int
    bytes: int
    sha256: str

    @classmethod
    def from_dict(cls, d: Mapping) -> "FileInfo":
        return cls(**{k: d[k] for k in ("path", "split", "rows", "bytes", "sha256")})


@dataclass(frozen=True)
class PartInfo:
    """A complete named part: its files and its record counts (see counts.nest_counts)."""

    name: str
    files: tuple[FileInfo, ...]
    counts: dict
    created: str = ""
    meta: dict = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def paths(self) -> list[str]:
        return [f.path for f in self.files]

    @property
    def sha256(self) -> dict[str, str]:
        return {f.path: f.sha256 for f in self.files}

    def to_dict(self) -> dict:
        return {"name": self.name, "rows": self.rows, "files": [asdict(f) for f in self.files],
                "counts": self.counts, "created": self.created, "meta": self.meta}

    @classmethod
    def from_dict(cls, d: Mapping) -> "PartInfo":
        return cls(name=d["name"], files=tuple(FileInfo.from_dict(f) for f in d["files"]),
                   counts=d["counts"], created=d.get("created", ""), meta=d.get("meta", {}))


class _HashingFile(io.RawIOBase):
    """Write-through file wrapper that hashes and counts what Parquet writes (no re-read)."""

    def __init__(self, raw) -> None:
        super().__init__()
        self._raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self._raw.write(data)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self._raw.flush()


class _OpenFile:
    """One Parquet file being written under its temporary name."""

    def __init__(self, dataset_dir: Path, final: Path, schema: pa.Schema, options: dict) -> None:
        self.dataset_dir, self.final, self.schema = dataset_dir, final, schema
        self._staged = StagedFile(final)
        self._sink = _HashingFile(self._staged.file)
        self._writer: Optional[pq.ParquetWriter] = pq.ParquetWriter(self._sink, schema, **options)
        self.rows = 0

    def write_rows(self, rows: list[dict]) -> None:
        table = pa.Table.from_pylist(rows, schema=self.schema)
        self._writer.write_table(table, row_group_size=len(rows))
        self.rows += len(rows)

    def finish(self, durable: bool) -> FileInfo:
        """Close the writer and fsync the temporary file; the file is staged, not yet visible."""
        self._writer.close()
        self._writer = None
        self._staged.close(durable)
        return FileInfo(path=relative(self.dataset_dir, self.final), split=self.final.parent.name,
                        rows=self.rows, bytes=self._sink.size,
                        sha256=self._sink.digest.hexdigest())

    def commit(self) -> None:
        """Rename into place; the caller fsyncs the folder once for all files it commits."""
        self._staged.commit(durable=False)

    def abort(self) -> None:
        try:
            if self._writer is not None:
                self._writer.close()
        except Exception:  # the write already failed; the temporary file is discarded anyway
            pass
        self._staged.abort()


def _row_of(item: Any, validate: bool) -> dict:
    if isinstance(item, Record):
        return item.to_row()
    if isinstance(item, Mapping):
        if not validate:
            return dict(item)
        try:
            return Record.model_validate(dict(item)).to_row()
        except Exception as exc:
            raise StorageError(f"row {item.get('id', '?')!r} is not a valid record: {exc}") from exc
    raise StorageError(f"cannot write {type(item).__name__}: expected a schemas.Record or a row dict")


def _row_bytes(row: Mapping) -> int:
    """Rough in-memory size of a row (image bytes dominate)."""
    size = len(row.get("question") or "") + len(row.get("response") or "") + 512
    for col in IMAGE_COLUMNS:
        img = row.get(col)
        if img:
            size += len(img.get("bytes") or b"")
    return size


def default_stem(row: Mapping) -> str:
    """``{task}-{setting}``: the file stem of RecordWriter when none is given."""
    return f"{row['task']}-{row['setting']}"


class _Group:
    __slots__ = ("buffer", "buffered_bytes", "file", "next_index", "written")

    def __init__(self) -> None:
        self.buffer: list[dict] = []
        self.buffered_bytes = 0
        self.file: Optional[_OpenFile] = None
        self.next_index = 0
        self.written: list[int] = []


class RecordWriter:
    """Stream records into ``data/{split}/{stem}-{index:05d}.parquet``.

    ``stem`` is a fixed string or a function of the row (default ``{task}-{setting}``). A file
    closes at ``rows_per_file`` rows; rows are written in row groups of ``row_group_rows`` (or
    earlier when all buffers together exceed ``max_buffer_bytes``). Use as a context manager: on
    an exception nothing becomes visible and temporary files are removed. Writing a (split, stem)
    group replaces that group's files from earlier runs.
    """

    def __init__(self, dataset_dir: Path | str, *,
                 stem: str | Callable[[Mapping], str] | None = None,
                 rows_per_file: Optional[int] = DEFAULT_ROWS_PER_FILE,
                 row_group_rows: int = DEFAULT_ROW_GROUP_ROWS,
                 max_buffer_bytes: int = DEFAULT_MAX_BUFFER_BYTES,
                 compression: str = "zstd", compression_level: Optional[int] = None,
                 validate: bool = True, durable: bool = True, defer_commit: bool = False) -> None:
        if rows_per_file is not None and rows_per_file < 1:
            raise StorageError(f"rows_per_file={rows_per_file}: must be at least 1 (or None)")
        if row_group_rows < 1:
            raise StorageError(f"row_group_rows={row_group_rows}: must be at least 1")
        if isinstance(stem, str):
            check_stem(stem, "file stem")
        self.dataset_dir = Path(dataset_dir)
        self._stem = stem or default_stem
        self.rows_per_file = rows_per_file
        self.row_group_rows = row_group_rows
        self.max_buffer_bytes = max_buffer_bytes
        self.validate, self.durable, self.defer_commit = validate, durable, defer_commit
        self.schema = storage_schema()
        self._options = parquet_options(self.schema, compression, compression_level)
        self._groups: dict[tuple[str, str], _Group] = {}
        self._buffered_bytes = 0
        self._staged: list[tuple[_OpenFile, FileInfo]] = []
        self.files: list[FileInfo] = []
        self.counts: Counter = Counter()
        self._closed = False

    # -- writing ------------------------------------------------------------------------------

    def write(self, record: Record | Mapping) -> None:
        if self._closed:
            raise StorageError("RecordWriter is closed")
        row = _row_of(record, self.validate)
        split = check_split(row["split"])
        stem = self._stem if isinstance(self._stem, str) else check_stem(self._stem(row),
                                                                         "file stem")
        group = self._groups.setdefault((split, stem), _Group())
        size = _row_bytes(row)
        group.buffer.append(row)
        group.buffered_bytes += size
        self._buffered_bytes += size
        self.counts[(split, row["task"], row["setting"], bool(row["multi_distortion"]))] += 1
        file_rows = group.file.rows if group.file else 0
        if (len(group.buffer) >= self.row_group_rows
                or (self.rows_per_file and file_rows + len(group.buffer) >= self.rows_per_file)):
            self._flush(split, stem, group)
        while self._buffered_bytes > self.max_buffer_bytes:
            key, fullest = max(self._groups.items(), key=lambda kv: kv[1].buffered_bytes)
            self._flush(*key, fullest)

    def write_many(self, records: Iterable[Record | Mapping]) -> int:
        n = 0
        for record in records:
            self.write(record)
            n += 1
        return n

    def _flush(self, split: str, stem: str, group: _Group) -> None:
        if not group.buffer:
            return
        if group.file is None:
            final = record_file_path(self.dataset_dir, split, stem, group.next_index)
            group.file = _OpenFile(self.dataset_dir, final, self.schema, self._options)
            group.written.append(group.next_index)
            group.next_index += 1
        group.file.write_rows(group.buffer)
        self._buffered_bytes -= group.buffered_bytes
        group.buffer, group.buffered_bytes = [], 0
        if self.rows_per_file and group.file.rows >= self.rows_per_file:
            self._finish_file(group)

    def _finish_file(self, group: _Group) -> None:
        done, group.file = group.file, None
        info = done.finish(self.durable)
        if self.defer_commit:
            self._staged.append((done, info))
        else:
            done.commit()
            self.files.append(info)

    # -- closing ------------------------------------------------------------------------------

    def close(self) -> list[FileInfo]:
        """Write what is buffered, finish every file, make them visible (unless deferred)."""
        if self._closed:
            return self.files
        try:
            for (split, stem), group in self._groups.items():
                self._flush(split, stem, group)
                if group.file is not None:
                    self._finish_file(group)
        except BaseException:
            self.abort()
            raise
        self._closed = True
        if not self.defer_commit:
            self._after_commit()
        return self.files

    def commit_staged(self) -> list[FileInfo]:
        """With ``defer_commit``: rename every staged file into place, then fsync the folders."""
        for staged, info in self._staged:
            staged.commit()
            self.files.append(info)
        self._staged = []
        self._after_commit()
        return self.files

    def _after_commit(self) -> None:
        folders = set()
        for (split, stem), group in self._groups.items():
            folder = data_dir(self.dataset_dir) / split
            folders.add(folder)
            keep = {record_file_path(self.dataset_dir, split, stem, i).name for i in group.written}
            pattern = record_file_pattern(stem)
            for old in folder.iterdir():
                if pattern.match(old.name) and old.name not in keep:
                    old.unlink()
        if self.durable:
            for folder in folders:
                fsync_dir(folder)

    def abort(self) -> None:
        """Drop everything not yet visible: open and staged temporary files."""
        for group in self._groups.values():
            if group.file is not None:
                group.file.abort()
                group.file = None
            group.buffer = []
        for staged, _ in self._staged:
            staged.abort()
        self._staged = []
        self._closed = True

    def __enter__(self) -> "RecordWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()
        else:
            self.close()


def write_records(dataset_dir: Path | str, records: Iterable[Record | Mapping],
                  **options) -> list[FileInfo]:
    """Write records (streamed) as Parquet record files; returns the files written."""
    with RecordWriter(dataset_dir, **options) as writer:
        writer.write_many(records)
    return writer.files


# -- resumable parts ---------------------------------------------------------------------------

def _marker(dataset_dir: Path | str, name: str, suffix: str) -> Path:
    return Path(dataset_dir) / PARTS_DIR / f"{name}{suffix}"


def _remove_part_files(dataset_dir: Path | str, name: str) -> list[Path]:
    removed = []
    root = data_dir(dataset_dir)
    if root.is_dir():
        pattern = record_file_pattern(name)
        for folder in root.iterdir():
            if folder.is_dir():
                for p in folder.iterdir():
                    if pattern.match(p.name):
                        p.unlink()
                        removed.append(p)
    return removed


def write_part(dataset_dir: Path | str, part_name: str, records: Iterable[Record | Mapping], *,
               meta: Optional[Mapping] = None, rows_per_file: Optional[int] = None,
               **options) -> PartInfo:
    """Write one named unit of work completely, or leave it absent.

    Files are ``data/{split}/{part_name}-{index:05d}.parquet`` (one per split unless
    ``rows_per_file`` splits them further). They only count once the marker
    ``.parts/{part_name}.json`` exists, which is written last; re-running a part replaces it.
    """
    check_stem(part_name)
    done = _marker(dataset_dir, part_name, ".json")
    pending = _marker(dataset_dir, part_name, ".pending")
    atomic_write_text(pending, part_name)
    done.unlink(missing_ok=True)
    _remove_part_files(dataset_dir, part_name)
    writer = RecordWriter(dataset_dir, stem=part_name, rows_per_file=rows_per_file,
                         defer_commit=True, **options)
    try:
        writer.write_many(records)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    files = writer.commit_staged()
    return _mark_done(dataset_dir, part_name, files, writer.counts, meta)


def _mark_done(dataset_dir: Path | str, part_name: str, files: list[FileInfo], counts: Counter,
               meta: Optional[Mapping]) -> PartInfo:
    info = PartInfo(name=part_name, files=tuple(sorted(files, key=lambda f: f.path)),
                    counts=nest_counts(counts),
                    created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    meta=dict(meta or {}))
    atomic_write_text(_marker(dataset_dir, part_name, ".json"),
                      json.dumps(info.to_dict(), indent=1, sort_keys=True))
    _marker(dataset_dir, part_name, ".pending").unlink(missing_ok=True)
    return info


def part_files(dataset_dir: Path | str, part_name: str) -> list[Path]:
    """The record files of a part present on disk (whatever its marker says), sorted."""
    root = data_dir(dataset_dir)
    pattern = record_file_pattern(check_stem(part_name))
    if not root.is_dir():
        return []
    return sorted(p for folder in root.iterdir() if folder.is_dir()
                  for p in folder.iterdir() if pattern.match(p.name))


def rewrite_part(dataset_dir: Path | str, part_name: str,
                 transform: Callable[[Iterable[dict]], Iterable[Record | Mapping]], *,
                 meta: Optional[Mapping] = None, rows_per_file: Optional[int] = None,
                 batch_rows: int = 64, **options) -> PartInfo:
    """Rewrite a part's records in place through ``transform`` (rows in, records out), streamed.

    New files are staged under temporary names while the old ones are read, then renamed into
    place; old files the new layout no longer uses (a split that became empty) are removed and
    the marker is rewritten last. ``transform`` must be a pure function of the rows: after a
    kill, running the same rewrite again reads the files now on disk and gives the same result.
    """
    old = part_files(dataset_dir, part_name)
    old_meta = (read_part(dataset_dir, part_name) or PartInfo(part_name, (), {})).meta
    atomic_write_text(_marker(dataset_dir, part_name, ".rewriting"), part_name)

    def rows() -> Iterable[dict]:
        for path in old:
            for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows):
                yield from batch.to_pylist()

    writer = RecordWriter(dataset_dir, stem=part_name, rows_per_file=rows_per_file,
                         defer_commit=True, **options)
    try:
        writer.write_many(transform(rows()))
        writer.close()
    except BaseException:
        writer.abort()
        raise
    files = writer.commit_staged()
    kept = {f.path for f in files}
    for path in old:
        if relative(dataset_dir, path) not in kept:
            path.unlink(missing_ok=True)
    info = _mark_done(dataset_dir, part_name, files, writer.counts,
                      {**old_meta, **(meta or {})})
    _marker(dataset_dir, part_name, ".rewriting").unlink(missing_ok=True)
    return info


def read_part(dataset_dir: Path | str, part_name: str) -> Optional[PartInfo]:
    """The PartInfo of a complete part, or None."""
    marker = _marker(dataset_dir, check_stem(part_name), ".json")
    if not marker.is_file():
        return None
    try:
        return PartInfo.from_dict(json.loads(marker.read_text()))
    except (ValueError, KeyError, TypeError) as exc:
        raise StorageError(f"{marker}: unreadable part marker ({exc})") from exc


def part_done(dataset_dir: Path | str, part_name: str, *, verify: bool = False) -> bool:
    """True when the part is complete and its files are present with the recorded size
    (``verify`` also re-checks their sha256)."""
    from .layout import sha256_file

    info = read_part(dataset_dir, part_name)
    if info is None:
        return False
    for f in info.files:
        path = Path(dataset_dir) / f.path
        if not path.is_file() or path.stat().st_size != f.bytes:
            return False
        if verify and sha256_file(path) != f.sha256:
            return False
    return True


def list_parts(dataset_dir: Path | str) -> dict[str, PartInfo]:
    """Every complete part, by name (sorted)."""
    folder = Path(dataset_dir) / PARTS_DIR
    if not folder.is_dir():
        return {}
    out = {}
    for marker in sorted(folder.glob("*.json")):
        info = read_part(dataset_dir, marker.stem)
        if info is not None:
            out[info.name] = info
    return out


def remove_part(dataset_dir: Path | str, part_name: str) -> list[Path]:
    """Delete a part: its record files and its markers."""
    removed = _remove_part_files(dataset_dir, check_stem(part_name))
    for suffix in (".json", ".pending", ".rewriting"):
        marker = _marker(dataset_dir, part_name, suffix)
        if marker.exists():
            marker.unlink()
            removed.append(marker)
    return removed


def clean_incomplete(dataset_dir: Path | str) -> list[Path]:
    """Remove temporary files and the files of parts that started but never finished."""
    from .layout import iter_temp_files

    removed = [p for p in iter_temp_files(dataset_dir)]
    for p in removed:
        p.unlink(missing_ok=True)
    folder = Path(dataset_dir) / PARTS_DIR
    if folder.is_dir():
        for pending in sorted(folder.glob("*.pending")):
            if not _marker(dataset_dir, pending.stem, ".json").exists():
                removed += _remove_part_files(dataset_dir, pending.stem)
            pending.unlink()
            removed.append(pending)
    return removed
