"""Question pools and the brief-task text builders (docs/tasks.md)."""

from __future__ import annotations

import re
import string

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iqa_datagen.distortions import GT_NAMES
from iqa_datagen.generators import brief
from iqa_datagen.generators.questions import (ASSESSMENT, COMPARISON, IDENTIFICATION, PRISTINE_ANSWER,
                                  PRISTINE_SHORT_ANSWER, RATING, SETTINGS, SHORT_ANSWER_SUFFIX,
                                  count_slots, for_setting, join_names)
from iqa_datagen.schemas import DistortionLabel

FR, NR = "full_reference", "no_reference"
# what the pipeline and the reply validator treat as mentioning a reference
REFERENCE_WORDS = re.compile(r"\b(references?|pristine|original|ground[- ]?truth|undistorted)\b",
                             re.I)


def label(category: str, name: str = "x", level: int = 1) -> DistortionLabel:
    return DistortionLabel(category=category, name=name, level=level, grade="slight")


def slots(template: str) -> list[str]:
    return [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]


def all_questions(setting: str) -> dict[str, list[str]]:
    return {
        "identification": [for_setting(e.question, setting) for e in IDENTIFICATION],
        "identification_counted": [for_setting(e.counted, setting).format(**count_slots(n))
                                   for e in IDENTIFICATION for n in (1, 2)],
        "rating": [for_setting(e.question, setting) for e in RATING],
        "assessment": [for_setting(q, setting) for q in ASSESSMENT],
        "comparison": [for_setting(q, setting) for q in COMPARISON],
    }


# -- pools ----------------------------------------------------------------------------------------

def test_pool_sizes_and_suffix_constant():
    assert (len(IDENTIFICATION), len(RATING), len(ASSESSMENT), len(COMPARISON)) == (24, 20, 20, 20)
    assert SHORT_ANSWER_SUFFIX == " Answer the question using a single word or phrase."


@pytest.mark.parametrize("setting", SETTINGS)
def test_pools_have_no_duplicates(setting):
    for pool, texts in all_questions(setting).items():
        assert len(set(texts)) == len(texts), pool
    answers = [e.answer for e in IDENTIFICATION] + [e.answer for e in RATING]
    assert len(set(answers)) == len(answers)


def test_no_reference_questions_never_mention_a_reference():
    for pool, texts in all_questions(NR).items():
        for text in texts:
            assert not REFERENCE_WORDS.search(text), (pool, text)
            assert "[" not in text and "]" not in text and "  " not in text
            assert not re.search(r"\s[,.?;:]", text), text
    assert not REFERENCE_WORDS.search(PRISTINE_ANSWER + PRISTINE_SHORT_ANSWER)
    for entry in IDENTIFICATION:
        assert not REFERENCE_WORDS.search(entry.answer)
    for entry in RATING:
        assert not REFERENCE_WORDS.search(entry.answer)


def test_full_reference_questions_mostly_mention_the_reference():
    for pool, texts in all_questions(FR).items():
        mentioning = sum(bool(re.search(r"\breference\b", t)) for t in texts)
        assert mentioning >= len(texts) / 2, pool
        assert all("[" not in t and "  " not in t for t in texts)
    # the settings differ only by the bracketed clause: removing it gives the other form
    for e in IDENTIFICATION:
        assert re.sub(r"\[[^\]]*\]", "", e.question) == for_setting(e.question, NR)


def test_templates_hold_exactly_their_slots():
    for e in IDENTIFICATION:
        assert slots(e.answer) == ["distortions"], e.answer
        assert slots(e.question) == [], e.question
        assert "count" in slots(e.counted)
        assert set(slots(e.counted)) <= {"count", "is_are", "it_they", "it_them"}, e.counted
    for e in RATING:
        assert slots(e.answer) == ["winner"], e.answer
        assert slots(e.question) == []
    for q in ASSESSMENT + COMPARISON:
        assert slots(q) == []


def test_count_agreement():
    assert count_slots(1) == {"count": "one distortion", "is_are": "is", "it_they": "it",
                              "it_them": "it"}
    assert count_slots(2)["count"] == "two distortions" and count_slots(2)["it_them"] == "them"
    texts = all_questions(NR)["identification_counted"]
    assert all(("one distortion" in t) != ("two distortions" in t) for t in texts)
    assert not any(re.search(r"one distortions|two distortion\b|is two|are one", t)
                   for t in texts)
    with pytest.raises(ValueError, match="at least one"):
        count_slots(0)


def test_join_names():
    assert join_names(["blur"]) == "blur"
    assert join_names(["blur", "noise"]) == "blur and noise"
    assert join_names(["a", "b", "c"]) == "a, b and c"


def test_bad_setting_and_unbalanced_clause():
    with pytest.raises(ValueError, match="setting must be one of"):
        for_setting("x", "fr")
    with pytest.raises(ValueError, match="unbalanced"):
        for_setting("What [is [this]]?", NR)


# -- identification -------------------------------------------------------------------------------

def _ident(labels, setting=FR, split="train", seed=0):
    return brief.identification_text(labels, GT_NAMES, setting, split, np.random.default_rng(seed))


COUNTED = {s: set(all_questions(s)["identification_counted"]) for s in SETTINGS}


def _strip_suffix(q: str) -> tuple[str, bool]:
    if q.endswith(SHORT_ANSWER_SUFFIX):
        return q[: -len(SHORT_ANSWER_SUFFIX)], True
    return q, False


def test_suffix_on_half_of_training_and_all_test_samples():
    labels = [label("noise")]
    train = [_strip_suffix(_ident(labels, seed=s)[0])[1] for s in range(2000)]
    assert 0.45 < np.mean(train) < 0.55
    for split in ("test", "val", "ood_test"):
        assert all(_strip_suffix(_ident(labels, split=split, seed=s)[0])[1] for s in range(200))


