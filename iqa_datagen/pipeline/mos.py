"""Records from MOS datasets (human judgements) instead of the distortion library: instant-rating
pairs, and quality-scoring records for sources that rate single images.

Pairs and rated images come from the adapters in ``generators.mos``; each MOS reference image is
a split group, assigned once per source over all of its references, so no reference of a MOS
dataset (nor any of its distorted versions) lands in two splits, whichever task uses it. A
source without references (the labeller) makes each image its own group and gives only
no-reference quality-scoring records.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping, Union

from iqa_datagen.distortions.images import ImageError, encode_png, load_image, resize_short_side
from iqa_datagen.generators.mos import MosEntry, MosPair, fit_standards, load_mos, make_pairs
from iqa_datagen.generators.mos.registry import canonical_kind, load_mos_pairs, mos_kind
from iqa_datagen.generators.quality import mos_score
from iqa_datagen.generators.records import image_field, make_record, provenance
from iqa_datagen.config import BuildConfig
from iqa_datagen.pipeline.references import assign_splits
from iqa_datagen.pipeline.samples import BRIEF_GENERATOR_VERSION
from iqa_datagen.pipeline.shard import ShardReport
from iqa_datagen.schemas import SETTINGS, QualityScore, Record, Verdict
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


@dataclass(frozen=True)
class MosScoreItem:
    """One rated MOS image with its score on the build's scale, its split and group."""

    entry: MosEntry
    quality: QualityScore
    split: str
    ref_id: str
    group: str
    key: str


MosWork = Union[MosItem, MosScoreItem]


def collect_mos(config: BuildConfig) -> list[MosWork]:
    """Every MOS pair (and, with ``tasks.quality_scoring``, every rated image) of the config, in a
    stable order, each with its split."""
    items: list[MosWork] = []
    for index, source in enumerate(config.mos):
        root = Path(source.root)
        seed = derive_seed(config.seed, "mos", index)
        kind = canonical_kind(source.kind)
        entries: list[MosEntry] = []
        if not mos_kind(kind).pairs:
            entries = load_mos(kind, root, **source.options)
            pairs = make_pairs(entries, seed, tie_margin=source.tie_margin,
                               max_pairs_per_reference=source.max_pairs_per_reference)
        else:
            pairs = load_mos_pairs(kind, root, seed, tie_margin=source.tie_margin,
                                   max_pairs_per_reference=source.max_pairs_per_reference,
                                   **source.options)
        # Rated images make records only with quality_scoring; the groups (and so the splits)
        # are those of the references that make records, as resplit will see them.
        scored = entries if config.tasks.quality_scoring > 0 else []
        dataset = {p.reference: p.dataset for p in pairs} | {e.reference: e.dataset
                                                             for e in scored}
        references = list(dataset)
        groups = {r: f"mos:{dataset[r]}:{_relative(r, root)}" for r in references}
        splits = ({g: source.split for g in groups.values()} if source.split else
                  assign_splits(sorted(set(groups.values())), config.split_seed,
                                config.split.test_fraction))
        for p in pairs:
            group = groups[p.reference]
            key = ":".join([group, _relative(p.image_a, root), _relative(p.image_b, root)])
            items.append(MosItem(p, splits[group], stable_id("ref", group), group, key))
        if scored:
            items += _score_items(config, source, kind, root, scored, groups, splits)
    return items


def _score_items(config: BuildConfig, source, kind: str, root: Path, entries: list[MosEntry],
                 groups: dict, splits: dict) -> list[MosScoreItem]:
    standards = fit_standards(entries)
    observed = {}
    for e in entries:
        lo, hi = observed.get(e.dataset, (e.score, e.score))
        observed[e.dataset] = (min(lo, e.score), max(hi, e.score))
    items = []
    for e in entries:
        group = groups[e.reference]
        quality = mos_score(e, standards[e.dataset], kind, config.tasks.score_scale,
                            config.tasks.score_cuts, source.protocol, source.raters,
                            observed[e.dataset])
        key = ":".join([group, _relative(e.distorted, root), "score"])
        items.append(MosScoreItem(e, quality, splits[group], stable_id("ref", group), group,
                                  key))
    return items


def mos_records(config: BuildConfig, items: list[MosWork], report: ShardReport,
                gt_names: Mapping[str, str]) -> Iterator[Record]:
    """Full- and no-reference records for each pair or rated image; unreadable images are
    quarantined with the item's files named and the rest goes on."""
    for item in items:
        if isinstance(item, MosScoreItem):
            yield from _score_records(config, item, report, gt_names)
        else:
            yield from _pair_records(config, item, report, gt_names)


def _pair_records(config: BuildConfig, item: MosItem, report: ShardReport,
                  gt_names: Mapping[str, str]) -> Iterator[Record]:
    short = config.references.short_side
    rating = TASKS.get("instant_rating")
    p = item.pair
    try:
        ref, a, b = (resize_short_side(load_image(path), short)
                     for path in (p.reference, p.image_a, p.image_b))
    except (ImageError, OSError) as exc:
        report.quarantined.append({"reference": item.group, "source": str(p.reference),
                                   "pair": [str(p.image_a), str(p.image_b)],
                                   "reason": getattr(exc, "reason", None) or str(exc)})
        return
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


def _score_records(config: BuildConfig, item: MosScoreItem, report: ShardReport,
                   gt_names: Mapping[str, str]) -> Iterator[Record]:
    """Quality-scoring records of one rated image: both settings where the source has a
    reference, the no-reference setting only where it has none (the labeller)."""
    e, short = item.entry, config.references.short_side
    scoring = TASKS.get("quality_scoring")
    try:
        image = resize_short_side(load_image(e.distorted), short)
        ref = resize_short_side(load_image(e.reference), short) if e.has_reference else None
    except (ImageError, OSError) as exc:
        report.quarantined.append({"reference": item.group, "source": str(e.reference),
                                   "image": str(e.distorted),
                                   "reason": getattr(exc, "reason", None) or str(exc)})
        return
    report.references += 1
    a_png = encode_png(image)
    ref_png = encode_png(ref) if ref is not None else None
    direction = "higher" if e.higher_is_better else "lower"
    prov = provenance(source=f"mos:{e.dataset}", generator="template",
                      generator_version=BRIEF_GENERATOR_VERSION, seed=config.seed,
                      reference_name=item.group,
                      notes=f"{item.quality.score_source} score {e.score:g} "
                            f"({direction} is better)")
    name = item.key.replace(":", "-").replace("/", "_")
    settings = SETTINGS if ref_png is not None else ("no_reference",)
    for setting in settings:
        row = {"setting": setting, "quality": item.quality.model_dump()}
        q, ans = scoring.render(row, item.split, config.seed, item.key, gt_names)
        yield make_record(
            seed=config.seed, key=item.key, task=scoring.name, setting=setting,
            split=item.split, response_kind="templated", reference_id=item.ref_id,
            reference_group=item.group,
            image_ref=image_field(ref_png, f"{name}-ref.png") if ref_png else None,
            image_a=image_field(a_png, f"{name}.png"), question=q, response=ans,
            quality=item.quality, provenance=prov)
