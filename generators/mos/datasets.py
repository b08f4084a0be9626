"""Adapters that read MOS datasets in the layouts their authors publish.

Each adapter takes the dataset's root folder, returns ``MosEntry`` records and documents the
layout it expects. Label rows that cannot be read raise ``MosFormatError`` (file, line, reason);
with ``check_files=True`` (the default) an image a label row names but the disk lacks raises
``FileNotFoundError`` naming the image and the row. File names are matched ignoring case.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import numpy as np

from ._files import (FolderIndex, check_scale, csv_rows, parse_bool, parse_score, require_file,
                     require_label_file)
from .ratings import raw_to_mos
from .types import MosEntry, MosFormatError

KADID_DISTORTIONS = (
    "gaussian_blur", "lens_blur", "motion_blur", "color_diffusion", "color_shift",
    "color_quantization", "color_saturation_hsv", "color_saturation_lab", "jpeg2000", "jpeg",
    "white_noise", "white_noise_color_component", "impulse_noise", "multiplicative_noise",
    "denoise", "brighten", "darken", "mean_shift", "jitter", "non_eccentricity_patch",
    "pixelate", "quantization", "color_block", "high_sharpen", "contrast_change",
)
"""KADID-10k distortion types 01..25, in the dataset's numbering."""

TID2013_DISTORTIONS = (
    "additive_gaussian_noise", "additive_noise_color_components", "spatially_correlated_noise",
    "masked_noise", "high_frequency_noise", "impulse_noise", "quantization_noise",
    "gaussian_blur", "image_denoising", "jpeg", "jpeg2000", "jpeg_transmission_errors",
    "jpeg2000_transmission_errors", "non_eccentricity_pattern_noise",
    "local_block_wise_distortions", "mean_shift", "contrast_change", "color_saturation_change",
    "multiplicative_gaussian_noise", "comfort_noise", "lossy_compression_of_noisy_images",
    "color_quantization_with_dither", "chromatic_aberrations",
    "sparse_sampling_and_reconstruction",
)
"""TID2013 distortion types 01..24 (TID2008 uses the first 17)."""

CSIQ_TYPES = {
    "noise": ("awgn", "AWGN"), "awgn": ("awgn", "AWGN"),
    "jpeg": ("jpeg", "JPEG"),
    "jpeg 2000": ("jpeg2000", "jpeg2000"), "jpeg2000": ("jpeg2000", "jpeg2000"),
    "fnoise": ("fnoise", "fnoise"),
    "blur": ("blur", "BLUR"),
    "contrast": ("contrast", "contrast"),
}
"""CSIQ ``dst_type`` → (folder under ``dst_imgs/``, type tag in the file name)."""


def _type_name(table: tuple[str, ...], code: str) -> Optional[str]:
    try:
        index = int(code)
    except ValueError:
        return None
    return table[index - 1] if 1 <= index <= len(table) else None


SCALES: dict[str, tuple[float, float, str]] = {
    "kadid10k": (1.0, 5.0, "KADID-10k DMOS"),     # mean degradation-category rating
    "pipal": (0.0, 3000.0, "PIPAL Elo"),          # published ratings lie around 850..1900
    "tid2013": (0.0, 9.0, "TID2013 MOS"),         # mean of pairwise-preference points
    "csiq": (0.0, 1.0, "CSIQ DMOS"),
    "livemd": (-5.0, 105.0, "LIVE-MD DMOS"),     # 0..100; realigned scores pass its ends a little
}
"""Documented score scale of each dataset (low, high, name): a score outside is refused."""


# -- KADID-10k ------------------------------------------------------------------------------------

