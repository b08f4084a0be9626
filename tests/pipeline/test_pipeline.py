"""Pipeline pieces on their own: splits by group, shard digests, LLM concurrency sharing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iqa_datagen.pipeline.references import Reference, Shard, assign_splits


@given(st.sets(st.text(min_size=1, max_size=8), min_size=2, max_size=60),
       st.floats(0.05, 0.5), st.integers(0, 2**31))
def test_splits_are_seeded_sized_and_never_empty(groups, fraction, seed):
    splits = assign_splits(sorted(groups), seed, fraction)
    assert set(splits) == groups
    n_test = sum(s == "test" for s in splits.values())
    assert 1 <= n_test <= len(groups) - 1
    assert splits == assign_splits(sorted(groups, reverse=True), seed, fraction)  # order-free


def test_a_shard_name_changes_with_its_references_splits_and_files():
    ref = Reference("r1", "a.png", "/x/a.png", "a.png", "train", "10:1")
    base = Shard(0, (ref,)).name
    assert base.startswith("shard-00000-")
    assert Shard(0, (Reference("r1", "a.png", "/x/a.png", "a.png", "test", "10:1"),)).name != base
    assert Shard(0, (Reference("r1", "a.png", "/x/a.png", "a.png", "train", "11:1"),)).name != base
    assert Shard(0, (ref,)).name == base


@pytest.mark.parametrize("concurrency, tasks, share", [(8, 1, 8), (8, 4, 2), (10, 4, 3), (2, 4, 1)])
def test_shard_tasks_in_one_process_share_the_llm_concurrency(concurrency, tasks, share):
    from iqa_datagen.config import load_config
    from iqa_datagen.generators.writers import concurrency_share

    config = load_config(None, {"llm.concurrency": concurrency})
    assert concurrency_share(config, tasks) == share


def test_the_reply_check_workers_are_a_build_setting_that_leaves_the_content_alone(
        tmp_path, monkeypatch):
    from iqa_datagen.config import load_config

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-only")
    from iqa_datagen.generators.writers import WriterContext

    default = load_config(None)
    on_loop = load_config(None, {"llm.check_workers": 0})
    assert on_loop.content_dict() == default.content_dict()  # a resumed build may change it
    context = WriterContext(on_loop, tmp_path, None)
    assert context.llm_config().check_workers == 0
    assert WriterContext(default, tmp_path, None).llm_config().check_workers is None


def test_every_record_carries_its_reference_context_without_machine_paths(tmp_path):
    """A shard over a folder: every record's context names the file relative to the folder, its
    original size, EXIF camera, conversion and resize, and the configured viewing conditions."""
    import numpy as np
    from PIL import Image

    from iqa_datagen.config import load_config
    from iqa_datagen.distortions.images import builtin_reference
    from iqa_datagen.pipeline.references import discover, make_shards
    from iqa_datagen.pipeline.shard import ShardRunner
    from iqa_datagen.storage import read_records

    refs = tmp_path / "my-pristine"
    (refs / "cams").mkdir(parents=True)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Nikon", "D750"
    exif.get_ifd(0x8769).update({0x829A: 0.004, 0x8827: 100, 0x920A: 35.0})
    Image.fromarray(builtin_reference("coffee")).save(refs / "cams" / "coffee.jpg",
                                                      exif=exif.tobytes(), quality=95)
    gray = (builtin_reference("chelsea").mean(2) * 257).astype(np.uint16)
    Image.fromarray(gray).save(refs / "cat.png")
    config = load_config(None, {"references.folder": str(refs), "references.short_side": 96,
                                "tasks.identification": 1, "tasks.instant_rating": 1,
                                "tasks.assessment": 1, "tasks.comparison": 1,
                                "assistant.enabled": False, "llm.mode": "off",
                                "assistant.confidence_threshold": 0.0,  # keep every pair
                                "viewing.distance": "1 m"})
    with ShardRunner(config, tmp_path / "ds") as runner:
        for shard in make_shards(discover(config), 10):
            runner.run(shard)
    records = list(read_records(tmp_path / "ds", as_models=True))
    assert {r.task for r in records} >= {"distortion_identification", "assessment_reasoning",
                                         "comparison_reasoning", "instant_rating"}
    by_path = {}
    for r in records:
        ctx = r.context
        assert ctx is not None and ctx.source == "my-pristine"
        assert str(tmp_path) not in ctx.model_dump_json()
        by_path.setdefault(ctx.path, set()).add(ctx.model_dump_json())
        assert ctx.viewing.distance == "1 m" and ctx.viewing.display == config.viewing.display
        assert ctx.rating is None
    assert set(by_path) == {"cams/coffee.jpg", "cat.png"}
    assert all(len(v) == 1 for v in by_path.values())  # one context per reference
    coffee = next(r.context for r in records if r.context.path == "cams/coffee.jpg")
    assert (coffee.width, coffee.height) == (600, 400) and coffee.aspect_ratio == 1.5
    assert coffee.camera.make == "Nikon" and coffee.camera.model == "D750"
    assert coffee.camera.iso == 100 and coffee.camera.focal_length == 35.0
    assert abs(coffee.camera.exposure_time - 0.004) < 1e-9
    assert coffee.processing.resized and coffee.processing.short_side == 96
    assert (coffee.processing.width, coffee.processing.height) == (144, 96)
    assert coffee.processing.colour == "none"
    cat = next(r.context for r in records if r.context.path == "cat.png")
    assert cat.camera.make is None and cat.processing.colour.startswith("16-bit grayscale")
