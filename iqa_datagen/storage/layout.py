"""Where things live in a dataset folder; its files are written with ``iqa_datagen.files``.

Layout of a dataset folder::

    README.md                       dataset card (YAML front matter lists the splits' files)
    manifest.json                   config, counts, versions, checksums, usage
    data/{split}/{stem}-{index:05d}.parquet
                                    record files; ``stem`` is ``{task}-{setting}`` for RecordWriter
                                    or the part name for write_part
    stats/                          plots and stats.json behind the card
    .parts/{part}.json              completion markers of resumable parts (hidden: the Hugging
                                    Face loader skips names starting with a dot)

Temporary files start with a dot too, so neither our reader nor ``datasets`` ever sees one.
"""

from __future__ import annotations

import errno
import hashlib
import json
import re
from pathlib import Path
from typing import Iterator

# The atomic-file primitives, re-exported for the storage writers (defined in iqa_datagen.files).
from iqa_datagen.files import (TMP_MARK, atomic_write_bytes, atomic_write_text,  # noqa: F401
                               fsync_dir, temp_path_for)

DATA_DIR = "data"
PARTS_DIR = ".parts"
STATS_DIR = "stats"
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "iqa-datagen/manifest"
CARD_NAME = "README.md"
PARQUET_SUFFIX = ".parquet"

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_SPLIT_RE = re.compile(r"^[A-Za-z0-9_]+$")


class StorageError(ValueError):
    """A dataset folder, file or argument is not what storage expects."""


PERMANENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM,
                              errno.EROFS})


def permanent_os_error(exc: BaseException) -> bool:
    """An OS error that no retry fixes (disk full, no permission, read-only file system):
    failed at once, not retried."""
    return isinstance(exc, OSError) and exc.errno in PERMANENT_ERRNOS


def check_split(split: str) -> str:
    """Split names become folder names and Hugging Face split names: letters, digits, '_'."""
    if not isinstance(split, str) or not _SPLIT_RE.match(split):
        raise StorageError(f"split {split!r}: a split name may only hold letters, digits and '_'")
    return split


def check_stem(name: str, what: str = "part name") -> str:
    """File stems (part names) must be safe single path components that do not start with a dot."""
    if not isinstance(name, str) or not _NAME_RE.match(name) or ".." in name:
        raise StorageError(f"{what} {name!r}: use letters, digits, '_', '-', '.' (no leading dot, "
                           "no '..', no '/')")
    return name


def data_dir(dataset_dir: Path | str) -> Path:
    return Path(dataset_dir) / DATA_DIR


def record_file_path(dataset_dir: Path | str, split: str, stem: str, index: int) -> Path:
    """``data/{split}/{stem}-{index:05d}.parquet``."""
    return data_dir(dataset_dir) / check_split(split) / f"{stem}-{index:05d}{PARQUET_SUFFIX}"


def record_file_pattern(stem: str) -> re.Pattern:
    """Matches exactly the record file names of ``stem`` (so part 'a' never matches part 'a-b')."""
    return re.compile(rf"^{re.escape(stem)}-\d{{5}}{re.escape(PARQUET_SUFFIX)}$")


def list_data_files(dataset_dir: Path | str) -> list[Path]:
    """Every finished record file, sorted by split then name (temporary files excluded)."""
    root = data_dir(dataset_dir)
    if not root.is_dir():
        return []
    files = [p for p in root.glob(f"*/*{PARQUET_SUFFIX}")
             if not p.name.startswith(".") and not p.parent.name.startswith(".")]
    return sorted(files, key=lambda p: (p.parent.name, p.name))


def list_splits(dataset_dir: Path | str) -> list[str]:
    """Split folders that hold at least one record file, sorted."""
    return sorted({p.parent.name for p in list_data_files(dataset_dir)})


SPLIT_ORDER = ("train", "validation", "test")


def ordered_splits(splits) -> list[str]:
    """train, validation, test first, then any other split alphabetically."""
    known = [s for s in SPLIT_ORDER if s in splits]
    return known + sorted(set(splits) - set(known))


def relative(dataset_dir: Path | str, path: Path) -> str:
    """POSIX path of ``path`` relative to the dataset root (what manifests and cards record)."""
    return Path(path).relative_to(Path(dataset_dir)).as_posix()


def iter_temp_files(dataset_dir: Path | str) -> Iterator[Path]:
    """Temporary files left by interrupted writes anywhere in the dataset folder."""
    for p in Path(dataset_dir).rglob(f".*{TMP_MARK}*"):
        if p.is_file():
            yield p


def sha256_file(path: Path | str, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def read_manifest(dataset_dir: Path | str) -> dict:
    """``manifest.json`` of a dataset folder (StorageError when missing or unreadable)."""
    path = Path(dataset_dir) / MANIFEST_NAME
    if not path.is_file():
        raise StorageError(f"{path}: no manifest (write it with write_manifest)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise StorageError(f"{path}: not valid JSON ({exc})") from exc
    if manifest.get("format") != MANIFEST_FORMAT:
        raise StorageError(f"{path}: not an iqa-datagen manifest")
    return manifest