def load_kadid10k(root: Path, *, label_file: str = "dmos.csv", images_dir: str = "images",
                  check_files: bool = True, dataset: str = "kadid10k") -> list[MosEntry]:
    """KADID-10k as published (``kadid10k.zip``)::

        root/dmos.csv            header ``dist_img,ref_img,dmos,var``
        root/images/I01.png      references
        root/images/I01_01_01.png  distorted: reference, type 01..25, level 01..05

    The ``dmos`` column, despite its name, is the mean of degradation-category ratings on a 1..5
    scale where 5 means the degradation is imperceptible: higher is better (values outside
    1..5 are rejected as a sign of a different file).
    Repackagings that split ``images/`` into ``distorted_images/`` and ``reference_images/``
    are found automatically.
    """
    root = Path(root)
    labels = require_label_file(root / label_file, dataset)
    dist_index = FolderIndex(root / images_dir)
    ref_index = dist_index
    if not (root / images_dir).is_dir() and (root / "distorted_images").is_dir():
        dist_index = FolderIndex(root / "distorted_images")
        ref_index = FolderIndex(root / "reference_images")
    entries = []
    for line, row in csv_rows(labels, ("dist_img", "ref_img", "dmos")):
        score = parse_score(row["dmos"], labels, line, what="dmos", scale=SCALES["kadid10k"])
        dist, ref = dist_index.path(row["dist_img"]), ref_index.path(row["ref_img"])
        parts = Path(row["dist_img"]).stem.split("_")
        distortion = _type_name(KADID_DISTORTIONS, parts[1]) if len(parts) >= 3 else None
        if check_files:
            require_file(ref, labels, line)
            require_file(dist, labels, line)
        entries.append(MosEntry(dataset, ref, dist, score, True, distortion))
    return entries


# -- PIPAL ----------------------------------------------------------------------------------------

def load_pipal(root: Path, *, label_dir: str = "Train_Label", ref_dir: str = "Train_Ref",
               dist_dir: str = "Train_Dis", check_files: bool = True,
               dataset: str = "pipal") -> list[MosEntry]:
    """PIPAL training set (NTIRE challenge release)::

        root/Train_Label/A0001.txt   one line per distorted image: ``A0001_00_00.bmp,1434.5``
        root/Train_Ref/A0001.bmp     the reference named by the label file's stem
        root/Train_Dis/A0001_00_00.bmp

    Scores are Elo ratings from paired comparisons: higher is better. The middle field of a
    distorted name is PIPAL's distortion-type code, kept as ``"type_<code>"``. Other splits are
    read by passing their folder names.
    """
    root = Path(root)
    labels_dir = root / label_dir
    if not labels_dir.is_dir():
        raise FileNotFoundError(f"{dataset}: label folder not found: {labels_dir}")
    label_files = sorted(p for p in labels_dir.iterdir() if p.suffix.lower() == ".txt")
    if not label_files:
        raise FileNotFoundError(f"{dataset}: no .txt label files in {labels_dir}")
    refs, dists = FolderIndex(root / ref_dir), FolderIndex(root / dist_dir)
    entries = []
    for labels in label_files:
        ref = refs.find_stem(labels.stem) or refs.folder / f"{labels.stem}.bmp"
        for line, text in enumerate(labels.read_text(encoding="utf-8-sig").splitlines(), 1):
            if not text.strip():
                continue
            fields = [f.strip() for f in text.split(",")]
            if len(fields) != 2 or not fields[0]:
                raise MosFormatError(labels, f"expected 'image,score', got {text.strip()!r}", line)
            name, score = fields[0], parse_score(fields[1], labels, line,
                                                 scale=SCALES["pipal"])
            if not name.lower().startswith(labels.stem.lower() + "_"):
                raise MosFormatError(labels, f"image {name!r} does not belong to reference "
                                             f"{labels.stem!r}", line)
            parts = Path(name).stem.split("_")
            dist = dists.path(name)
            if check_files:
                require_file(ref, labels, line)
                require_file(dist, labels, line)
            entries.append(MosEntry(dataset, ref, dist, score, True,
                                    f"type_{parts[1]}" if len(parts) >= 3 else None))
    return entries


# -- TID2013 --------------------------------------------------------------------------------------

_TID_NAME = re.compile(r"^(i\d+)_(\d+)_(\d+)$", re.I)


