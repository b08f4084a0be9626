"""What a task is: the one place that knows how a task's records are made.

A task is one subclass of ``BriefTask``, ``DetailedTask`` or ``DerivedTask`` in its own module,
registered in ``iqa_datagen.tasks`` (or from a plugin with ``register_task``). The pipeline,
resplit, the generators and the card ask the task instead of testing task names:

- ``BriefTask``: samples images per reference and writes templated text (``text``), which
  ``resplit`` re-renders from a stored record (``render``) because the wording depends on the
  split.
- ``DetailedTask``: samples images per reference and hands a ``DetailedRequest`` to a response
  generator; it declares its question pool (``question``), its LLM prompt and reply check
  (``llm_messages``, ``llm_check``) and its offline writer (``write_offline``).
- ``DerivedTask``: made from other tasks' finished records (question–answer expansion).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Mapping, Optional

import numpy as np

from iqa_datagen.seeding import derive_seed, rng_for

# Wording that only makes sense when a reference is shown; a no-reference record must not carry it.
REFERENCE_WORDS = re.compile(r"\b(reference|pristine|original image|ground[- ]truth)\b", re.I)

if TYPE_CHECKING:  # pragma: no cover - type names only
    from iqa_datagen.pipeline.references import Reference
    from iqa_datagen.pipeline.samples import ReferenceOutput, ReferenceWorker, Verdicter


@dataclass
class PendingDetailed:
    """A detailed sample waiting for its response: the request and what its records need."""

    request: Any  # generators.base.DetailedRequest
    reference: "Reference"
    ref_png: bytes
    a_png: bytes
    b_png: Optional[bytes]
    labels_a: list[dict]
    labels_b: list[dict]
    no_reference_ok: bool
    # the verdict the no-reference record states (the no-reference assistant's, which agrees
    # with the request's); None: the request's own verdict serves both settings
    no_reference_verdict: Optional[Any] = None


@dataclass
class SampleContext:
    """One reference being sampled: its image, the worker's shared helpers, and the output."""

    worker: "ReferenceWorker"
    ref: "Reference"
    image: np.ndarray
    ref_png: bytes
    verdicter: Optional["Verdicter"]
    out: "ReferenceOutput"
    with_mos: bool = False  # MOS sources were given (they replace library rating pairs)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def grayscale(self) -> bool:
        """Whether the reference is grayscale (colour-only distortions are then not drawn)."""
        if "grayscale" not in self.extra:
            from iqa_datagen.distortions.images import is_grayscale
            self.extra["grayscale"] = is_grayscale(self.image)
        return self.extra["grayscale"]

    def count(self, task: "Task") -> int:
        """Samples of ``task`` per reference, from the build config."""
        if task.count_field is None:
            return 0
        return int(getattr(self.worker.config.tasks, task.count_field))

    def indices(self, task: "Task") -> list[int]:
        """The sample indices of ``task`` made for this reference: all ``count`` of them, or
        under ``tasks.sample_share`` < 1 each kept by a seeded draw of its own (so the kept
        samples are exactly those a full run makes, minus the rest)."""
        share = self.worker.config.tasks.sample_share
        n = self.count(task)
        if share >= 1:
            return list(range(n))
        draws = (derive_seed(self.worker.seed, "keep", self.key(task, i)) for i in range(n))
        return [i for i, d in enumerate(draws) if (d % 2**32) / 2**32 < share]

    def key(self, task: "Task", i: int) -> str:
        """The key of sample ``i`` of ``task`` for this reference."""
        return self.worker.sample_key(self.ref, task, i)

    def distort(self, task: "Task", i: int) -> tuple[str, Any, np.ndarray]:
        """Sample ``i`` of ``task`` with one distortion plan: its key, the plan and the distorted
        image, both drawn from one generator seeded by the key (the plan, then its noise)."""
        key = self.key(task, i)
        rng = rng_for(self.worker.seed, key)
        plan = self.worker.sampler(self.ref.split, self.grayscale).sample(rng)
        return key, plan, plan.apply(self.image, rng, registry=self.worker.registry)

    def pend_detailed(self, task: "Task", key: str, plan_a, image_a: np.ndarray, plan_b=None,
                      image_b: Optional[np.ndarray] = None, verdict=None,
                      no_reference: bool = True, no_reference_verdict=None) -> None:
        """Queue a detailed sample for its writer: the request (ground truth and images, the
        reference included) and what its records need. ``no_reference`` False: no
        no-reference record (its judge does not back the verdict); ``no_reference_verdict``:
        what that record states instead of ``verdict``."""
        from iqa_datagen.distortions.images import encode_png
        from iqa_datagen.generators.base import DetailedRequest
        from iqa_datagen.generators.records import labels

        plans = [p for p in (plan_a, plan_b) if p is not None]
        request = DetailedRequest(
            key=key, task=task.name, image_ref=self.image, image_a=image_a, image_b=image_b,
            distortions_a=tuple(labels(plan_a.labels())),
            distortions_b=tuple(labels(plan_b.labels())) if plan_b is not None else (),
            verdict=verdict, seed=derive_seed(self.worker.seed, key))
        self.out.pending.append(PendingDetailed(
            request, self.ref, self.ref_png, encode_png(image_a),
            encode_png(image_b) if image_b is not None else None, plan_a.labels(),
            plan_b.labels() if plan_b is not None else [],
            no_reference and all(p.passes_no_reference_filter() for p in plans),
            no_reference_verdict))


