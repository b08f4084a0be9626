"""MDID2013 (multiply distorted image database, 2013) in its published layout.

One folder holds everything::

    root/org001.png … org012.png    the 12 references
    root/img001.png … img324.png    27 distorted images per reference, in reference order:
                                    img001–img027 belong to org001, img028–img054 to org002, …
    root/MDID_dmos.mat              variable ``MDID_dmos``: 324 DMOS values, one per image

A ``MDID2013/`` subfolder holding those files is accepted as ``root`` too, and the DMOS values
may come as ``MDID_dmos.txt`` (one number per line) instead of the MATLAB file. Every image
carries blur, JPEG and noise applied in succession. DMOS: lower is better.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._files import FolderIndex, parse_score, require_file
from .types import MosEntry, MosFormatError

IMAGES_PER_REFERENCE = 27
REFERENCES = 12


def _root(root: Path) -> Path:
    sub = root / "MDID2013"
    if not any(root.glob("[Mm][Dd][Ii][Dd]_dmos.*")) and sub.is_dir():
        return sub
    return root


def _dmos(root: Path, dataset: str) -> tuple[np.ndarray, Path]:
    index = FolderIndex(root)
    mat, txt = index.find("MDID_dmos.mat"), index.find("MDID_dmos.txt")
    if mat is not None:
        from scipy.io import loadmat

        try:
            data = loadmat(mat)
        except (ValueError, OSError, TypeError) as exc:
            raise MosFormatError(mat, f"cannot read the MATLAB file: {exc}") from None
        if "MDID_dmos" not in data:
            raise MosFormatError(mat, "variable 'MDID_dmos' missing; has "
                                      f"{sorted(k for k in data if not k.startswith('__'))}")
        values = np.asarray(data["MDID_dmos"], dtype=np.float64).ravel()
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise MosFormatError(mat, f"MDID_dmos value {values[bad[0]]} is not finite",
                                 entry=int(bad[0]) + 1)
        return values, mat
    if txt is not None:
        lines = [(i, t.strip()) for i, t in enumerate(txt.read_text().splitlines(), start=1)]
        return np.array([parse_score(t, txt, i) for i, t in lines if t]), txt
    raise FileNotFoundError(f"{dataset}: no MDID_dmos.mat or MDID_dmos.txt under {root}")


def load_mdid2013(root: Path, *, check_files: bool = True,
                  dataset: str = "mdid2013") -> list[MosEntry]:
    """The rated images of MDID2013 (see the module docstring for the layout)."""
    root = _root(Path(root))
    dmos, source = _dmos(root, dataset)
    if len(dmos) % IMAGES_PER_REFERENCE:
        raise MosFormatError(source, f"{len(dmos)} DMOS values; expected a multiple of "
                                     f"{IMAGES_PER_REFERENCE} (27 images per reference, "
                                     f"{IMAGES_PER_REFERENCE * REFERENCES} in the full set)")
    files = FolderIndex(root)
    entries = []
    for i, score in enumerate(dmos, start=1):
        ref = files.path(f"org{(i - 1) // IMAGES_PER_REFERENCE + 1:03d}.png")
        dist = files.path(f"img{i:03d}.png")
        if check_files:
            require_file(ref, source, entry=i)
            require_file(dist, source, entry=i)
        entries.append(MosEntry(dataset, ref, dist, float(score), False, "blur+jpeg+noise"))
    return entries
