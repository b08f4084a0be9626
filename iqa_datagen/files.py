"""Atomic file writes: the one way this project replaces a file so no reader sees half of it.

A file is written under a hidden temporary sibling name (same folder, so the rename is atomic),
fsynced, and renamed over its final name with ``os.replace``; the folder is then fsynced so the
rename survives a crash. On an error the temporary file is removed. ``StagedFile`` splits this
into steps for writers that commit several files together (Parquet record files, export files);
``atomic_open`` and ``atomic_write_bytes`` / ``atomic_write_text`` do it in one go.

Only the standard library: the LLM reply cache and the assistant import this without storage.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

TMP_MARK = ".tmp-"  # in every temporary name (``.{name}.tmp-{pid}-{hex}``), so leftovers are found


def temp_path_for(final: Path) -> Path:
    """A hidden, unique temporary name next to ``final`` (same folder, so os.replace is atomic)."""
    return final.with_name(f".{final.name}{TMP_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}")


def fsync_dir(folder: Path) -> None:
    """Make a rename durable (no-op where directories cannot be opened, e.g. Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class StagedFile:
    """A file open for writing under its temporary name; visible under ``final`` only after
    ``commit``, gone after ``abort``."""

    def __init__(self, final: Path | str, mode: str = "wb") -> None:
        self.final = Path(final)
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = temp_path_for(self.final)
        self.file: IO = open(self.tmp, mode, encoding=None if "b" in mode else "utf-8")

    def close(self, durable: bool = True) -> None:
        """Finish writing (fsynced when ``durable``): complete on disk, not yet visible."""
        if not self.file.closed:
            self.file.flush()
            if durable:
                os.fsync(self.file.fileno())
            self.file.close()

    def commit(self, durable: bool = True) -> Path:
        """Close if still open, rename into place and (``durable``) fsync the folder."""
        self.close(durable)
        os.replace(self.tmp, self.final)
        if durable:
            fsync_dir(self.final.parent)
        return self.final

    def abort(self) -> None:
        self.file.close()
        self.tmp.unlink(missing_ok=True)


@contextmanager
def atomic_open(path: Path | str, mode: str = "wb", *, durable: bool = True) -> Iterator[IO]:
    """``with atomic_open(path) as f: ...``: ``path`` holds all of what was written or, if the
    block raised, what it held before."""
    staged = StagedFile(path, mode)
    try:
        yield staged.file
        staged.commit(durable)
    except BaseException:
        staged.abort()
        raise


def atomic_write_bytes(path: Path | str, data: bytes, *, durable: bool = True) -> Path:
    """Replace ``path`` by ``data`` atomically."""
    with atomic_open(path, "wb", durable=durable) as f:
        f.write(data)
    return Path(path)


def atomic_write_text(path: Path | str, text: str, *, durable: bool = True) -> Path:
    """Replace ``path`` by ``text`` (UTF-8) atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"), durable=durable)
