"""The output folder of a build: guarding it, cleaning after a kill, and finishing it.

``.build.json`` remembers the content config a folder was built with, so resuming a build with a
different config is refused (it would mix two datasets) instead of silently merging them.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Iterable, Optional

from iqa_datagen.config import BuildConfig, ConfigError
from iqa_datagen.pipeline.shard import QUARANTINE_DIR, REJECTS_DIR, ShardReport
from iqa_datagen.storage import (StorageError, clean_incomplete, list_parts, read_manifest,
                                 remove_part, write_manifest)
from iqa_datagen.storage.layout import DATA_DIR, PARTS_DIR, atomic_write_text

STATE_FILE = ".build.json"
BATCH_DISCOUNT = 0.5  # the OpenAI Batch API bills half the live price
MISSING_SHOWN = 20  # missing samples listed in the summary (every one is in its part marker)


class BuildIncomplete(RuntimeError):
    """Some samples could not be written (the LLM failed them); finished parts are kept."""


def _diff(old: dict, new: dict, prefix: str = "") -> list[str]:
    keys = sorted(set(old) | set(new))
    out = []
    for k in keys:
        a, b = old.get(k), new.get(k)
        where = f"{prefix}{k}"
        if isinstance(a, dict) and isinstance(b, dict):
            out += _diff(a, b, where + ".")
        elif a != b:
            out.append(where)
    return out


def expand_out(out: str, now=None) -> str:
    """Fill ``{date}`` (YYYY-MM-DD) and ``{datetime}`` (YYYYMMDDTHHMMSSZ), UTC, into an output
    path, so that each scheduled run writes a folder of its own."""
    from datetime import datetime, timezone

    now = now or datetime.now(timezone.utc)
    if "{" not in out:
        return out
    try:
        return out.format(date=now.strftime("%Y-%m-%d"), datetime=now.strftime("%Y%m%dT%H%M%SZ"))
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(f"--out {out!r}: only {{date}} and {{datetime}} can be filled in "
                          f"({exc})") from None


def read_state(out_dir: Path | str) -> dict:
    """``.build.json``: the content config, the distortion catalogue and the extensions."""
    path = Path(out_dir) / STATE_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def dataset_plugins(out_dir: Path | str, config: BuildConfig) -> list[str]:
    """The build's plugins plus those of every extension made since: what reading the
    folder's records back needs (their categories' GT names)."""
    extra = [p for e in read_state(out_dir).get("extensions", []) for p in e.get("plugins", [])]
    return list(dict.fromkeys(list(config.plugins) + extra))


def write_state(out_dir: Path | str, state: dict) -> None:
    atomic_write_text(Path(out_dir) / STATE_FILE, json.dumps(state, indent=1, sort_keys=True))


def check_output(out_dir: Path | str, config: BuildConfig, catalogue: list[str],
                 overwrite: bool = False) -> dict:
    """Refuse an output folder that ``config`` cannot build into; writes nothing.

    Returns the folder's state to carry on. A folder built with another config, or with another
    distortion catalogue (a plugin installed since), is refused: resuming would mix two
    datasets. A folder holding no finished part (a first build that failed) has nothing to mix
    and accepts any config.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out}: is a file, not a folder")
    state = {} if overwrite else read_state(out)
    if state and not list_parts(out):
        state = {}
    if state:
        content = config.content_dict()
        if state.get("content") != content:
            changed = ", ".join(_diff(state.get("content", {}), content)[:8])
            raise ConfigError(f"{out}: holds a build made with another config (differs in: "
                              f"{changed}); choose another --out, or --overwrite to replace it")
        before = set(state.get("catalogue", catalogue))
        extended = before | {n for e in state.get("extensions", []) for n in e["names"]}
        if set(catalogue) not in (before, extended):
            new = sorted(set(catalogue) - extended)
            gone = sorted(before - set(catalogue))
            raise ConfigError(f"{out}: the distortion catalogue changed since this folder was "
                              f"built (new: {new or 'none'}, missing: {gone or 'none'}); use "
                              f"`iqa-datagen extend` to add distortions, or another --out")
    return state


def prepare_output(out_dir: Path | str, config: BuildConfig, catalogue: list[str],
                   resume: bool = True, overwrite: bool = False) -> Path:
    """Create or reopen ``out_dir`` for ``config`` (refused as ``check_output`` says); removes
    what a killed run left half-written. ``resume`` (default) keeps finished shards;
    ``overwrite`` starts from an empty dataset even when the folder holds another build."""
    out = Path(out_dir)
    state = check_output(out, config, catalogue, overwrite)
    if overwrite or not resume:
        for name in (DATA_DIR, PARTS_DIR, REJECTS_DIR, QUARANTINE_DIR, "stats"):
            shutil.rmtree(out / name, ignore_errors=True)
        state = {}
    out.mkdir(parents=True, exist_ok=True)
    write_state(out, {"content": config.content_dict(),
                      "catalogue": state.get("catalogue", sorted(catalogue)),
                      "extensions": state.get("extensions", []),
                      **({"review_filters": state["review_filters"]}
                         if state.get("review_filters") else {})})
    clean_incomplete(out)
    return out


