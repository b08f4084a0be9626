"""Atomic writes (iqa_datagen.files): a file holds all of the new content or all of the old,
a failed write leaves no temporary file, and no other module replaces files its own way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from iqa_datagen.files import StagedFile, TMP_MARK, atomic_open, atomic_write_text

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["iqa_datagen", "distortions", "flows", "generators", "schemas"]


def test_atomic_write_replaces_whole_file(tmp_path):
    path = tmp_path / "sub" / "a.json"
    atomic_write_text(path, "old")
    atomic_write_text(path, "new")
    assert path.read_text() == "new"
    assert [p.name for p in path.parent.iterdir()] == ["a.json"]


def test_a_failed_write_keeps_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_open(path) as f:
            f.write(b"half of the new")
            raise RuntimeError("disk full")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_a_staged_file_is_invisible_until_commit(tmp_path):
    final = tmp_path / "x.txt"
    staged = StagedFile(final, "w")
    staged.file.write("é")
    staged.close()
    assert not final.exists() and staged.tmp.name.startswith(".x.txt" + TMP_MARK)
    staged.commit()
    assert final.read_text(encoding="utf-8") == "é" and not staged.tmp.exists()
    other = StagedFile(tmp_path / "y.txt", "w")
    other.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.txt"]


def test_no_module_but_files_replaces_files_its_own_way():
    """``os.replace``, ``mkstemp`` and ``Path.replace`` onto a final name live in one place."""
    pattern = re.compile(r"os\.replace\(|os\.rename\(|mkstemp\(|\.tmp\"|tmp\.replace\(")
    found = [f"{p.relative_to(ROOT)}:{n}" for folder in SOURCES for p in (ROOT / folder).rglob("*.py")
             for n, line in enumerate(p.read_text().splitlines(), 1)
             if pattern.search(line) and p != ROOT / "iqa_datagen" / "files.py"]
    assert found == []
