"""Dataset statistics for the card and ``iqa-datagen stats``, computed by streaming the Parquet.

Two passes, both with bounded memory: one over the text columns (counts, response lengths,
distortion labels, references, generators) and one that decodes a seeded sample of at most
``image_cap`` distorted images A (only the row groups holding sampled rows are read) to measure
the docs/tasks.md image statistics.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Optional

import numpy as np
import pyarrow.parquet as pq

from iqa_datagen.generators import image_stats
from iqa_datagen.generators.consistency import contradictions
from iqa_datagen.generators.vocabulary import GRADE_SCALES, grade_scale
from iqa_datagen.seeding import rng_for

from .context_summary import ContextTally
from .counts import count_batch, nest_counts, totals
from .quality_stats import QualityTally
from .reader import data_files, iter_batches

DEFAULT_IMAGE_CAP = 2000
MAX_HIST_WORDS = 400  # response-length histograms clip here
PERCENTILES = (5, 25, 50, 75, 95)
_TEXT_COLUMNS = ["id", "split", "task", "setting", "multi_distortion", "response_kind",
                 "question", "response", "stage", "distortions_a", "distortions_b",
                 "reference_id", "provenance", "context", "quality", "verdict"]


def word_count(text: str) -> int:
    """Words as whitespace-separated tokens (how the documented mean lengths are meant)."""
    return len(text.split())


MAX_EXAMPLES = 5
_QUOTED = re.compile(r'"(.*)"', re.S)  # the description an inference question quotes


class _Consistency:
    """Detailed reasoning records checked for conclusions that contradict their description."""

    def __init__(self) -> None:
        self.checked: Counter = Counter()
        self.contradicting: Counter = Counter()
        self.examples: list[dict] = []

    def add(self, record_id: str, task: str, stage: Optional[str], question: str,
            response: str) -> None:
        """One-stage records are checked on their response; an inference record on the
        description its question quotes followed by its conclusion; perception records give
        no conclusion to check."""
        if stage == "perception":
            return
        if stage == "inference":
            quoted = _QUOTED.search(question)
            response = f"{quoted.group(1) if quoted else ''} {response}"
            task_key = f"{task}:inference"
        else:
            task_key = task
        reasons = contradictions(task, response)
        if reasons is None:
            return
        self.checked[task_key] += 1
        if reasons:
            self.contradicting[task_key] += 1
            if len(self.examples) < MAX_EXAMPLES:
                self.examples.append({"id": record_id, "task": task_key, "reason": reasons[0]})

    def summary(self) -> dict:
        checked, bad = sum(self.checked.values()), sum(self.contradicting.values())
        return {"checked": checked, "contradicting": bad,
                "share": round(bad / checked, 4) if checked else 0.0,
                "by_task": {t: {"checked": n, "contradicting": self.contradicting[t]}
                            for t, n in sorted(self.checked.items())},
                "examples": self.examples}


class _Lengths:
    """Running count / sum / sum of squares and a clipped histogram of response lengths."""

    def __init__(self) -> None:
        self.n = 0
        self.total = 0.0
        self.total_sq = 0.0
        self.hist = np.zeros(MAX_HIST_WORDS + 1, dtype=np.int64)

    def add(self, words: int) -> None:
        self.n += 1
        self.total += words
        self.total_sq += words * words
        self.hist[min(words, MAX_HIST_WORDS)] += 1

    def summary(self) -> dict:
        mean = self.total / self.n if self.n else 0.0
        var = max(self.total_sq / self.n - mean * mean, 0.0) if self.n else 0.0
        cum = np.cumsum(self.hist)
        median = int(np.searchsorted(cum, (self.n + 1) / 2)) if self.n else 0
        return {"rows": self.n, "mean": round(mean, 2), "std": round(var ** 0.5, 2),
                "median": median}


def _text_pass(dataset_dir: Path) -> tuple[dict, dict]:
    counts: Counter = Counter()
    lengths: dict[tuple[str, str, str], _Lengths] = defaultdict(_Lengths)
    categories: Counter = Counter()
    levels: Counter = Counter()  # (scale, category, level)
    names: Counter = Counter()
    pristine: Counter = Counter()
    references: dict[str, set] = defaultdict(set)
    generators: Counter = Counter()
    verdicts: Counter = Counter()
    prompt_versions: set = set()
    contexts = ContextTally()
    consistency = _Consistency()
    stages: Counter = Counter()
    quality = QualityTally()
    for batch in iter_batches(dataset_dir, _TEXT_COLUMNS, batch_size=1024):
        counts.update(count_batch(batch))
        cols = {name: batch.column(name).to_pylist() for name in _TEXT_COLUMNS}
        for i in range(batch.num_rows):
            task, kind, stage = cols["task"][i], cols["response_kind"][i], cols["stage"][i]
            multi = "multi" if cols["multi_distortion"][i] else "single"
            words = word_count(cols["response"][i])
            if kind == "detailed":
                consistency.add(cols["id"][i], task, stage, cols["question"][i],
                                cols["response"][i])
            if stage:  # two-stage records: their own length rows ("<task>:<stage>")
                stages[(task, stage)] += 1
                task = f"{task}:{stage}"
            lengths[(task, kind, multi)].add(words)
            lengths[(task, kind, "all")].add(words)
            references[cols["split"][i]].add(cols["reference_id"][i])
            contexts.add(cols["context"][i])
            prov = cols["provenance"][i]
            generators[prov["generator"]] += 1
            if cols["verdict"][i]:
                verdicts[(task, cols["setting"][i], cols["verdict"][i]["source"])] += 1
            if prov.get("prompt_version"):
                prompt_versions.add(prov["prompt_version"])
            for side in ("distortions_a", "distortions_b"):
                labels = cols[side][i] or []
                scale = grade_scale(len(labels))
                for label in labels:
                    categories[label["category"]] += 1
                    levels[(scale, label["category"], int(label["level"]))] += 1
                    names[label["name"]] += 1
            if not cols["distortions_a"][i]:
                pristine["image_a"] += 1
            quality.add(cols["quality"][i])
    stats = {
        "counts": nest_counts(counts),
        "totals": totals(counts),
        "references": {split: len(ids) for split, ids in sorted(references.items())},
        "response_words": [
            {"task": task, "response_kind": kind, "distortion": multi,
             **lengths[(task, kind, multi)].summary()}
            for task, kind, multi in sorted(lengths)],
        "distortions": {
            "counted_over": "labels of image A and image B in every record",
            "per_category": dict(sorted(categories.items())),
            "grade_scales": {scale: list(words) for scale, words in GRADE_SCALES.items()},
            "per_scale_category_level": {
                scale: {cat: {str(lv): n for (sc, c, lv), n in sorted(levels.items())
                              if sc == scale and c == cat}
                        for cat in sorted({c for sc, c, _ in levels if sc == scale})}
                for scale in GRADE_SCALES},
            "per_name": dict(sorted(names.items())),
            "records_with_pristine_image_a": pristine["image_a"],
        },
        "generators": dict(sorted(generators.items())),
        "verdict_sources": [{"task": t, "setting": st, "source": src, "records": n}
                            for (t, st, src), n in sorted(verdicts.items())],
        "prompt_versions": sorted(prompt_versions),
        "context": contexts.summary(),
        "consistency": consistency.summary(),
        "two_stage": {f"{task}:{stage}": n for (task, stage), n in sorted(stages.items())},
        "quality_scores": quality.summary(),
    }
    hists = {key: lengths[key].hist for key in lengths if key[2] == "all"}
    return stats, {"response_word_hists": hists, "quality_hists": quality.hists()}


def decode_png(data: bytes) -> np.ndarray:
    """PNG (or any Pillow-readable) bytes → RGB uint8 array."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"))


