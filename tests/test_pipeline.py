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
