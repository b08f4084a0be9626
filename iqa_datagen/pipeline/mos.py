"""Records from MOS datasets (human judgements) instead of the distortion library: instant-rating
pairs, and quality-scoring records for sources that rate single images.

Pairs and rated images come from the adapters in ``generators.mos``; each MOS reference image is
a split group, assigned once per source over all of its references, so no reference of a MOS
dataset (nor any of its distorted versions) lands in two splits, whichever task uses it. A
source without references (the labeller) makes each image its own group and gives only
no-reference quality-scoring records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping, Optional, Union

from iqa_datagen.distortions.images import (ImageError, encode_png, load_image, load_with_info,
                                            resize_short_side)
from iqa_datagen.generators.mos import MosEntry, MosPair, fit_standards, load_mos, make_pairs
from iqa_datagen.generators.mos.protocols import rating_protocol
from iqa_datagen.generators.mos.registry import canonical_kind, load_mos_pairs, mos_kind
from iqa_datagen.generators.quality import mos_score
from iqa_datagen.generators.records import image_field, make_record, provenance
from iqa_datagen.config import BuildConfig
from iqa_datagen.pipeline.context import make_context
from iqa_datagen.pipeline.references import assign_splits
from iqa_datagen.pipeline.samples import BRIEF_GENERATOR_VERSION
from iqa_datagen.pipeline.shard import ShardReport
from iqa_datagen.schemas import SETTINGS, QualityScore, RatingProtocol, Record, Verdict
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
    paths: tuple[str, ...] = ()  # reference, A and B relative to the source's root
    rating: Optional[RatingProtocol] = field(default=None, compare=False)


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
    paths: tuple[str, ...] = ()  # reference and rated image relative to the source's root
    rating: Optional[RatingProtocol] = field(default=None, compare=False)


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
            paths = tuple(_relative(f, root) for f in (p.reference, p.image_a, p.image_b))
            key = ":".join([group, *paths[1:]])
            items.append(MosItem(p, splits[group], stable_id("ref", group), group, key, paths,
                                 _rating(source, kind, p.higher_is_better)))
        if scored:
            items += _score_items(config, source, kind, root, scored, groups, splits)
    return items


def _rating(source, kind: str, higher_is_better: bool) -> RatingProtocol:
    """How the source's judgements were collected (records' context.rating)."""
    return rating_protocol(kind, higher_is_better, protocol=source.rating_protocol,
                           raters=source.raters, scale=source.scale)


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
        paths = (_relative(e.reference, root), _relative(e.distorted, root))
        key = ":".join([group, paths[1], "score"])
        items.append(MosScoreItem(e, quality, splits[group], stable_id("ref", group), group,
                                  key, paths, _rating(source, kind, e.higher_is_better)))
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


def _context(config: BuildConfig, dataset: str, paths: tuple[str, ...], info, used, rating):
    """The context of a MOS item's records; a file outside the source's root (absolute in a
    CSV) is named by its file name only."""
    named = [Path(q).name if Path(q).is_absolute() else q for q in paths]
    return make_context(source=f"mos:{dataset}", path=named[0], info=info, used=used,
                        config=config, rating=rating, distorted_paths=named[1:])


def _quarantine(report: ShardReport, item: MosWork, source: Path, exc: Exception,
                **files) -> None:
    """Note an item whose images cannot be read, with its files named; the build goes on."""
    report.quarantined.append({"reference": item.group, "source": str(source), **files,
                               "reason": getattr(exc, "reason", None) or str(exc)})


def _provenance(config: BuildConfig, item: MosWork, dataset: str, higher_is_better: bool,
                scores: str):
    direction = "higher" if higher_is_better else "lower"
    return provenance(source=f"mos:{dataset}", generator="template",
                      generator_version=BRIEF_GENERATOR_VERSION, seed=config.seed,
                      reference_name=item.group, notes=f"{scores} ({direction} is better)")


def _record(config: BuildConfig, item: MosWork, task: str, setting: str, question: str,
            answer: str, context, **fields) -> Record:
    """One templated record of a MOS item, with the item's context."""
    return make_record(
        seed=config.seed, key=item.key, task=task, setting=setting, split=item.split,
        response_kind="templated", reference_id=item.ref_id, reference_group=item.group,
        question=question, response=answer, **fields
    ).model_copy(update={"context": context})


def _file_stem(item: MosWork) -> str:
    """The item's key as a file name (the images' ``path`` in its records)."""
    return item.key.replace(":", "-").replace("/", "_")


def _pair_records(config: BuildConfig, item: MosItem, report: ShardReport,
                  gt_names: Mapping[str, str]) -> Iterator[Record]:
    short = config.references.short_side
    rating = TASKS.get("instant_rating")
    p = item.pair
    try:
        ref_full, info = load_with_info(p.reference)
        ref = resize_short_side(ref_full, short)
        a, b = (resize_short_side(load_image(path), short) for path in (p.image_a, p.image_b))
    except (ImageError, OSError) as exc:
        _quarantine(report, item, p.reference, exc, pair=[str(p.image_a), str(p.image_b)])
        return
    report.references += 1
    ref_png, a_png, b_png = encode_png(ref), encode_png(a), encode_png(b)
    verdict = Verdict(winner=p.winner, confidence=None, source=f"mos:{p.dataset}")
    prov = _provenance(config, item, p.dataset, p.higher_is_better,
                       f"human scores A={p.score_a:g}, B={p.score_b:g}")
    name = _file_stem(item)
    context = _context(config, p.dataset, item.paths, info, ref, item.rating)
    for setting in SETTINGS:
        q, ans = rating.render({"setting": setting, "verdict": {"winner": p.winner}},
                               item.split, config.seed, item.key, gt_names)
        yield _record(config, item, rating.name, setting, q, ans, context,
                      image_ref=image_field(ref_png, f"{name}-ref.png"),
                      image_a=image_field(a_png, f"{name}-A.png"),
                      image_b=image_field(b_png, f"{name}-B.png"),
                      verdict=verdict, provenance=prov)


def _score_records(config: BuildConfig, item: MosScoreItem, report: ShardReport,
                   gt_names: Mapping[str, str]) -> Iterator[Record]:
    """Quality-scoring records of one rated image: both settings where the source has a
    reference, the no-reference setting only where it has none (the labeller)."""
    e, short = item.entry, config.references.short_side
    scoring = TASKS.get("quality_scoring")
    try:
        image = resize_short_side(load_image(e.distorted), short)
        # The reference (the image itself where the source has none) as read: its context.
        ref_full, info = load_with_info(e.reference)
        ref = resize_short_side(ref_full, short) if e.has_reference else None
    except (ImageError, OSError) as exc:
        _quarantine(report, item, e.reference, exc, image=str(e.distorted))
        return
    report.references += 1
    a_png = encode_png(image)
    ref_png = encode_png(ref) if ref is not None else None
    prov = _provenance(config, item, e.dataset, e.higher_is_better,
                       f"{item.quality.score_source} score {e.score:g}")
    name = _file_stem(item)
    settings = SETTINGS if ref_png is not None else ("no_reference",)
    context = _context(config, e.dataset, item.paths, info,
                       ref if ref is not None else image, item.rating)
    for setting in settings:
        row = {"setting": setting, "quality": item.quality.model_dump()}
        q, ans = scoring.render(row, item.split, config.seed, item.key, gt_names)
        yield _record(config, item, scoring.name, setting, q, ans, context,
                      image_ref=image_field(ref_png, f"{name}-ref.png") if ref_png else None,
                      image_a=image_field(a_png, f"{name}.png"),
                      quality=item.quality, provenance=prov)