def _sample_plan(files: list[Path], cap: int, seed: int) -> dict[Path, dict[int, list[int]]]:
    """Seeded uniform sample of row positions → {file: {row_group: [offsets]}}."""
    layout = []  # (file, row_group, rows)
    for path in files:
        meta = pq.ParquetFile(path).metadata
        layout += [(path, rg, meta.row_group(rg).num_rows) for rg in range(meta.num_row_groups)]
    total = sum(rows for *_, rows in layout)
    if total == 0 or cap <= 0:
        return {}
    rng = rng_for(seed, "dataset-card", "image-sample")
    chosen = np.sort(rng.choice(total, size=min(cap, total), replace=False))
    plan: dict[Path, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    start, j = 0, 0
    for path, rg, rows in layout:
        while j < len(chosen) and chosen[j] < start + rows:
            plan[path][rg].append(int(chosen[j] - start))
            j += 1
        start += rows
    return plan


def _image_pass(files: list[Path], cap: int, seed: int) -> tuple[dict, dict]:
    values: dict[str, list[float]] = {name: [] for name in image_stats.CARD_STATS}
    seen: set[bytes] = set()
    sampled_rows = 0
    for path, groups in _sample_plan(files, cap, seed).items():
        pf = pq.ParquetFile(path)
        for rg, offsets in sorted(groups.items()):
            column = pf.read_row_group(rg, columns=["image_a"]).column("image_a")
            for offset in offsets:
                image = column[offset].as_py()
                if image is None:  # a text-only inference record
                    continue
                sampled_rows += 1
                data = image["bytes"]
                digest = hashlib.blake2b(data, digest_size=16).digest()
                if digest in seen:
                    continue
                seen.add(digest)
                image = decode_png(data)
                for name in image_stats.CARD_STATS:
                    values[name].append(getattr(image_stats, name)(image))
            del column
    summary = {name: _summarise(vals) for name, vals in values.items()}
    info = {"image": "A (distorted)", "cap": cap, "seed": seed, "rows_sampled": sampled_rows,
            "distinct_images": len(seen), "stats": summary}
    return info, {"image_values": {k: np.asarray(v) for k, v in values.items()}}


def _summarise(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    x = np.asarray(values, dtype=np.float64)
    out = {"n": int(x.size), "mean": float(x.mean()), "std": float(x.std()),
           "min": float(x.min()), "max": float(x.max())}
    for p, v in zip(PERCENTILES, np.percentile(x, PERCENTILES)):
        out[f"p{p}"] = float(v)
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in out.items()}


def collect_stats(dataset_dir: Path | str, *, image_cap: int = DEFAULT_IMAGE_CAP,
                  seed: int = 0) -> tuple[dict, dict]:
    """(JSON-able statistics, raw arrays for plots)."""
    dataset_dir = Path(dataset_dir)
    files = data_files(dataset_dir)
    stats, raw = _text_pass(dataset_dir)
    image_info, image_raw = _image_pass(files, image_cap, seed)
    stats["images"] = image_info
    stats["files"] = len(files)
    stats["bytes"] = sum(p.stat().st_size for p in files)
    raw.update(image_raw)
    return stats, raw


def dataset_stats(dataset_dir: Path | str, *, image_cap: int = DEFAULT_IMAGE_CAP,
                  seed: int = 0) -> dict:
    """Counts, response lengths, distortion distribution and image statistics (JSON-able)."""
    return collect_stats(dataset_dir, image_cap=image_cap, seed=seed)[0]
