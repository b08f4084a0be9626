"""The built wheel installs one import name, `iqa_datagen`, and every module of the source tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAPPED = {"distortions": "distortions", "flows": "flows", "generators": "generators",
          "schemas": "schemas", "iqa_datagen": ""}


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    # Build from a copy of the files git would ship, so no stale build/ folder of the checkout
    # (which setuptools reuses) can add or hide a module.
    out = tmp_path_factory.mktemp("wheel")
    src = tmp_path_factory.mktemp("source")
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout.split("\0")
    for rel in filter(None, listed):
        if (ROOT / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, src / rel)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(src)], check=True, capture_output=True)
    (wheel,) = out.glob("iqa_datagen-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        return names | {"ENTRY:" + zf.read(entry).decode()}


def test_wheel_has_no_top_level_name_but_iqa_datagen(wheel_names):
    tops = {n.split("/", 1)[0] for n in wheel_names if not n.startswith("ENTRY:") and not n.split("/", 1)[0].endswith(
        (".dist-info", ".data"))}
    assert tops == {"iqa_datagen"}


def test_wheel_holds_every_source_module(wheel_names):
    missing = []
    for folder, sub in MAPPED.items():
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT / folder).as_posix()
            name = "/".join(p for p in ("iqa_datagen", sub, rel) if p)
            if name not in wheel_names:
                missing.append(name)
    assert not missing, f"modules left out of the wheel (list the package in pyproject): {missing}"


def test_console_script_points_into_the_namespace(wheel_names):
    (entry,) = [n[len("ENTRY:"):] for n in wheel_names if n.startswith("ENTRY:")]
    assert "iqa-datagen = iqa_datagen.cli:run" in entry
