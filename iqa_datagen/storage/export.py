"""Exports for training code: LLaVA and DepictQA JSON, images as content-addressed PNG files.

Every format streams the dataset: JSON arrays are written item by item to temporary files that
are renamed into place at the end, and each distinct image is written once as
``images/<sha256>.png``. Image paths inside the JSON are relative to the export folder.

Formats are an open registry, ``EXPORT_FORMATS``: an ``ExportFormat`` says which JSON file a
record goes to and what its item is; a plugin adds one with ``EXPORT_FORMATS.register`` or an
entry point in the group ``iqa_datagen.export_formats``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

from iqa_datagen.files import StagedFile, atomic_write_bytes, atomic_write_text
from iqa_datagen.registries import NamedRegistry
from iqa_datagen.tasks import TASKS

from .layout import StorageError, check_split
from .reader import data_files, read_records

IMAGE_TOKEN = "<image>"
_IMAGE_TOKEN_RE = re.compile(r"\s*<image>\s*")


class _JsonArrayFile:
    """A JSON list written one item at a time under a temporary name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._staged = StagedFile(path, "w")
        self._f = self._staged.file
        self._f.write("[")
        self.items = 0

    def append(self, item: dict) -> None:
        self._f.write(",\n" if self.items else "\n")
        self._f.write(json.dumps(item, ensure_ascii=False))
        self.items += 1

    def commit(self) -> None:
        self._f.write("\n]\n")
        self._staged.commit(durable=False)

    def abort(self) -> None:
        self._staged.abort()


class ImageStore:
    """Writes each distinct PNG once as ``images/<sha256>.png``; returns its relative path."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.folder = out_dir / "images"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.known: set[str] = {p.stem for p in self.folder.glob("*.png")}
        self.written = 0

    def path_for(self, image: Optional[dict]) -> Optional[str]:
        if not image:
            return None
        data = image["bytes"]
        digest = hashlib.sha256(data).hexdigest()
        if digest not in self.known:
            atomic_write_bytes(self.folder / f"{digest}.png", data, durable=False)
            self.known.add(digest)
            self.written += 1
        return f"images/{digest}.png"


def _strip_tokens(text: str) -> str:
    return _IMAGE_TOKEN_RE.sub(" ", text).strip() if IMAGE_TOKEN in text else text


def _turns(row: dict, n_images: int) -> list[dict]:
    """Conversation turns; ``n_images`` image tokens open the first human turn (0: none)."""
    turns = []
    for i, turn in enumerate(row["conversations"]):
        value = _strip_tokens(turn["value"])
        if i == 0 and n_images:
            value = "\n".join([IMAGE_TOKEN] * n_images + [value])
        turns.append({"from": turn["from"], "value": value})
    return turns


def _chain(row: dict) -> dict:
    """Stage and chain of a two-stage record (each stage is its own conversation)."""
    if not row.get("stage"):
        return {}
    return {"stage": row["stage"], "chain_id": row["chain_id"],
            **({"source_id": row["source_record_id"]} if row["stage"] == "inference" else {})}


def llava_item(row: dict, images: ImageStore) -> dict:
    """LLaVA item: image paths reference first, then A, then B; one <image> token each. A
    text-only inference record has no ``image`` field."""
    paths = [p for p in (images.path_for(row["image_ref"]), images.path_for(row["image_a"]),
                         images.path_for(row["image_b"])) if p]
    item = {"id": row["id"]}
    if paths:
        item["image"] = paths[0] if len(paths) == 1 else paths
    return {**item, "conversations": _turns(row, len(paths)), **_chain(row)}


def depictqa_task_type(row: dict) -> str:
    """quality_single_A / quality_compare, with ``_noref`` in the no-reference setting;
    ``quality_single_text`` / ``quality_compare_text`` for text-only inference records."""
    paired = row["image_b"] is not None or getattr(TASKS.find(row["task"]), "paired", False)
    base = "quality_compare" if paired else "quality_single_A"
    if row.get("stage") == "inference":
        return base.removesuffix("_A") + "_text"
    return base if row["setting"] == "full_reference" else f"{base}_noref"


def depictqa_item(row: dict, images: ImageStore) -> dict:
    """DepictQA item; a text-only inference record carries no image field at all."""
    item = {"id": row["id"]}
    if row.get("stage") != "inference":
        item.update(image_ref=images.path_for(row["image_ref"]),
                    image_A=images.path_for(row["image_a"]),
                    image_B=images.path_for(row["image_b"]))
    return {**item, "task_type": depictqa_task_type(row), "conversations": _turns(row, 0),
            **_chain(row)}


@dataclass(frozen=True)
class ExportFormat:
    """One export format: the JSON file (relative to the export folder) a record goes to, and
    its item there (``images.path_for(image)`` writes an image once and gives its path)."""

    file: Callable[[dict], str]
    item: Callable[[dict, ImageStore], dict]


EXPORT_FORMATS: NamedRegistry[ExportFormat] = NamedRegistry("export format",
                                                            "iqa_datagen.export_formats")
EXPORT_FORMATS.register("llava", ExportFormat(lambda row: f"llava_{row['split']}.json",
                                              llava_item))
EXPORT_FORMATS.register("depictqa", ExportFormat(
    lambda row: f"{row['split']}/{row['task']}_{row['setting']}"
                f"{'_' + row['stage'] if row.get('stage') else ''}.json", depictqa_item))


def export_dataset(dataset_dir: Path | str, fmt: str, out_dir: Path | str, *,
                   splits: Optional[Sequence[str]] = None) -> dict:
    """Write ``fmt`` JSON files and ``images/`` under ``out_dir``; returns a summary.

    LLaVA: ``llava_{split}.json``. DepictQA: ``{split}/{task}_{setting}.json`` (two-stage records
    in ``{task}_{setting}_{stage}.json``). Nothing is
    renamed into place until every record was exported (a failed export leaves old files).
    """
    export = EXPORT_FORMATS.find(fmt)
    if export is None:
        raise StorageError(f"export format {fmt!r}: choose one of {EXPORT_FORMATS.names()}")
    dataset_dir, out_dir = Path(dataset_dir), Path(out_dir)
    if splits is not None:
        splits = [check_split(s) for s in splits]
    if not data_files(dataset_dir, splits):
        raise StorageError(f"{dataset_dir}: no record files to export"
                           + (f" for splits {list(splits)}" if splits else ""))
    if out_dir.exists() and not out_dir.is_dir():
        raise StorageError(f"{out_dir}: the export folder exists and is not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):  # a file where a parent folder should be
        raise StorageError(f"{out_dir}: cannot make the export folder (a file is in its "
                           f"path)") from None
    images = ImageStore(out_dir)
    outputs: dict[str, _JsonArrayFile] = {}
    try:
        for row in read_records(dataset_dir, splits=splits, batch_size=64):
            name = export.file(row)
            if name not in outputs:
                outputs[name] = _JsonArrayFile(out_dir / name)
            outputs[name].append(export.item(row, images))
    except BaseException:
        for out in outputs.values():
            out.abort()
        raise
    for out in outputs.values():
        out.commit()
    files = {out.path.relative_to(out_dir).as_posix(): out.items
             for out in sorted(outputs.values(), key=lambda o: o.path)}
    summary = {"format": fmt, "out_dir": str(out_dir), "files": files,
               "records": sum(files.values()), "images": len(images.known),
               "images_written": images.written}
    atomic_write_text(out_dir / f"export_{fmt}.json", json.dumps(summary, indent=1) + "\n",
                      durable=False)
    return summary

