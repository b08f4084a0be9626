"""Step 4 of a build: run one shard of references end to end and write it as one resumable part.

A shard's records stream into ``data/{split}/{shard}-NNNNN.parquet``; the part's completion
marker (written last, see ``storage.write_part``) carries the shard's report, so a rerun skips a
finished shard and still knows what it made. Unreadable references are quarantined (listed with
their reason under ``quarantine/``) and the shard goes on; responses that fail validation go to
the rejects table under ``rejects/``. Neither ever reaches the dataset. Samples the LLM could not
be asked for (a transport failure, not a verdict) are listed as ``missing`` in the marker: such a
part is not complete, and a rerun makes it again, the reply cache sending exactly the requests
that were missing. ``llm.on_failure: offline`` writes them with the offline writer instead.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Iterable, Iterator, Optional

from iqa_datagen.distortions.images import ImageError
from iqa_datagen.distortions.registry import Registry, build_registry
from iqa_datagen.config import BuildConfig
from iqa_datagen.pipeline import generation
from iqa_datagen.pipeline.context import folder_source, make_context, with_context
from iqa_datagen.pipeline.detailed import detailed_records
from iqa_datagen.pipeline.references import BUILTIN_PREFIX, Reference, Shard, read_reference
from iqa_datagen.pipeline.samples import ReferenceWorker, Verdicter
from iqa_datagen.schemas import Record
from iqa_datagen.storage import part_done, read_part, write_part
from iqa_datagen.storage.layout import atomic_write_text
from iqa_datagen.tasks import TASKS, DerivedTask, PendingDetailed

REJECTS_DIR = "rejects"
QUARANTINE_DIR = "quarantine"
CACHE_DIR = ".cache"
GENERATION_CHUNK = 64  # detailed requests sent to a generator at once (LLM concurrency fills it)


@dataclass
class ShardReport:
    """What one shard made; JSON-able, stored in the part marker and returned to the flow."""

    part: str
    references: int = 0
    quarantined: list[dict] = field(default_factory=list)
    records: dict[str, int] = field(default_factory=dict)  # by task
    rejects: int = 0
    overruled: int = 0
    dropped_low_confidence: int = 0
    no_reference_disagreed: int = 0  # judged pairs left without a no-reference record
    prompt_tokens: int = 0
    completion_tokens: int = 0
    llm_requests: int = 0
    llm_cache_hits: int = 0
    stability_checked: int = 0  # detailed samples asked several times (llm.samples_per_request)
    unstable: int = 0  # ... whose conclusions disagreed (dropped)
    llm_failures: int = 0  # requests that got no reply
    writers: dict[str, int] = field(default_factory=dict)  # records by writer (generator)
    missing: list[dict] = field(default_factory=list)  # samples the writer could not make
    fixed: list[str] = field(default_factory=list)  # retry parts: reject keys now written
    seconds: float = 0.0
    resumed: bool = False  # True: found complete from an earlier run, nothing was redone

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict) -> "ShardReport":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def count(self, records: Iterable[Record]) -> Iterator[Record]:
        """Pass records through, counting them by task."""
        for rec in records:
            self.records[rec.task] = self.records.get(rec.task, 0) + 1
            writer = rec.provenance.generator
            self.writers[writer] = self.writers.get(writer, 0) + 1
            yield rec


def stored_report(out_dir: Path, part: str) -> Optional[ShardReport]:
    """The report kept in a written part's marker (files present with their sizes), or None."""
    if not part_done(out_dir, part):
        return None
    info = read_part(out_dir, part)
    report = ShardReport.from_dict(dict(info.meta.get("report", {}), part=part))
    report.resumed = True
    return report


def finished_report(out_dir: Path, part: str) -> Optional[ShardReport]:
    """The stored report of a complete part, or None: a part with missing samples (the LLM
    could not be asked) is written but not complete, so a rerun makes it again."""
    report = stored_report(out_dir, part)
    return report if report is not None and not report.missing else None


