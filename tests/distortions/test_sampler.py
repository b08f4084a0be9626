"""The docs/sampling.md sampler: shares, allowed pairs, grades, the no-reference filter, the OOD split."""

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iqa_datagen import distortions
from iqa_datagen.distortions import ALLOWED_SECOND, NO_REFERENCE_DROP_SLIGHT, OOD_EVAL, DistortionError
from iqa_datagen.distortions.sampler import Sampler, SamplerConfig

EVAL_NAMES = {n for names in OOD_EVAL.values() for n in names}


def draws(n=4000, seed=0, **cfg):
    sampler = Sampler(SamplerConfig(**cfg))
    rng = np.random.default_rng(seed)
    return [sampler.sample(rng) for _ in range(n)]


def test_pristine_share_is_about_five_percent():
    plans = draws(20000)
    share = sum(p.pristine for p in plans) / len(plans)
    assert 0.04 < share < 0.06


def test_multi_share_and_categories_uniform():
    plans = [p for p in draws(12000) if not p.pristine]
    multi = sum(p.multi for p in plans) / len(plans)
    assert 0.45 < multi < 0.55
    singles = Counter(p.categories[0] for p in plans if not p.multi)
    assert set(singles) == set(distortions.CATEGORIES)
    expected = sum(singles.values()) / 12
    assert all(abs(c - expected) < 0.25 * expected for c in singles.values())


def test_pairs_only_allowed_and_graded():
    for plan in draws(3000, multi_share=1.0, pristine_share=0.0):
        assert plan.multi and len(plan.distortions) == 2
        first, second = plan.distortions
        assert second.category in ALLOWED_SECOND[first.category]
        for d in plan.distortions:
            assert 1 <= d.level <= 3
            assert d.grade == ("slight", "obvious", "serious")[d.level - 1]
            assert distortions.get(d.name).category == d.category


def test_single_levels_and_words():
    levels = Counter()
    for plan in draws(3000, multi_share=0.0, pristine_share=0.0):
        (d,) = plan.distortions
        levels[d.level] += 1
        assert d.grade == distortions.LEVEL_NAMES[d.level - 1]
    assert set(levels) == {1, 2, 3, 4, 5}


def test_no_reference_filter_drops_slight_of_listed_categories():
    sampler = Sampler()
    rng = np.random.default_rng(3)
    plans = [sampler.sample(rng) for _ in range(3000)]
    seen_kept_slight = set()
    for plan in plans:
        listed_slight = any(d.level == 1 and d.category in NO_REFERENCE_DROP_SLIGHT
                            for d in plan.distortions)
        assert plan.passes_no_reference_filter() == (not listed_slight)
        if not listed_slight:
            seen_kept_slight |= {d.category for d in plan.distortions if d.level == 1}
    assert seen_kept_slight and seen_kept_slight.isdisjoint(NO_REFERENCE_DROP_SLIGHT)
    # the sampler itself draws them (the full-reference setting keeps them)
    assert any(not p.passes_no_reference_filter() for p in plans)


def test_ood_split_separates_distortions():
    train = {d.name for p in draws(3000, ood="train") for d in p.distortions}
    evaluate = {d.name for p in draws(3000, ood="eval") for d in p.distortions}
    assert train.isdisjoint(EVAL_NAMES)
    assert evaluate <= EVAL_NAMES and len(evaluate) == len(EVAL_NAMES)
    assert "pixelate" in train and "oversharpen" in train


def test_unknown_restriction_is_an_error():
    with pytest.raises(DistortionError, match="not in the catalogue"):
        Sampler(SamplerConfig(names=("blur_gaussian", "no_such_thing")))


def test_level_pair_same_distortion_milder_first():
    sampler = Sampler()
    rng = np.random.default_rng(1)
    for _ in range(500):
        better, worse = sampler.level_pair(rng)
        (b,), (w,) = better.distortions, worse.distortions
        assert b.name == w.name and b.level < w.level


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), multi=st.floats(0, 1), pristine=st.floats(0, 1),
       ood=st.sampled_from([None, "train", "eval"]))
def test_property_every_plan_is_valid(seed, multi, pristine, ood):
    sampler = Sampler(SamplerConfig(multi_share=multi, pristine_share=pristine, ood=ood))
    rng = np.random.default_rng(seed)
    for _ in range(20):
        plan = sampler.sample(rng)
        assert len(plan.distortions) <= 2
        if plan.multi:
            assert plan.distortions[1].category in ALLOWED_SECOND[plan.distortions[0].category]
        for d in plan.distortions:
            assert (d.name in EVAL_NAMES) == (ood == "eval") or ood is None


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_property_same_seed_same_plan(seed):
    a = [Sampler().sample(np.random.default_rng(seed)) for _ in range(2)]
    assert a[0] == a[1]