def remove_stale_parts(out_dir: Path | str, keep: Iterable[str], prefixes: Iterable[str]) -> list[str]:
    """Drop complete parts with one of ``prefixes`` that the current plan no longer has (e.g.
    after the reference folder shrank)."""
    keep, prefixes = set(keep), tuple(prefixes)
    removed = []
    for name in list_parts(out_dir):
        if name.startswith(prefixes) and name not in keep:
            remove_part(out_dir, name)
            for folder in (REJECTS_DIR, QUARANTINE_DIR):
                (Path(out_dir) / folder / f"{name}.jsonl").unlink(missing_ok=True)
            removed.append(name)
    return removed


def summarize(reports: list[ShardReport], config: BuildConfig) -> dict:
    """Totals of a build's shard reports: what the CLI prints and the manifest keeps."""
    # imported when used, as ``finalize``'s card: a build's validation (``check_output``,
    # before the Prefect server starts) needs neither the LLM client library nor the plots
    from iqa_datagen.generators.llm.config import estimate_cost

    records: Counter = Counter()
    writers: Counter = Counter()
    for r in reports:
        records.update(r.records)
        writers.update(r.writers)
    missing = [m for r in reports for m in r.missing]
    prompt = sum(r.prompt_tokens for r in reports)
    completion = sum(r.completion_tokens for r in reports)
    cost = estimate_cost(prompt, completion, config.llm.price_prompt_per_1k,
                         config.llm.price_completion_per_1k)
    if config.llm.batch:
        cost *= BATCH_DISCOUNT
    return {
        "shards": len(reports),
        "shards_resumed": sum(r.resumed for r in reports),
        "references": sum(r.references for r in reports),
        "records": dict(sorted(records.items())),
        "records_total": sum(records.values()),
        "quarantined": [q for r in reports for q in r.quarantined],
        "rejects": sum(r.rejects for r in reports),
        "overruled_verdicts": sum(r.overruled for r in reports),
        "dropped_low_confidence": sum(r.dropped_low_confidence for r in reports),
        "no_reference_disagreed": sum(r.no_reference_disagreed for r in reports),
        "tokens": {"prompt": prompt, "completion": completion},
        "estimated_cost_usd": round(cost, 4),
        "llm_requests": sum(r.llm_requests for r in reports),
        "llm_cache_hits": sum(r.llm_cache_hits for r in reports),
        "instability": _instability(reports, config),
        "llm_failures": sum(r.llm_failures for r in reports),
        "writers": dict(sorted(writers.items())),  # records by writer (generator)
        "failed": len(missing),  # samples no writer could make (a rerun asks again)
        "missing": missing[:MISSING_SHOWN],
    }


def _instability(reports: list[ShardReport], config: BuildConfig) -> Optional[dict]:
    """With llm.samples_per_request > 1: samples whose repeated answers disagreed."""
    checked = sum(r.stability_checked for r in reports)
    if config.llm.samples_per_request < 2:
        return None
    unstable = sum(r.unstable for r in reports)
    return {"samples_per_request": config.llm.samples_per_request, "checked": checked,
            "unstable": unstable, "ratio": round(unstable / checked, 4) if checked else 0.0}


def finalize(out_dir: Path | str, config: BuildConfig, summary: Optional[dict] = None,
             extra: Optional[dict] = None) -> dict:
    """Write ``manifest.json`` (config without secrets, counts, checksums, the build summary —
    kept from the previous manifest when ``summary`` is None — plus ``extra``) and the
    ``README.md`` dataset card with its statistics and plots."""
    from iqa_datagen.storage import write_card  # statistics and plots: loaded when used

    out = Path(out_dir)
    if summary is None:
        try:
            summary = read_manifest(out).get("build", {})
        except StorageError:
            summary = {}
    state = read_state(out)
    manifest_extra = {"build": summary, "rejects_dir": REJECTS_DIR,
                      "quarantine_dir": QUARANTINE_DIR,
                      "catalogue": state.get("catalogue", []),
                      "extensions": state.get("extensions", [])}
    if state.get("review_filters"):  # records dropped after review (iqa_datagen.review.drop)
        manifest_extra["review_filters"] = state["review_filters"]
    manifest_extra.update(extra or {})
    manifest = write_manifest(out, config, manifest_extra)
    write_card(out, title=config.name, seed=config.seed, license=config.output.license)
    return manifest


def read_rejects(out_dir: Path | str) -> list[dict]:
    """Every rejected response of a dataset folder (from all parts)."""
    rows = []
    folder = Path(out_dir) / REJECTS_DIR
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        rows += [json.loads(line) for line in path.read_text().splitlines() if line]
    return rows


__all__ = ["STATE_FILE", "finalize", "prepare_output", "read_rejects", "read_state",
           "remove_stale_parts", "summarize", "write_state"]