def load_tid2013(root: Path, *, label_file: str = "mos_with_names.txt",
                 ref_dir: str = "reference_images", dist_dir: str = "distorted_images",
                 check_files: bool = True, dataset: str = "tid2013") -> list[MosEntry]:
    """TID2013 as published::

        root/mos_with_names.txt      ``5.51429 i01_01_1.bmp`` (MOS, then distorted file name)
        root/reference_images/I01.BMP
        root/distorted_images/i01_01_1.bmp   reference, type 01..24, level 1..5

    MOS is 0..9 from paired comparisons, higher is better. The archive mixes cases
    (``I01.BMP`` beside ``i01_01_1.bmp``, some upper-case distorted names), so names are
    matched ignoring case. TID2008 has the same layout (``dataset="tid2008"``).
    """
    root = Path(root)
    labels = require_label_file(root / label_file, dataset)
    refs, dists = FolderIndex(root / ref_dir), FolderIndex(root / dist_dir)
    entries = []
    for line, text in enumerate(labels.read_text(encoding="utf-8-sig").splitlines(), 1):
        if not text.strip():
            continue
        fields = text.split()
        if len(fields) != 2:
            raise MosFormatError(labels, f"expected 'score image', got {text.strip()!r}", line)
        score = parse_score(fields[0], labels, line, what="MOS", scale=SCALES["tid2013"])
        match = _TID_NAME.match(Path(fields[1]).stem)
        if not match:
            raise MosFormatError(labels, f"image name {fields[1]!r} is not like "
                                         "'i01_01_1.bmp'", line)
        ref_stem = match.group(1)
        ref = refs.find_stem(ref_stem) or refs.folder / f"{ref_stem.upper()}.BMP"
        dist = dists.path(fields[1])
        if check_files:
            require_file(ref, labels, line)
            require_file(dist, labels, line)
        entries.append(MosEntry(dataset, ref, dist, score, True,
                                _type_name(TID2013_DISTORTIONS, match.group(2))))
    return entries


# -- LIVE Multiply Distorted ---------------------------------------------------------------------

LIVEMD_PARTS = (("Part 1", "blurjpeg", "blur+jpeg"), ("Part 2", "blurnoise", "blur+noise"))


def _mat_strings(value, source: Path, name: str) -> list[str]:
    arr = np.asarray(value, dtype=object).ravel()
    out = []
    for i, item in enumerate(arr):
        flat = np.asarray(item).ravel()
        if flat.size != 1 or not isinstance(flat[0], str):
            raise MosFormatError(source, f"{name}: entry is not a string ({item!r})", entry=i + 1)
        out.append(str(flat[0]).strip())
    return out


