"""Writers of tiny MOS dataset layouts in a temporary folder (8×8 images, a few label rows).

Each ``make_*`` writes the dataset's published layout under ``root`` and returns ``root``;
images are real (decodable) files so adapters that check them see what they would on disk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from PIL import Image


def write_image(path: Path, value: int = 128) -> Path:
    """A small uniform image; the format follows the suffix (PNG, BMP…)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((8, 8, 3), value % 256, np.uint8)).save(path)
    return path


def make_kadid(root: Path, rows: Sequence[tuple[str, str, float]]) -> Path:
    """``rows``: (dist_img, ref_img, dmos)."""
    lines = ["dist_img,ref_img,dmos,var"]
    for dist, ref, dmos in rows:
        lines.append(f"{dist},{ref},{dmos},0.1")
        write_image(root / "images" / dist)
        write_image(root / "images" / ref)
    (root / "dmos.csv").write_text("\n".join(lines) + "\n")
    return root


def make_pipal(root: Path, refs: dict[str, Sequence[tuple[str, float]]]) -> Path:
    """``refs``: reference stem → [(distorted file name, Elo score)]."""
    (root / "Train_Label").mkdir(parents=True, exist_ok=True)
    for ref, rows in refs.items():
        write_image(root / "Train_Ref" / f"{ref}.bmp")
        for name, _ in rows:
            write_image(root / "Train_Dis" / name)
        (root / "Train_Label" / f"{ref}.txt").write_text(
            "".join(f"{name},{score}\n" for name, score in rows))
    return root


def make_tid2013(root: Path, rows: Sequence[tuple[float, str]],
                 refs: Iterable[str] = ("I01", "I02")) -> Path:
    """``rows``: (MOS, distorted name as listed, e.g. ``i01_01_1.bmp``); references upper-case
    ``.BMP`` as in the archive."""
    for ref in refs:
        write_image(root / "reference_images" / f"{ref}.BMP")
    for _, name in rows:
        write_image(root / "distorted_images" / name)
    (root / "mos_with_names.txt").write_text("".join(f"{m} {n}\n" for m, n in rows))
    return root


def make_livemd(root: Path, parts: dict[str, tuple[list[str], list[str], list[int], list[float]]]
                ) -> Path:
    """``parts``: part folder ("Part 1") → (distimgs, refimgs, ref4dist (1-based), DMOS)."""
    from scipy.io import savemat

    folders = {"Part 1": "blurjpeg", "Part 2": "blurnoise"}
    for part, (dist, refs, ref4dist, dmos) in parts.items():
        part_dir = root / part
        part_dir.mkdir(parents=True, exist_ok=True)
        cell = lambda names: np.array([[n] for n in names], dtype=object)  # noqa: E731
        savemat(part_dir / "Imagelists.mat", {"distimgs": cell(dist), "refimgs": cell(refs),
                                               "ref4dist": np.array(ref4dist, float)[:, None]})
        savemat(part_dir / "Scores.mat", {"DMOSscores": np.array(dmos, float)[None, :]})
        for name in set(dist) | set(refs):
            write_image(part_dir / folders[part] / name)
    return root


def make_csiq(root: Path, rows: Sequence[tuple[str, str, int, float]],
              title_rows: bool = True) -> Path:
    """``rows``: (image, dst_type, dst_lev, dmos) with CSIQ's type names ("noise", "jpeg 2000")."""
    folders = {"noise": ("awgn", "AWGN"), "jpeg": ("jpeg", "JPEG"), "blur": ("blur", "BLUR"),
               "jpeg 2000": ("jpeg2000", "jpeg2000"), "fnoise": ("fnoise", "fnoise"),
               "contrast": ("contrast", "contrast")}
    lines = [",,,CSIQ DMOS", ",,,", ",,,"] if title_rows else []
    lines.append(",,,image,dst_idx,dst_type,dst_lev,dmos_std,dmos")
    for i, (image, dst_type, level, dmos) in enumerate(rows):
        lines.append(f",,,{image},{i},{dst_type},{level},0.05,{dmos}")
        write_image(root / "src_imgs" / f"{image}.png")
        folder, tag = folders[dst_type]
        write_image(root / "dst_imgs" / folder / f"{image}.{tag}.{level}.png")
    (root / "csiq.DMOS.csv").write_text("\n".join(lines) + "\n")
    return root


def make_bapps(root: Path, judges: Sequence[float], subset: str = "traditional") -> Path:
    """One 2AFC subset under ``root/<subset>`` with one triplet per judge value."""
    base = root / subset
    for i, judge in enumerate(judges):
        stem = f"{i:06d}"
        for k, value in (("ref", 10), ("p0", 20), ("p1", 30)):
            write_image(base / k / f"{stem}.png", value + i)
        (base / "judge").mkdir(parents=True, exist_ok=True)
        np.save(base / "judge" / f"{stem}.npy", np.array([judge], dtype=np.float32))
    return root


def make_generic_csv(root: Path, rows: Sequence[Sequence[str]],
                     header: str = "reference,distorted,score,higher_is_better",
                     name: str = "mos.csv") -> Path:
    """A generic CSV and the images its first two columns name; returns the CSV path."""
    root.mkdir(parents=True, exist_ok=True)
    for row in rows:
        for rel in row[:2]:
            write_image(root / rel)
    path = root / name
    path.write_text(header + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


def make_mdid2013(root: Path, references: Sequence[np.ndarray], mat: bool = True,
                  size: int = 48) -> tuple[Path, list[float]]:
    """A miniature MDID2013: ``orgNNN.png`` references, 27 ``imgNNN.png`` per reference in
    reference order, DMOS in ``MDID_dmos.mat`` (or ``.txt``). Image k of a reference carries
    Gaussian noise of strength rising with k, and its DMOS rises with it (lower is better), so
    a sensible judge orders them. Returns the root and the DMOS values."""
    root.mkdir(parents=True, exist_ok=True)
    dmos, n = [], 0
    for r, ref in enumerate(references, start=1):
        ref = np.ascontiguousarray(ref[:size, :size])
        Image.fromarray(ref).save(root / f"org{r:03d}.png")
        rng = np.random.default_rng(r)
        for k in range(27):
            n += 1
            sigma = 2.0 + 3.0 * k
            img = np.clip(ref + rng.normal(0, sigma, ref.shape), 0, 255).astype(np.uint8)
            Image.fromarray(img).save(root / f"img{n:03d}.png")
            dmos.append(round(sigma / 100, 4))
    if mat:
        from scipy.io import savemat

        savemat(root / "MDID_dmos.mat", {"MDID_dmos": np.array(dmos)[:, None]})
    else:
        (root / "MDID_dmos.txt").write_text("\n".join(str(d) for d in dmos) + "\n")
    return root, dmos
