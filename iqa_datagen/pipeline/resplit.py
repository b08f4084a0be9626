"""Re-splitting a built dataset in place: no image is distorted again, no response regenerated.

Each record keeps its images and (detailed) response; what changes is its split, the wording of
brief answers (whose count-stating variants are a training-only device, so they are re-rendered
from the stored ground truth and the sample's key) and hence those records' ids. Without the OOD
option the result equals a fresh build with the new split settings. With it, records that break
the OOD rule (docs/sampling.md: held-out distortions only in test) are dropped, since making replacements
would mean distorting images again; a fresh OOD build makes more samples instead.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Iterable, Iterator, Optional

from iqa_datagen.distortions.categories import OOD_EVAL
from iqa_datagen.distortions.registry import build_registry
from iqa_datagen.generators.records import record_id
from iqa_datagen.config import BuildConfig
from iqa_datagen.pipeline.output import dataset_plugins, read_state, write_state
from iqa_datagen.pipeline.references import assign_splits
from iqa_datagen.pipeline.stored_config import load_build_config, new_split_config
from iqa_datagen.storage import iter_batches, list_parts, rewrite_part
from iqa_datagen.tasks import TASKS, BriefTask

OOD_EVAL_NAMES = frozenset(n for names in OOD_EVAL.values() for n in names)


def group_splits(dataset: Path | str, config: BuildConfig) -> dict[str, str]:
    """New split of every reference group in the dataset, as a fresh build would assign it:
    reference groups together, each MOS dataset's groups on their own."""
    groups: set[str] = set()
    for batch in iter_batches(dataset, columns=["reference_group", "reference_id"]):
        for g, rid in zip(batch.column("reference_group").to_pylist(),
                          batch.column("reference_id").to_pylist()):
            groups.add(g or rid)
    families: dict[str, list[str]] = {}
    for g in groups:
        family = ":".join(g.split(":")[:2]) if g.startswith("mos:") else "references"
        families.setdefault(family, []).append(g)
    forced = any(source.split for source in config.mos)
    out: dict[str, str] = {}
    for family, members in families.items():
        if family.startswith("mos:") and forced:
            continue  # MOS sources pinned to a split keep it
        out.update(assign_splits(sorted(members), config.split_seed, config.split.test_fraction))
    return out


def ood_allows(split: str, names: Iterable[str]) -> bool:
    """docs/sampling.md OOD rule: training samples avoid the held-out distortions; test samples use only
    them (a pristine image fits both)."""
    names = list(names)
    if split == "train":
        return not any(n in OOD_EVAL_NAMES for n in names)
    return all(n in OOD_EVAL_NAMES for n in names)


class Resplitter:
    """The pure row transform applied to every part (rerunning it gives the same rows)."""

    def __init__(self, config: BuildConfig, splits: dict[str, str],
                 plugins: Optional[list[str]] = None):
        self.config = config
        self.splits = splits
        registry = build_registry(config.plugins if plugins is None else plugins)
        self.gt_names = registry.category_names()
        self.counts: Counter = Counter()

    def __call__(self, rows: Iterable[dict]) -> Iterator[dict]:
        for row in rows:
            new = self.row(row)
            if new is None:
                self.counts["dropped_ood"] += 1
                continue
            self.counts["moved" if new["split"] != row["split"] else "kept"] += 1
            yield new

    def row(self, row: dict) -> Optional[dict]:
        group = row.get("reference_group") or row["reference_id"]
        split = self.splits.get(group, row["split"])
        mos = bool(row.get("verdict") and str(row["verdict"]["source"]).startswith("mos:"))
        if self.config.split.ood and not mos:
            names = [d["name"] for d in row["distortions_a"] + row["distortions_b"]]
            if not ood_allows(split, names):
                return None
        row = dict(row, split=split)
        task = TASKS.get(row["task"])
        if isinstance(task, BriefTask) and row.get("sample_key"):
            q, a = task.render(row, split, self.config.seed, row["sample_key"], self.gt_names)
            row.update(question=q, response=a,
                       conversations=[{"from": "human", "value": q}, {"from": "gpt", "value": a}])
            row["id"] = record_id(self.config.seed, row["sample_key"], row["task"],
                                  row["setting"], row["image_a"]["bytes"],
                                  (row.get("image_b") or {}).get("bytes"), q, a)
        return row


def resplit_part(dataset: Path | str, part: str, resplitter: Resplitter) -> dict:
    info = rewrite_part(dataset, part, resplitter,
                        rows_per_file=resplitter.config.output.rows_per_file,
                        row_group_rows=resplitter.config.output.row_group_size)
    return {"part": part, "rows": info.rows, **resplitter.counts}


def begin_resplit(dataset: Path | str, seed: Optional[int] = None,
                  test_fraction: Optional[float] = None,
                  ood: Optional[bool] = None
                  ) -> tuple[BuildConfig, dict[str, str], list[str], list[str]]:
    """The new config, the new split of every group, the parts to rewrite and the plugins their
    records need. Records the new config as the folder's build config first, so that a later
    ``build`` continues consistently."""
    dataset = Path(dataset)
    old = load_build_config(dataset)
    config = new_split_config(old, seed, test_fraction, ood)
    splits = group_splits(dataset, config)
    state = read_state(dataset)
    state["content"] = config.content_dict()
    write_state(dataset, state)
    return config, splits, sorted(list_parts(dataset)), dataset_plugins(dataset, config)