def _mat_numbers(value, source: Path, name: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise MosFormatError(source, f"{name} is not numeric") from None
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise MosFormatError(source, f"{name} value {arr[bad[0]]} is not finite",
                             entry=int(bad[0]) + 1)
    return arr


def load_livemd(root: Path, *, include_reference_copies: bool = False,
                check_files: bool = True, dataset: str = "livemd") -> list[MosEntry]:
    """LIVE Multiply Distorted (``LIVEmultidistortiondatabase``) as published, MATLAB files::

        root/Part 1/Imagelists.mat   ``distimgs`` (cell of names), ``refimgs`` (cell of names),
                                     ``ref4dist`` (1-based index into refimgs per distimg)
        root/Part 1/Scores.mat       ``DMOSscores`` (one per distimg)
        root/Part 1/blurjpeg/        references and images, blur then JPEG
        root/Part 2/...              same, folder ``blurnoise/``, blur then noise

    ``Part1``/``Part2`` (no space) are accepted. DMOS: lower is better. ``distimgs`` also lists
    each reference itself (DMOS near 0); those rows are skipped unless
    ``include_reference_copies``. Parts that are absent are skipped; none present is an error.
    """
    from scipy.io import loadmat  # scikit-image depends on scipy

    root = Path(root)
    entries: list[MosEntry] = []
    found = False
    for part, folder, distortion in LIVEMD_PARTS:
        part_dir = root / part if (root / part).is_dir() else root / part.replace(" ", "")
        if not part_dir.is_dir():
            continue
        found = True
        lists_path, scores_path = part_dir / "Imagelists.mat", part_dir / "Scores.mat"
        for p in (lists_path, scores_path):
            require_label_file(p, dataset)
        try:
            lists, scores = loadmat(lists_path), loadmat(scores_path)
        except (ValueError, OSError, TypeError) as exc:
            raise MosFormatError(lists_path.parent, f"cannot read MATLAB files: {exc}") from None
        for mat, path, key in ((lists, lists_path, "distimgs"), (lists, lists_path, "refimgs"),
                               (lists, lists_path, "ref4dist"), (scores, scores_path,
                                                                 "DMOSscores")):
            if key not in mat:
                raise MosFormatError(path, f"variable {key!r} missing; has "
                                           f"{sorted(k for k in mat if not k.startswith('__'))}")
        dist_names = _mat_strings(lists["distimgs"], lists_path, "distimgs")
        ref_names = _mat_strings(lists["refimgs"], lists_path, "refimgs")
        ref_of = _mat_numbers(lists["ref4dist"], lists_path, "ref4dist")
        dmos = _mat_numbers(scores["DMOSscores"], scores_path, "DMOSscores")
        if not (len(dist_names) == len(ref_of) == len(dmos)):
            raise MosFormatError(part_dir, f"distimgs ({len(dist_names)}), ref4dist "
                                           f"({len(ref_of)}) and DMOSscores ({len(dmos)}) "
                                           "differ in length")
        images = FolderIndex(part_dir / folder)
        for i, (name, ref_idx, score) in enumerate(zip(dist_names, ref_of, dmos), start=1):
            if ref_idx != int(ref_idx) or not 1 <= int(ref_idx) <= len(ref_names):
                raise MosFormatError(lists_path, f"ref4dist {ref_idx} is not an index into "
                                                 f"refimgs (1..{len(ref_names)})", entry=i)
            ref_name = ref_names[int(ref_idx) - 1]
            if name.lower() == ref_name.lower() and not include_reference_copies:
                continue
            check_scale(float(score), scores_path, entry=i, what="DMOS",
                        scale=SCALES["livemd"])
            ref, dist = images.path(ref_name), images.path(name)
            if check_files:
                require_file(ref, lists_path, entry=i)
                require_file(dist, lists_path, entry=i)
            entries.append(MosEntry(dataset, ref, dist, float(score), False, distortion))
    if not found:
        raise FileNotFoundError(f"{dataset}: neither 'Part 1' nor 'Part 2' found under {root}")
    return entries


# -- CSIQ -----------------------------------------------------------------------------------------

def load_csiq(root: Path, *, label_file: str = "csiq.DMOS.csv", ref_dir: str = "src_imgs",
              dist_dir: str = "dst_imgs", check_files: bool = True,
              dataset: str = "csiq") -> list[MosEntry]:
    """CSIQ with its score sheet exported to CSV::

        root/csiq.DMOS.csv   the ``all_by_image`` sheet of ``csiq.DMOS.xlsx`` saved as CSV/TSV;
                             columns ``image, dst_type, dst_lev, dmos`` (others such as
                             ``dst_idx, dmos_std`` ignored); title rows above the header are
                             skipped
        root/src_imgs/1600.png
        root/dst_imgs/awgn/1600.AWGN.1.png   folder and tag by type: noise→awgn/AWGN,
                             jpeg→jpeg/JPEG, jpeg 2000→jpeg2000/jpeg2000, fnoise, blur→BLUR,
                             contrast; a flat ``dst_imgs/`` (all types in one folder) also works

    The workbook itself is not read (no spreadsheet library is a dependency): export the sheet.
    DMOS is 0..1, lower is better.
    """
    root = Path(root)
    labels = root / label_file
    if not labels.is_file() and (root / "csiq.DMOS.xlsx").is_file():
        raise FileNotFoundError(f"{dataset}: found csiq.DMOS.xlsx but no {label_file}: export "
                                f"its 'all_by_image' sheet to {labels} (CSV)")
    require_label_file(labels, dataset)
    refs = FolderIndex(root / ref_dir)
    flat = FolderIndex(root / dist_dir)
    by_type: dict[str, FolderIndex] = {}
    entries = []
    for line, row in csv_rows(labels, ("image", "dst_type", "dst_lev", "dmos"),
                              header_search=True):
        image = row["image"]
        if re.fullmatch(r"\d+\.0+", image):
            image = image.split(".")[0]  # numeric names exported as floats: 1600.0
        dst_type = row["dst_type"].strip().lower()
        if dst_type not in CSIQ_TYPES:
            raise MosFormatError(labels, f"unknown dst_type {row['dst_type']!r}; known: "
                                         f"{sorted(set(CSIQ_TYPES))}", line)
        level = parse_score(row["dst_lev"], labels, line, what="dst_lev")
        if level != int(level) or level < 1:
            raise MosFormatError(labels, f"dst_lev {row['dst_lev']!r} is not a level >= 1", line)
        score = parse_score(row["dmos"], labels, line, what="dmos", scale=SCALES["csiq"])
        folder, tag = CSIQ_TYPES[dst_type]
        name = f"{image}.{tag}.{int(level)}.png"
        typed = by_type.setdefault(folder, FolderIndex(root / dist_dir / folder))
        dist = typed.find(name) or flat.find(name) or typed.folder / name
        ref = refs.find_stem(image) or refs.folder / f"{image}.png"
        if check_files:
            require_file(ref, labels, line)
            require_file(dist, labels, line)
        entries.append(MosEntry(dataset, ref, dist, score, False, folder))
    return entries


# -- generic CSV ---------------------------------------------------------------------------------

def _csv_path(root: Path, default: str) -> Path:
    root = Path(root)
    return root / default if root.is_dir() else root


def load_generic_csv(root: Path, *, higher_is_better: Optional[bool] = None,
                     label_file: str = "mos.csv", check_files: bool = True,
                     dataset: Optional[str] = None) -> list[MosEntry]:
    """Any dataset as one CSV (``root`` is the file, or a folder holding ``mos.csv``)::

        reference,distorted,score[,higher_is_better][,distortion]
        refs/a.png,dist/a_blur.png,3.7,true,blur

    Paths are relative to the CSV's folder (absolute paths are kept). ``higher_is_better``
    comes from the column where a row fills it, else from the argument; a row with neither is
    an error. ``dataset`` defaults to the CSV's stem.
    """
    labels = require_label_file(_csv_path(root, label_file), dataset or "csv")
    name = dataset or labels.stem
    base = labels.parent
    entries = []
    for line, row in csv_rows(labels, ("reference", "distorted", "score")):
        score = parse_score(row["score"], labels, line)
        flag_text = row.get("higher_is_better", "")
        if flag_text:
            hib = parse_bool(flag_text, labels, line, "higher_is_better")
        elif higher_is_better is not None:
            hib = bool(higher_is_better)
        else:
            raise MosFormatError(labels, "no higher_is_better value: add the column or pass "
                                         "higher_is_better=", line)
        ref, dist = base / row["reference"], base / row["distorted"]
        if check_files:
            require_file(ref, labels, line)
            require_file(dist, labels, line)
        entries.append(MosEntry(name, ref, dist, score, hib, row.get("distortion") or None))
    return entries


def load_raw_ratings_csv(root: Path, *, higher_is_better: bool = True,
                         label_file: str = "ratings.csv", check_files: bool = True,
                         dataset: Optional[str] = None, **mos_options) -> list[MosEntry]:
    """Raw per-subject ratings in long form, turned into MOS with ``raw_to_mos``::

        reference,distorted,subject,rating[,distortion]

    One row per (subject, image) rating; paths relative to the CSV. ``higher_is_better`` gives
    the direction of the rating scale (and of the resulting MOS, 0..100). Each entry keeps the
    spread and the individual rescaled ratings of its kept subjects (``std``, ``ratings``). ``mos_options`` go to
    ``raw_to_mos`` (``screen``, ``screen_on``, ``rescale``). A subject rating the same image
    twice is an error.
    """
    labels = require_label_file(_csv_path(root, label_file), dataset or "raw_csv")
    name = dataset or labels.stem
    base = labels.parent
    images: dict[Path, tuple[Path, Optional[str], int]] = {}
    subjects: dict[str, int] = {}
    cells: dict[tuple[int, Path], float] = {}
    for line, row in csv_rows(labels, ("reference", "distorted", "subject", "rating")):
        rating = parse_score(row["rating"], labels, line, what="rating")
        ref, dist = base / row["reference"], base / row["distorted"]
        if dist in images and images[dist][0] != ref:
            raise MosFormatError(labels, f"image {row['distorted']!r} listed with two "
                                         "different references", line)
        if dist not in images:
            if check_files:
                require_file(ref, labels, line)
                require_file(dist, labels, line)
            images[dist] = (ref, row.get("distortion") or None, line)
        s = subjects.setdefault(row["subject"], len(subjects))
        if (s, dist) in cells:
            raise MosFormatError(labels, f"subject {row['subject']!r} rates "
                                         f"{row['distorted']!r} twice", line)
        cells[(s, dist)] = rating
    order = list(images)
    column = {d: j for j, d in enumerate(order)}
    matrix = np.full((len(subjects), len(order)), np.nan)
    for (s, d), value in cells.items():
        matrix[s, column[d]] = value
    try:
        result = raw_to_mos(matrix, **mos_options)
    except ValueError as exc:
        raise MosFormatError(labels, f"cannot compute MOS: {exc}") from None
    return [MosEntry(name, images[d][0], d, float(result.mos[j]), higher_is_better,
                     images[d][1],
                     None if np.isnan(result.std[j]) else float(result.std[j]),
                     tuple(float(v) for v in result.scaled[:, j] if not np.isnan(v)))
            for j, d in enumerate(order)]
