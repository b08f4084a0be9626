"""The reference documentation stays true to the code it describes."""

from __future__ import annotations

import re
from pathlib import Path

from iqa_datagen import distortions
from iqa_datagen.distortions import categories
from iqa_datagen.distortions.reference import markdown
from iqa_datagen.distortions.spec import LEVEL_NAMES, PAIR_GRADE_NAMES

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_distortion_page_is_the_rendered_builtin_catalogue():
    registry = distortions.build_registry(entry_point_plugins=False)
    expected = markdown(list(registry), registry.gt_name)
    assert (DOCS / "distortions.md").read_text() == expected, (
        "docs/distortions.md is stale: run `iqa-datagen catalogue --markdown > docs/distortions.md`")


def test_distortion_page_lists_every_level_parameter():
    page = (DOCS / "distortions.md").read_text()
    assert "35 distortions in 12 categories" in page
    assert "| blur (blur) | `blur_zoom` | max_factor = 1.02, 1.06, 1.1, 1.14, 1.2 |" in page


def _table(page: str, heading: str) -> dict[str, list[str]]:
    section = page.split(heading, 1)[1]
    rows = {}
    for line in section.splitlines()[1:]:
        if line.startswith("| ") and not line.startswith("| ---"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0]] = cells[1:]
        elif rows and not line.startswith("|"):
            break
    return rows


def test_sampling_page_tables_match_the_sampler():
    page = (DOCS / "sampling.md").read_text()
    pairs = _table(page, "## Allowed pairs")
    pairs.pop("first")
    assert {k: v[0].split(", ") for k, v in pairs.items()} == {
        k: list(v) for k, v in categories.ALLOWED_SECOND.items()}
    grades = _table(page, "## Grade words")
    grades.pop("level")
    assert [grades[str(i + 1)][0] for i in range(5)] == list(LEVEL_NAMES)
    assert [grades[str(i + 1)][1] for i in range(3)] == list(PAIR_GRADE_NAMES)
    ood = _table(page, "### Out-of-distribution split")
    ood.pop("category")
    held_out = {cat: tuple(f"{cat}_{m}" for m in row[1].split(", ")) for cat, row in ood.items()}
    assert held_out == categories.OOD_EVAL
    dropped = re.search(r"include level 1 of\s+(.*?)\. This", page, re.S).group(1)
    names = set(re.split(r",\s*|\s+or\s+", " ".join(dropped.split())))
    assert names == set(categories.NO_REFERENCE_DROP_SLIGHT)


def test_nothing_in_the_repository_points_outside_it():
    """Code and docs cite the repository's own docs/, never a spec or folder users do not have."""
    import subprocess

    root = DOCS.parent
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, text=True,
                            check=True).stdout.split("\0")
    pointer = re.compile(r"SPEC(\.md)? *§|SPEC's|\.\./shared/")
    offenders = []
    for rel in filter(None, listed):
        path = root / rel
        if rel == "tests/test_docs.py" or not path.is_file() or path.suffix in {".png", ".pt"}:
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        offenders += [f"{rel}:{i}" for i, line in enumerate(text.splitlines(), 1) if pointer.search(line)]
    assert not offenders, offenders