def write_unit(out_dir: Path | str, part: str, records: Iterable[Record], report: ShardReport,
               config: BuildConfig, rejects: list[dict]) -> ShardReport:
    """Stream ``records`` into the part, then its rejects/quarantine lists, then the marker.

    ``meta`` is read by ``write_part`` only after every record is written, so the report it
    stores is complete (the generator fills it while the writer consumes it).
    """
    out_dir = Path(out_dir)
    meta: dict = {}
    started = time.perf_counter()

    def stream() -> Iterator[Record]:
        yield from report.count(records)
        report.rejects = len(rejects)
        report.seconds = round(time.perf_counter() - started, 3)
        _write_jsonl(out_dir / REJECTS_DIR / f"{part}.jsonl", rejects)
        _write_jsonl(out_dir / QUARANTINE_DIR / f"{part}.jsonl", report.quarantined)
        meta["report"] = report.to_dict()

    write_part(out_dir, part, stream(), meta=meta, rows_per_file=config.output.rows_per_file,
               row_group_rows=config.output.row_group_size)
    return report


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    if rows:
        atomic_write_text(path, "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows),
                          durable=False)
    else:
        path.unlink(missing_ok=True)


class ShardRunner:
    """Runs reference shards with one set of generators (built once per task run)."""

    def __init__(self, config: BuildConfig, out_dir: Path | str,
                 verdicter: Optional[Verdicter] = None, registry: Optional[Registry] = None,
                 source_name: str = "references",
                 key_prefix: str = "", tasks_at_once: int = 1):
        self.config = config
        self.out_dir = Path(out_dir)
        self.registry = registry or build_registry(config.plugins)
        self.names = self.registry.category_names()
        self.worker = ReferenceWorker(config, self.registry, source_name, key_prefix)
        self.verdicter = verdicter
        self.with_rating = not config.mos  # MOS sources replace the generated rating pairs
        self._tasks_at_once = tasks_at_once
        self._derived: dict[str, object] = {}  # derived task name → its generator

    # Generators are made on first use: a resumed shard that is already done needs none (an LLM
    # generator starts a thread and an HTTP client).
    @cached_property
    def detailed(self):
        # Shard tasks running side by side in one process share llm.concurrency between them.
        return generation.detailed_generator(self.config, self._cache_dir, self.names,
                                             self._tasks_at_once)

    def derived_generator(self, task: DerivedTask):
        """The generator of a derived task (None when the config turns the task off)."""
        if task.name not in self._derived:
            self._derived[task.name] = task.generator(self.config, self._cache_dir, self.names,
                                                      self._tasks_at_once)
        return self._derived[task.name]

    @property
    def _cache_dir(self) -> Path:
        return self.out_dir / CACHE_DIR / "llm"

    def _made_generators(self) -> list:
        made = [self.__dict__["detailed"]] if "detailed" in self.__dict__ else []
        return made + [gen for gen in self._derived.values() if gen is not None]

    def close(self) -> None:
        for gen in self._made_generators():
            close = getattr(gen, "close", None)
            if close:
                close()

    def __enter__(self) -> "ShardRunner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, shard: Shard, part: Optional[str] = None) -> ShardReport:
        """Make and write every record of ``shard`` (or return the stored report when done)."""
        part = part or shard.name
        done = finished_report(self.out_dir, part)
        if done is not None:
            return done
        report = ShardReport(part=part, references=len(shard.references))
        rejects: list[dict] = []
        return write_unit(self.out_dir, part, self._records(shard, report, rejects), report,
                          self.config, rejects)

    # -- the stream of one shard's records ------------------------------------------------------

    def _records(self, shard: Shard, report: ShardReport, rejects: list[dict]) -> Iterator[Record]:
        """Every record of the shard, each stamped with its reference's context."""
        contexts: dict = {}
        records = self._raw_records(shard, report, rejects, contexts)
        return with_context(records, lambda rec: contexts[rec.reference_id])

    def _raw_records(self, shard: Shard, report: ShardReport, rejects: list[dict],
                     contexts: dict) -> Iterator[Record]:
        pending: list[PendingDetailed] = []
        batch_mode = generation.uses_llm(self.config) and self.config.llm.batch
        for ref in shard.references:
            image = self._load(ref, report, contexts)
            if image is None:
                continue
            out = self.worker.run(ref, image, self.verdicter, self.with_rating)
            report.dropped_low_confidence += out.dropped_low_confidence
            report.no_reference_disagreed += out.no_reference_disagreed
            yield from out.records
            pending += out.pending
            # Batch mode sends a shard's requests as one batch; live mode keeps memory bounded.
            if not batch_mode and len(pending) >= GENERATION_CHUNK:
                yield from self.respond(pending, report, rejects)
                pending = []
        if pending:
            yield from self.respond(pending, report, rejects)
        self.usage(report)

    def _load(self, ref: Reference, report: ShardReport, contexts: dict):
        """The reference's pixels (its context into ``contexts``), or None when quarantined."""
        try:
            refs = self.config.references
            image, info, variant = read_reference(ref, refs.short_side, refs.max_pixels)
            builtin = ref.source.startswith(BUILTIN_PREFIX)
            contexts[ref.ref_id] = make_context(
                source=folder_source(self.config), config=self.config, info=info, used=image,
                path=ref.source[len(BUILTIN_PREFIX):].partition("~")[0] if builtin else ref.name,
                variant=variant)
            return image
        except ImageError as exc:
            report.quarantined.append({"reference": ref.name, "source": ref.source,
                                       "reason": exc.reason})
        except OSError as exc:  # vanished or unreadable between discovery and loading
            report.quarantined.append({"reference": ref.name, "source": ref.source,
                                       "reason": f"cannot read file ({exc.strerror or exc})"})
        return None

    def respond(self, pending: list[PendingDetailed], report: ShardReport,
                rejects: list[dict]) -> Iterator[Record]:
        """Detailed records of ``pending`` samples, then their QA expansion."""
        requests = [p.request for p in pending]
        results = generation.with_fallback(self.config, self.detailed, requests, "generate")
        report.stability_checked += sum(r.stable is not None for r in results)
        report.unstable += sum(r.stable is False for r in results)
        out = detailed_records(self.config.seed, self.worker.source_name, pending, results)
        report.overruled += out.overruled
        report.prompt_tokens += out.prompt_tokens
        report.completion_tokens += out.completion_tokens
        rejects += out.rejects
        report.missing += out.missing
        yield from out.records
        for task in TASKS.derived():
            generator = self.derived_generator(task)
            if generator is None:
                continue
            derived = task.derive(generator, self.config, self.worker.source_name, out)
            yield from self._take(derived, report, rejects)

    def expand(self, requests: list, sources: list[Record], report: ShardReport,
               rejects: list[dict]) -> Iterator[Record]:
        """QA expansion records of ``requests`` about the detailed ``sources`` (with their
        no-reference copies): what ``retry-rejects`` asks again."""
        task = TASKS.get("qa_expansion")
        generator = self.derived_generator(task)
        if generator is None:
            return
        derived = task.expand(generator, self.config, self.worker.source_name, requests, sources)
        yield from self._take(derived, report, rejects)

    @staticmethod
    def _take(derived, report: ShardReport, rejects: list[dict]) -> Iterator[Record]:
        report.prompt_tokens += derived.prompt_tokens
        report.completion_tokens += derived.completion_tokens
        rejects += derived.rejects
        report.missing += getattr(derived, "missing", [])
        yield from derived.records

    def usage(self, report: ShardReport) -> None:
        """LLM requests and cache hits of this runner so far (0 with offline generators)."""
        requests = hits = failures = 0
        for gen in self._made_generators():
            usage = getattr(gen, "usage", None)
            if usage is not None:
                requests += usage.requests
                hits += usage.cache_hits
                failures += usage.failures
        report.llm_requests, report.llm_cache_hits = requests, hits
        report.llm_failures = failures