def test_count_variant_only_on_training_about_half():
    labels = [label("blur"), label("noise")]
    counted = [_strip_suffix(_ident(labels, seed=s)[0])[0] in COUNTED[FR] for s in range(2000)]
    assert 0.45 < np.mean(counted) < 0.55
    assert not any(_strip_suffix(_ident(labels, split="test", seed=s)[0])[0] in COUNTED[FR]
                   for s in range(300))
    stated = [_ident(labels, NR, seed=s)[0] for s in range(300)]
    assert any("two distortions" in q for q in stated)
    assert not any("one distortion" in q for q in stated)


def test_short_and_long_answers_name_every_distortion():
    labels = [label("blur"), label("darken")]
    shorts, longs = set(), set()
    for s in range(200):
        q, a = _ident(labels, seed=s)
        if q.endswith(SHORT_ANSWER_SUFFIX):
            shorts.add(a)
        else:
            longs.add(a)
            assert "blur and insufficient brightness" in a and a.endswith(".")
            assert a[0].isupper()
    assert shorts == {"Blur and insufficient brightness"}
    assert len(longs) > 10  # many answer templates in use
    assert _ident([label("noise")], split="test")[1] == "Noise"


def test_pristine_answer():
    seen = set()
    for s in range(200):
        q, a = _ident([], seed=s)
        seen.add(a)
        base, short = _strip_suffix(q)
        assert base not in COUNTED[FR]
        assert a == (PRISTINE_SHORT_ANSWER if short else PRISTINE_ANSWER)
    assert seen == {PRISTINE_ANSWER, PRISTINE_SHORT_ANSWER}
    assert _ident([], split="test") [1] == PRISTINE_SHORT_ANSWER


def test_names_come_from_the_given_mapping():
    names = dict(GT_NAMES, lens_flare="lens flare")
    q, a = brief.identification_text([{"category": "lens_flare"}, label("noise")], names, NR,
                                     "test", np.random.default_rng(1))
    assert a == "Lens flare and noise"
    with pytest.raises(ValueError, match="'lens_flare'"):
        _ident([label("lens_flare")])
    assert brief.distortion_names([label("blur"), label("blur")], GT_NAMES) == ["blur"]


def test_identification_is_deterministic_and_varied():
    labels = [label("compression")]
    a = [_ident(labels, NR, seed=s) for s in range(50)]
    b = [_ident(labels, NR, seed=s) for s in range(50)]
    assert a == b
    assert len({q for q, _ in a}) > 15


# -- instant rating -------------------------------------------------------------------------------

def _rate(winner, setting=FR, split="train", seed=0):
    return brief.rating_text(winner, setting, split, np.random.default_rng(seed))


def test_rating_text():
    suffixed = 0
    for s in range(1000):
        winner = "AB"[s % 2]
        q, a = _rate(winner, NR, seed=s)
        loser = "B" if winner == "A" else "A"
        assert f"Image {winner}" in a and f"Image {loser}" not in a
        assert not REFERENCE_WORDS.search(q)
        if q.endswith(SHORT_ANSWER_SUFFIX):
            suffixed += 1
            assert a == f"Image {winner}"
        else:
            assert a.endswith(".") and a[0].isupper()
    assert 450 < suffixed < 550
    assert all(_rate("A", split="test", seed=s) [1] == "Image A" for s in range(100))
    assert _rate("B", seed=3) == _rate("B", seed=3)
    with pytest.raises(ValueError, match="winner must be 'A' or 'B'"):
        _rate("C")
    with pytest.raises(ValueError, match="setting"):
        _rate("A", setting="nr")


# -- detailed-task questions ----------------------------------------------------------------------

@pytest.mark.parametrize("fn, pool", [(brief.assessment_question, ASSESSMENT),
                                      (brief.comparison_question, COMPARISON)])
def test_detailed_questions(fn, pool):
    nr = {fn(NR, np.random.default_rng(s)) for s in range(400)}
    assert nr == {for_setting(q, NR) for q in pool}
    assert not any(REFERENCE_WORDS.search(q) for q in nr)
    assert fn(FR, np.random.default_rng(9)) == fn(FR, np.random.default_rng(9))
    assert any("reference" in fn(FR, np.random.default_rng(s)) for s in range(20))


# -- properties over random label lists ----------------------------------------------------------

CATS = sorted(GT_NAMES)


@settings(max_examples=150, deadline=None)
@given(cats=st.lists(st.sampled_from(CATS), max_size=3, unique=True),
       setting=st.sampled_from(SETTINGS), split=st.sampled_from(["train", "test", "val"]),
       seed=st.integers(0, 2**32 - 1))
def test_identification_properties(cats, setting, split, seed):
    labels = [label(c) for c in cats]
    q, a = brief.identification_text(labels, GT_NAMES, setting, split, np.random.default_rng(seed))
    base, short = _strip_suffix(q)
    names = [GT_NAMES[c] for c in cats]
    if split != "train":
        assert short and base not in COUNTED[setting]
    if setting == NR:
        assert not REFERENCE_WORDS.search(q)
    if not names:
        assert a == (PRISTINE_SHORT_ANSWER if short else PRISTINE_ANSWER)
    elif short:
        assert a == join_names(names)[0].upper() + join_names(names)[1:]
    else:
        assert join_names(names) in a and a.endswith(".")
    if base in COUNTED[setting]:
        assert split == "train" and names
        assert ("one distortion" in base) == (len(names) == 1)
    assert (q, a) == brief.identification_text(labels, GT_NAMES, setting, split,
                                               np.random.default_rng(seed))
