"""Small helpers the adapters share: case-insensitive file lookup, number parsing with the file
and line in the error, and CSV reading that keeps line numbers."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Iterator, Optional

from .types import MosFormatError


class FolderIndex:
    """Finds files in one folder by name or stem, ignoring case.

    Published datasets mix cases (TID2013 lists ``i01_01_1.bmp`` next to ``I01.BMP``; CSIQ names
    ``1600.AWGN.1.png`` from the type ``noise``), and a case-sensitive file system would reject
    names a Windows user never noticed. An exact match always wins over a case-insensitive one.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._by_name: Optional[dict[str, Path]] = None
        self._by_stem: Optional[dict[str, list[Path]]] = None

    def _load(self) -> None:
        if self._by_name is not None:
            return
        self._by_name, self._by_stem = {}, {}
        if self.folder.is_dir():
            for p in sorted(self.folder.iterdir()):
                self._by_name.setdefault(p.name.lower(), p)
                self._by_stem.setdefault(p.stem.lower(), []).append(p)

    def find(self, name: str) -> Optional[Path]:
        """The file called ``name`` (any case), or None."""
        exact = self.folder / name
        if exact.exists():
            return exact
        self._load()
        return self._by_name.get(name.lower())

    def path(self, name: str) -> Path:
        """The file called ``name`` if it exists in any case, else ``folder/name`` as listed."""
        return self.find(name) or self.folder / name

    def find_stem(self, stem: str) -> Optional[Path]:
        """The one file whose stem is ``stem`` (any case, any extension), or None."""
        self._load()
        hits = self._by_stem.get(stem.lower(), [])
        return hits[0] if len(hits) == 1 else None


def require_file(path: Path, source: Path, line: Optional[int] = None,
                 entry: Optional[int] = None) -> None:
    """Raise ``FileNotFoundError`` naming ``path`` and the label row that lists it."""
    if not path.is_file():
        where = f"{source}:{line}" if line is not None else (
            f"{source} (entry {entry})" if entry is not None else str(source))
        raise FileNotFoundError(f"image not found: {path} (listed in {where})")


SANE_SCORE = 1e6
"""Scores of a dataset without a documented scale must stay within ±SANE_SCORE: beyond it the
file is broken (an overflow, a sentinel like -99999 is within it but 1e300 is not)."""


def parse_score(text: str, source: Path, line: Optional[int] = None,
                entry: Optional[int] = None, what: str = "score",
                scale: Optional[tuple[float, float, str]] = None) -> float:
    """A finite float, within ``scale`` (low, high, dataset name) when given, else within
    ±SANE_SCORE; or a ``MosFormatError`` that names the file, the line and the text."""
    try:
        value = float(str(text).strip())
    except ValueError:
        raise MosFormatError(source, f"{what} {text!r} is not a number", line, entry) from None
    if not math.isfinite(value):
        raise MosFormatError(source, f"{what} {text!r} is not finite", line, entry)
    check_scale(value, source, line, entry, what, scale)
    return value


def check_scale(value: float, source: Path, line: Optional[int] = None,
                entry: Optional[int] = None, what: str = "score",
                scale: Optional[tuple[float, float, str]] = None) -> None:
    """Refuse a score outside its dataset's documented scale: a sign of another file or a
    corrupt row, which would rank images wrongly if kept."""
    low, high, name = scale or (-SANE_SCORE, SANE_SCORE, "any plausible")
    if not low <= value <= high:
        raise MosFormatError(source, f"{what} {value:g} outside the {name} scale "
                                     f"{low:g}..{high:g}", line, entry)


def parse_bool(text: str, source: Path, line: int, what: str) -> bool:
    value = str(text).strip().lower()
    if value in ("1", "true", "yes", "y", "t"):
        return True
    if value in ("0", "false", "no", "n", "f"):
        return False
    raise MosFormatError(source, f"{what} {text!r} is not a boolean (true/false/1/0/yes/no)", line)


def require_label_file(path: Path, dataset: str) -> Path:
    if not path.is_file():
        raise FileNotFoundError(f"{dataset}: label file not found: {path}")
    return path


def csv_rows(path: Path, required: tuple[str, ...],
             header_search: bool = False) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line_number, row)`` for every non-blank data row of a comma or tab separated file.

    Column names are matched case-insensitively and stripped. With ``header_search`` the header
    is the first row holding every required column (spreadsheet exports often carry title rows
    above it); otherwise it is the first row, and missing columns are an error on line 1.
    """
    text = path.read_text(encoding="utf-8-sig")
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(text.splitlines(), delimiter=delimiter)
    header: Optional[list[str]] = None
    for lineno, cells in enumerate(reader, start=1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if header is None:
            names = [c.lower() for c in cells]
            missing = [c for c in required if c not in names]
            if missing and header_search:
                continue
            if missing:
                raise MosFormatError(path, f"header lacks column(s) {missing}; has {cells}", lineno)
            header = names
            continue
        if len(cells) < len(header):
            cells = cells + [""] * (len(header) - len(cells))
        row = {name: cells[i] for i, name in enumerate(header) if name}
        for col in required:
            if not row.get(col):
                raise MosFormatError(path, f"column {col!r} is empty", lineno)
        yield lineno, row
    if header is None:
        raise MosFormatError(path, f"no header row with columns {list(required)}")
