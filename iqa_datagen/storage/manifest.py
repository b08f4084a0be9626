"""``manifest.json``: what a dataset folder holds and how it was made — never any secret.

Holds the build config (secrets stripped), counts per split × task × setting × single/multi,
versions (package, schema, prompts and generators seen, Python, key libraries), the sha256 of
every data file, the caller's extras (generator and token usage) and the creation time.
"""

from __future__ import annotations

import json
import platform
import re
from collections import Counter
from datetime import datetime, timezone
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any, Mapping, Optional

from iqa_datagen import __version__
from iqa_datagen.schemas import SCHEMA_VERSION

from .counts import count_batch, nest_counts, totals
from .layout import (MANIFEST_FORMAT, MANIFEST_NAME, StorageError, atomic_write_text,
                     read_manifest, relative, sha256_file)
from .reader import data_files, iter_batches
from .writer import list_parts

MANIFEST_VERSION = 1
LIBRARIES = ("pyarrow", "numpy", "pydantic", "pillow", "opencv-python-headless", "scikit-image",
             "openai", "prefect", "datasets", "torch")
RESERVED_KEYS = frozenset({"format", "manifest_version", "created", "config", "redacted_keys",
                           "counts", "totals", "versions", "files"})

_SECRET_NAMES = frozenset({"key", "apikey", "token", "password", "passwd", "secret",
                           "authorization", "auth", "credential", "credentials", "cookie",
                           "private_key", "access_key", "secret_key", "bearer"})
_SECRET_SUFFIXES = ("_key", "_token", "_password", "_passwd", "_secret", "_credentials",
                    "apikey")
_SECRET_VALUE = re.compile(r"^(sk-[A-Za-z0-9_\-]{16,}|Bearer\s+\S+)$|://[^/\s:@]+:[^/\s@]+@")


def is_secret_key(name: str) -> bool:
    """Key names that hold secrets: api_key, *_key, token, *_token, password, secret, ...
    (``max_tokens`` or ``prompt_tokens`` are counts, not secrets, and are kept)."""
    n = str(name).lower().replace("-", "_")
    return (n in _SECRET_NAMES or n.endswith(_SECRET_SUFFIXES) or "password" in n
            or "secret" in n)


def redact(value: Any, path: str = "") -> tuple[Any, list[str]]:
    """A JSON-able copy of ``value`` without secret keys or secret-looking strings; also the
    dotted paths of what was removed (names only, never values)."""
    removed: list[str] = []
    if hasattr(value, "model_dump"):  # pydantic models (the build config)
        value = value.model_dump(mode="json")
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if is_secret_key(key):
                removed.append(where)
                continue
            clean, sub = redact(item, where)
            if clean is _REMOVED:
                removed.append(where)
                continue
            out[str(key)] = clean
            removed += sub
        return out, removed
    if isinstance(value, (list, tuple)):
        out_list = []
        for i, item in enumerate(value):
            clean, sub = redact(item, f"{path}[{i}]")
            removed += sub
            if clean is not _REMOVED:
                out_list.append(clean)
        return out_list, removed
    if isinstance(value, str) and _SECRET_VALUE.search(value):
        return _REMOVED, removed
    if isinstance(value, (Path,)):
        return str(value), removed
    if value is None or isinstance(value, (bool, int, float, str)):
        return value, removed
    return str(value), removed


_REMOVED = object()


def library_versions() -> dict[str, str]:
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            continue
    return out


def file_checksums(dataset_dir: Path | str, files: list[Path]) -> list[dict]:
    """sha256, size and rows of every data file. A part marker's hash is reused when the file
    size still matches (hashing a full-scale dataset twice is slow); verify_manifest re-hashes."""
    import pyarrow.parquet as pq

    known = {f.path: f for part in list_parts(dataset_dir).values() for f in part.files}
    out = []
    for path in files:
        rel = relative(dataset_dir, path)
        size = path.stat().st_size
        hit = known.get(rel)
        digest = hit.sha256 if hit is not None and hit.bytes == size else sha256_file(path)
        out.append({"path": rel, "split": path.parent.name, "bytes": size,
                    "rows": pq.ParquetFile(path).metadata.num_rows, "sha256": digest})
    return out


def _scan(dataset_dir: Path) -> dict:
    counts: Counter = Counter()
    generators: dict[str, Counter] = {}
    prompt_versions: set = set()
    for batch in iter_batches(dataset_dir, ["split", "task", "setting", "multi_distortion",
                                            "provenance"], batch_size=4096):
        counts.update(count_batch(batch))
        for prov in batch.column("provenance").to_pylist():
            generators.setdefault(prov["generator"], Counter())[prov["generator_version"]] += 1
            if prov.get("prompt_version"):
                prompt_versions.add(prov["prompt_version"])
    return {"counts": counts,
            "generators": {g: dict(sorted(v.items())) for g, v in sorted(generators.items())},
            "prompt_versions": sorted(prompt_versions)}


def build_manifest(dataset_dir: Path | str, config: Any,
                   extra: Optional[Mapping] = None) -> dict:
    """The manifest as a dict (see module doc); nothing is written."""
    dataset_dir = Path(dataset_dir)
    files = data_files(dataset_dir)
    scan = _scan(dataset_dir)
    clean_config, removed = redact(config if config is not None else {}, "config")
    manifest = {
        "format": MANIFEST_FORMAT,
        "manifest_version": MANIFEST_VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": clean_config,
        "counts": nest_counts(scan["counts"]),
        "totals": totals(scan["counts"]),
        "versions": {
            "package": __version__,
            "schema": SCHEMA_VERSION,
            "prompt_versions": scan["prompt_versions"],
            "generators": scan["generators"],
            "python": platform.python_version(),
            "libraries": library_versions(),
        },
        "files": file_checksums(dataset_dir, files),
    }
    for key, value in (extra or {}).items():
        if key in RESERVED_KEYS:
            raise StorageError(f"manifest extra key {key!r} is reserved; reserved keys are "
                               f"{sorted(RESERVED_KEYS)}")
        clean, sub = redact(value, str(key))
        removed += sub
        if clean is not _REMOVED and not is_secret_key(key):
            manifest[str(key)] = clean
        else:
            removed.append(str(key))
    manifest["redacted_keys"] = sorted(removed)
    return manifest


def write_manifest(dataset_dir: Path | str, config: Any,
                   extra: Optional[Mapping] = None) -> dict:
    """Compute the manifest and write ``manifest.json`` atomically; returns it."""
    manifest = build_manifest(dataset_dir, config, extra)
    atomic_write_text(Path(dataset_dir) / MANIFEST_NAME,
                      json.dumps(manifest, indent=1, sort_keys=False, ensure_ascii=False) + "\n")
    return manifest


def verify_manifest(dataset_dir: Path | str) -> list[str]:
    """Problems found comparing the data files with the manifest's checksums ([] when intact)."""
    dataset_dir = Path(dataset_dir)
    manifest = read_manifest(dataset_dir)
    problems = []
    listed = {f["path"]: f for f in manifest["files"]}
    present = {relative(dataset_dir, p): p for p in data_files(dataset_dir, check=False)}
    for rel in sorted(set(listed) - set(present)):
        problems.append(f"{rel}: listed in the manifest but missing")
    for rel in sorted(set(present) - set(listed)):
        problems.append(f"{rel}: present but not in the manifest")
    for rel in sorted(set(listed) & set(present)):
        if sha256_file(present[rel]) != listed[rel]["sha256"]:
            problems.append(f"{rel}: sha256 differs from the manifest")
    return problems