class Task:
    """Declarations shared by every task."""

    name: ClassVar[str]  # the record's ``task`` value
    title: ClassVar[str]  # the dataset card's name for it
    kind: ClassVar[Literal["brief", "detailed", "derived"]]
    # Distorted images per record: 1, 2 (a pair, with a verdict), or None (as its source record).
    images: ClassVar[Optional[int]] = 1
    count_field: ClassVar[Optional[str]] = None  # TasksConfig field: samples per reference
    counts_multi: ClassVar[bool] = True  # the card counts single / multi distortion apart
    # False: the task's records keep their source sample's task (two-stage chains), so no record
    # carries this task's name.
    own_records: ClassVar[bool] = True

    @property
    def key_name(self) -> str:
        """The task's segment in sample keys."""
        return self.name

    @property
    def paired(self) -> bool:
        return self.images == 2

    def sample(self, ctx: SampleContext) -> None:
        """Add this task's records (or pending detailed requests) for one reference to
        ``ctx.out``."""

    def __repr__(self) -> str:
        return f"<task {self.name}>"


class BriefTask(Task):
    """A task whose answer is templated from the ground truth."""

    kind: ClassVar[Literal["brief"]] = "brief"

    def text(self, row: Mapping, split: str, rng: np.random.Generator,
             gt_names: Mapping[str, str]) -> tuple[str, str]:
        """(question, answer) from the record's ground-truth fields (``distortions_a``,
        ``verdict``, ...), given as a row-like mapping."""
        raise NotImplementedError

    def render(self, row: Mapping, split: str, seed: int, key: str,
               gt_names: Mapping[str, str]) -> tuple[str, str]:
        """The text of the sample ``key`` in ``split``: drawn from ``rng_for(seed, key,
        setting)``, so a fresh build and ``resplit`` write the same words."""
        return self.text(row, split, rng_for(seed, key, row["setting"]), gt_names)

    def image_records(self, ctx: SampleContext, key: str, plan, image: np.ndarray,
                      file_name: str, row: Mapping, **fields) -> list:
        """The records of one distorted image: one per setting ``plan`` allows, the text
        rendered from ``row`` (ground truth), ``fields`` stored with it, the image saved as
        ``file_name`` in the reference's folder."""
        from iqa_datagen.distortions.images import encode_png
        from iqa_datagen.generators.records import image_field

        worker, ref = ctx.worker, ctx.ref
        png = encode_png(image)
        records = []
        for setting in worker.settings(plan):
            q, a = self.render({"setting": setting, **row}, ref.split, worker.seed, key,
                               worker.gt_names)
            records.append(worker.record(
                ref, key=key, task=self.name, setting=setting, response_kind="templated",
                image_ref=image_field(ctx.ref_png, f"{ref.ref_id}/ref.png"),
                image_a=image_field(png, f"{ref.ref_id}/{file_name}"), question=q, response=a,
                generator="template", **fields))
        return records


class DetailedTask(Task):
    """A task whose response a generator writes (the LLM, or the offline writer)."""

    kind: ClassVar[Literal["detailed"]] = "detailed"
    # True when ``llm_check`` reads only the request's labels and verdict (not its images), so
    # the LLM layer may run it in a worker process on a copy without the images.
    llm_check_offload: ClassVar[bool] = False

    def question(self, setting: str, rng: np.random.Generator) -> str:
        """A question from the task's pool."""
        raise NotImplementedError

    def image_roles(self, request) -> list[tuple[str, np.ndarray]]:
        """(role, image) the LLM is shown, in order."""
        roles = [("image_ref", request.image_ref), ("image_a", request.image_a)]
        if self.paired:
            if request.image_b is None:
                raise ValueError(f"request {request.key!r}: {self.name} needs image_b")
            roles.append(("image_b", request.image_b))
        return roles

    def llm_messages(self, request, encoded: Mapping, names: Mapping[str, str]) -> list[dict]:
        """The chat messages for ``request`` (``encoded``: role → EncodedImage; ``names``: the
        build registry's category display names)."""
        raise NotImplementedError

    def llm_check(self, request, reply, names: Mapping[str, str]) -> tuple[list[str], Any]:
        """(reasons to reject the reply, detail: True when it overrules the verdict)."""
        raise NotImplementedError

    def write_offline(self, request, batch) -> str:
        """The offline writer's response for ``request`` (``batch``: the writer's
        ``OfflineBatch``, with the category names and per-image statistics)."""
        raise NotImplementedError


class DerivedTask(Task):
    """A task made from other tasks' finished records, by its own generator."""

    kind: ClassVar[Literal["derived"]] = "derived"
    images: ClassVar[Optional[int]] = None

    def generator(self, config, cache_dir, names, tasks_at_once: int = 1):
        """The generator this task needs in a build (``names``: the build registry's category
        names), or None when the config turns it off."""
        return None

    def derive(self, generator, config, source_name: str, detailed_output):
        """Records made from a chunk's detailed records (``pipeline.detailed.DetailedOutput``):
        an object with ``records``, ``rejects``, ``prompt_tokens`` and ``completion_tokens``
        (and ``missing``: samples whose writer could not be reached)."""
        raise NotImplementedError
