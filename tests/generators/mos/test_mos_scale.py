"""Per-dataset z-scores onto one scale, levels and level distributions, checked by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from iqa_datagen.generators.mos import MosEntry, fit_standards, scale_entries, scale_entry


def entry(dataset, name, score, higher, ratings=(), std=None):
    p = Path(f"/{dataset}/{name}.png")
    return MosEntry(dataset, Path(f"/{dataset}/ref.png"), p, score, higher, None, std,
                    tuple(ratings))


# A: a MOS where higher is better, 1..3, the first image with its three ratings 0, 1, 2.
# B: a DMOS where lower is better, 10..30.
A = [entry("A", "a1", 1.0, True, ratings=(0.0, 1.0, 2.0)), entry("A", "a2", 2.0, True),
     entry("A", "a3", 3.0, True)]
B = [entry("B", "b1", 10.0, False), entry("B", "b2", 20.0, False, std=5.0),
     entry("B", "b3", 30.0, False)]


def test_two_datasets_of_opposite_direction_by_hand():
    scaled = scale_entries(A + B, "five")
    # A: mean 2, std 1 → z -1, 0, 1 → common 100 (z + 3) / 6 = 33.3, 50, 66.7
    #    → five-level score 1 + 4 c / 100 = 2.333, 3, 3.667; bins of 20 → poor, fair, good.
    assert [s.common for s in scaled[:3]] == pytest.approx([100 / 3, 50, 200 / 3])
    assert [s.score for s in scaled[:3]] == pytest.approx([7 / 3, 3, 11 / 3])
    assert [s.level for s in scaled[:3]] == ["poor", "fair", "good"]
    # B is flipped: the smallest DMOS (10) is the best image → z 1, 0, -1.
    assert [s.score for s in scaled[3:]] == pytest.approx([11 / 3, 3, 7 / 3])
    assert [s.level for s in scaled[3:]] == ["good", "fair", "poor"]
    # Ratings 0, 1, 2 of a1 → z -2, -1, 0 → common 16.7, 33.3, 50 → bad, poor, fair.
    a1 = scaled[0]
    assert a1.distribution == pytest.approx((1 / 3, 1 / 3, 1 / 3, 0, 0)) and a1.raters == 3
    # On the scale the ratings are 1.667, 2.333, 3 → sample std 2/3.
    assert a1.score_std == pytest.approx(2 / 3)
    # b2's std 5 DMOS units = 0.5 dataset std = 0.5 * 4 / 6 on the five-level scale.
    assert scaled[4].score_std == pytest.approx(1 / 3) and scaled[4].distribution is None


def test_seven_levels_and_configured_cuts():
    standards = fit_standards(B)
    # On seven levels: 1 + 6 c / 100 = 5, 4, 3 → good, fair, bad (the labeller's standard).
    got = [scale_entry(e, standards["B"], "seven") for e in B]
    assert [g.score for g in got] == pytest.approx([5, 4, 3])
    assert [g.level for g in got] == ["good", "fair", "bad"]
    # Cut points move the level, not the score: with cuts at 10/30/55/90, c = 66.7 is "good",
    # 50 is "fair", and 33.3 is "fair" too.
    custom = [scale_entry(e, standards["B"], "five", cuts=[10, 30, 55, 90]) for e in B]
    assert [g.level for g in custom] == ["good", "fair", "fair"]
    assert custom[0].score == pytest.approx(11 / 3)


def test_bad_inputs_fail_loudly():
    with pytest.raises(ValueError, match="one image"):
        fit_standards(A[:1])
    with pytest.raises(ValueError, match="same score"):
        fit_standards([entry("C", "c1", 1, True), entry("C", "c2", 1, True)])
    with pytest.raises(ValueError, match="cut points"):
        scale_entry(A[0], fit_standards(A)["A"], "five", cuts=[10, 5, 60, 70])
    with pytest.raises(ValueError, match="unknown score scale"):
        scale_entry(A[0], fit_standards(A)["A"], "ten")


def test_raw_ratings_keep_their_distribution(tmp_path):
    from iqa_datagen.generators.mos import load_mos

    # Three subjects whose ratings z-score alike (-1, 0, 1 each): every image's raters agree,
    # so each distribution is one level: poor, fair, good on five levels.
    ratings = {"s1": (1, 2, 3), "s2": (2, 3, 4), "s3": (1, 3, 5)}
    lines = ["reference,distorted,subject,rating"]
    for subject, values in ratings.items():
        for i, r in enumerate(values):
            lines.append(f"ref.png,d{i}.png,{subject},{r}")
    (tmp_path / "ratings.csv").write_text("\n".join(lines) + "\n")
    entries = load_mos("raw_csv", tmp_path, check_files=False)
    assert [len(e.ratings) for e in entries] == [3, 3, 3]
    scaled = scale_entries(entries, "five")
    assert [s.level for s in scaled] == ["poor", "fair", "good"]
    assert [s.distribution for s in scaled] == [(0, 1, 0, 0, 0), (0, 0, 1, 0, 0),
                                                (0, 0, 0, 1, 0)]
    assert all(s.raters == 3 and s.score_std == pytest.approx(0) for s in scaled)
