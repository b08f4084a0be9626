"""The labeller's CSV (``iqa-datagen label``) as a MOS source: one rated image per row.

The images have no reference, so each entry's ``reference`` is the image itself: it scores
single images (no-reference records) and forms no pairs. ``score`` is the labeller's
aggregated score (higher is better), ``std`` the spread of its whole-image answers and
``ratings`` those answers (on the labeller's 1..7 standard). Images the labeller flagged as
unstable are kept unless ``drop_unstable``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from ._files import csv_rows, parse_bool, parse_score, require_file, require_label_file
from .types import MosEntry, MosFormatError


def load_labeller_csv(root: Path, *, label_file: str = "labels.csv", check_files: bool = True,
                      drop_unstable: bool = False,
                      dataset: Optional[str] = None) -> list[MosEntry]:
    """Entries of a labeller CSV (``root`` is the file, or a folder holding ``labels.csv``)."""
    root = Path(root)
    labels = require_label_file(root / label_file if root.is_dir() else root,
                                dataset or "labeller")
    name = dataset or labels.stem
    entries = []
    for line, row in csv_rows(labels, ("image", "score", "answers")):
        if drop_unstable and row.get("unstable") and parse_bool(row["unstable"], labels, line,
                                                                "unstable"):
            continue
        image = labels.parent / row["image"]
        if check_files:
            require_file(image, labels, line)
        try:
            answers = tuple(float(a) for a in row["answers"].split())
        except ValueError:
            raise MosFormatError(labels, f"answers {row['answers']!r} are not numbers",
                                 line) from None
        std = parse_score(row["score_std"], labels, line, what="score_std") \
            if row.get("score_std") else None
        entries.append(MosEntry(name, image, image, parse_score(row["score"], labels, line),
                                True, None, std, answers))
    return entries
