"""Instant-rating records from MOS datasets (human judgements) instead of the distortion library.

Pairs come from the adapters in ``generators.mos``; each MOS reference image is a split group,
so no reference of a MOS dataset (nor any of its distorted versions) lands in two splits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

from iqa_datagen.distortions.images import ImageError, encode_png, load_image, resize_short_side
from iqa_datagen.generators.mos import MosPair, load_mos_pairs
from iqa_datagen.generators.records import image_field, make_record, provenance
from iqa_datagen.config import BuildConfig
from iqa_datagen.pipeline.references import assign_splits
from iqa_datagen.pipeline.samples import BRIEF_GENERATOR_VERSION
from iqa_datagen.pipeline.shard import ShardReport
from iqa_datagen.schemas import SETTINGS, Record, Verdict
from iqa_datagen.seeding import derive_seed, stable_id
from iqa_datagen.tasks import TASKS


@dataclass(frozen=True)
class MosItem:
    """One MOS pair with where it lands: its split and its reference's id and group."""

    pair: MosPair
    split: str
    ref_id: str
    group: str
    key: str


def _relative(path: Path, root: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return Path(path).as_posix()


def collect_mos(config: BuildConfig) -> list[MosItem]:
    """Every MOS pair of the config, in a stable order, each with its split."""
    items: list[MosItem] = []
    for index, source in enumerate(config.mos):
        root = Path(source.root)
        pairs = load_mos_pairs(source.kind, root, derive_seed(config.seed, "mos", index),
                               tie_margin=source.tie_margin,
                               max_pairs_per_reference=source.max_pairs_per_reference,
                               **source.options)
        groups = {p.reference: f"mos:{p.dataset}:{_relative(p.reference, root)}" for p in pairs}
        splits = ({g: source.split for g in groups.values()} if source.split else
                  assign_splits(sorted(set(groups.values())), config.split_seed,
                                config.split.test_fraction))
        for p in pairs:
            group = groups[p.reference]
            key = ":".join([group, _relative(p.image_a, root), _relative(p.image_b, root)])
            items.append(MosItem(p, splits[group], stable_id("ref", group), group, key))
    return items


def mos_records(config: BuildConfig, items: list[MosItem], report: ShardReport,
                gt_names: Mapping[str, str]) -> Iterator[Record]:
    """Full- and no-reference instant-rating records for each pair; unreadable images are
    quarantined with the pair's files named and the rest goes on."""
    short = config.references.short_side
    rating = TASKS.get("instant_rating")
    for item in items:
        p = item.pair
        try:
            ref, a, b = (resize_short_side(load_image(path), short)
                         for path in (p.reference, p.image_a, p.image_b))
        except (ImageError, OSError) as exc:
            report.quarantined.append({"reference": item.group, "source": str(p.reference),
                                       "pair": [str(p.image_a), str(p.image_b)],
                                       "reason": getattr(exc, "reason", None) or str(exc)})
            continue
        report.references += 1
        ref_png, a_png, b_png = encode_png(ref), encode_png(a), encode_png(b)
        verdict = Verdict(winner=p.winner, confidence=None, source=f"mos:{p.dataset}")
        direction = "higher" if p.higher_is_better else "lower"
        prov = provenance(source=f"mos:{p.dataset}", generator="template",
                          generator_version=BRIEF_GENERATOR_VERSION, seed=config.seed,
                          reference_name=item.group,
                          notes=f"human scores A={p.score_a:g}, B={p.score_b:g} "
                                f"({direction} is better)")
        name = item.key.replace(":", "-").replace("/", "_")
        for setting in SETTINGS:
            q, ans = rating.render({"setting": setting, "verdict": {"winner": p.winner}},
                                   item.split, config.seed, item.key, gt_names)
            yield make_record(
                seed=config.seed, key=item.key, task=rating.name, setting=setting,
                split=item.split, response_kind="templated", reference_id=item.ref_id,
                reference_group=item.group,
                image_ref=image_field(ref_png, f"{name}-ref.png"),
                image_a=image_field(a_png, f"{name}-A.png"),
                image_b=image_field(b_png, f"{name}-B.png"),
                question=q, response=ans, verdict=verdict, provenance=prov)
