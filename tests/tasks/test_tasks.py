"""Tasks as units: one registry consulted everywhere, and a new task is one class + its
registration (it then reaches the shard's records, the schema check, resplit and the card)."""

from __future__ import annotations

import pytest

from iqa_datagen.config import load_config
from iqa_datagen.distortions.images import encode_png
from iqa_datagen.distortions.registry import build_registry
from iqa_datagen.generators.records import image_field, labels, make_record, provenance
from iqa_datagen.pipeline.references import Shard, discover
from iqa_datagen.pipeline.shard import ShardRunner
from iqa_datagen.seeding import rng_for
from iqa_datagen.storage import iter_batches
from iqa_datagen.storage.card import counts_table
from iqa_datagen.tasks import TASKS, BriefTask, UnknownTaskError


class CleanCheck(BriefTask):
    """A toy brief task: is the image free of distortion? Yes or No, from the labels."""

    name = "clean_check"
    title = "Clean check"

    def text(self, row, split, rng, gt_names):
        question = "Is this image free of distortion?" if split == "train" else "Is it clean?"
        return question, "No" if row["distortions_a"] else "Yes"

    def sample(self, ctx):
        worker, ref = ctx.worker, ctx.ref
        key = ctx.key(self, 0)
        rng = rng_for(worker.seed, key)
        plan = worker.sampler(ref.split).sample(rng)
        png = encode_png(plan.apply(ctx.image, rng, registry=worker.registry))
        for setting in worker.settings(plan):
            q, a = self.render({"setting": setting, "distortions_a": plan.labels()}, ref.split,
                               worker.seed, key, worker.gt_names)
            ctx.out.records.append(worker.record(
                ref, key=key, task=self.name, setting=setting, response_kind="templated",
                image_ref=image_field(ctx.ref_png, f"{ref.ref_id}/ref.png"),
                image_a=image_field(png, f"{ref.ref_id}/clean.png"), question=q, response=a,
                distortions_a=labels(plan.labels()), generator="template"))


@pytest.fixture
def clean_check(monkeypatch):
    """CleanCheck registered for one test only."""
    monkeypatch.setattr(TASKS, "_tasks", dict(TASKS._tasks))
    return TASKS.register(CleanCheck)


def test_the_registry_orders_tasks_and_names_the_known_ones():
    assert TASKS.names() == ("distortion_identification", "assessment_reasoning",
                             "instant_rating", "comparison_reasoning", "quality_scoring",
                             "qa_expansion", "two_stage")
    assert [t.name for t in TASKS.sampled()] == ["distortion_identification", "instant_rating",
                                                 "quality_scoring", "assessment_reasoning",
                                                 "comparison_reasoning"]
    with pytest.raises(UnknownTaskError, match="unknown task 'nope'; known: distortion_ident"):
        TASKS.get("nope")
    with pytest.raises(UnknownTaskError, match="expected one of"):
        TASKS.detailed("instant_rating")
    with pytest.raises(ValueError, match="already registered"):
        TASKS.register(type(TASKS.get("instant_rating")))


def _record(task: str):
    png = image_field(b"png", "a.png")
    return make_record(seed=0, key="r:x:0", task=task, setting="full_reference", split="train",
                       response_kind="templated", reference_id="r", image_ref=png, image_a=png,
                       question="Q?", response="A.",
                       provenance=provenance(source="t", generator="template",
                                             generator_version="1", seed=0))


def test_two_stage_records_keep_their_sample_task():
    assert "two_stage" not in TASKS.record_tasks()
    with pytest.raises(ValueError, match="makes records of other tasks"):
        _record("two_stage")


def test_a_record_of_an_unregistered_task_is_refused(clean_check):
    assert _record("clean_check").task == "clean_check"
    TASKS._tasks.pop("clean_check")
    with pytest.raises(ValueError, match="unknown task 'clean_check'"):
        _record("clean_check")


def test_a_new_task_is_one_class_and_its_registration(clean_check, tmp_path):
    config = load_config(None, {"references.short_side": 64, "references.limit": 2,
                                "assistant.enabled": False, "llm.mode": "off",
                                "tasks.identification": 0, "tasks.instant_rating": 0,
                                "tasks.assessment": 0, "tasks.comparison": 0,
                                "tasks.quality_scoring": 0})
    refs = discover(config)
    with ShardRunner(config, tmp_path, registry=build_registry()) as runner:
        report = runner.run(Shard(0, tuple(refs)))
    assert set(report.records) == {"clean_check"}
    rows = [r for b in iter_batches(tmp_path) for r in b.to_pylist()]
    assert {r["setting"] for r in rows} == {"full_reference", "no_reference"}
    for row in rows:  # the stored ground truth answers, and resplit re-renders the same words
        assert row["response"] == ("No" if row["distortions_a"] else "Yes")
        q, a = clean_check.render(row, row["split"], config.seed, row["sample_key"], {})
        assert (q, a) == (row["question"], row["response"])
    counts = {"train": {"clean_check": {"full_reference": {"single": 2, "multi": 0, "total": 2}}}}
    assert "| Clean check | full-reference |" in counts_table(counts, ["train"])
