"""quality_scoring: question pools, library and MOS scores, records in both settings from a
real build, loading with ``datasets``, LLaVA / DepictQA exports, the card and ``stats``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from flowkit import tiny
from iqa_datagen.generators.brief import scoring_text
from iqa_datagen.generators.mos import MosEntry, fit_standards
from iqa_datagen.generators.quality import library_common, library_score, mos_score
from iqa_datagen.generators.questions import SCORING, SHORT_ANSWER_SUFFIX, for_setting
from iqa_datagen.schemas import SCORE_SCALES
from iqa_datagen.seeding import rng_for
from iqa_datagen.tasks import REFERENCE_WORDS

FIVE = SCORE_SCALES["five"]


def test_pool_has_twenty_questions_per_setting_in_both_forms():
    for setting in ("full_reference", "no_reference"):
        questions = {for_setting(e.question, setting) for e in SCORING}
        assert len(questions) >= 20, setting
    assert not any(REFERENCE_WORDS.search(for_setting(e.question, "no_reference"))
                   for e in SCORING)
    assert all("{level}" in e.answer for e in SCORING)
    differ = sum(for_setting(e.question, "full_reference")
                 != for_setting(e.question, "no_reference") for e in SCORING)
    assert differ >= 20


def test_half_of_training_questions_get_the_short_answer_suffix():
    short = 0
    for i in range(400):
        q, a = scoring_text("good", FIVE, "no_reference", "train", rng_for(0, "t", i))
        if q.endswith(SHORT_ANSWER_SUFFIX):
            short += 1
            assert a == "Good"
        else:
            assert "good" in a and a[0].isupper()
        assert "bad, poor, fair, good, excellent" in q
    assert 160 <= short <= 240
    q, a = scoring_text("poor", FIVE, "full_reference", "test", rng_for(0, "t", 1))
    assert q.endswith(SHORT_ANSWER_SUFFIX) and a == "Poor"
    with pytest.raises(ValueError, match="not one of"):
        scoring_text("perfect", FIVE, "no_reference", "train", rng_for(0, "t", 1))


def test_library_scores_by_hand_and_monotone_in_severity():
    assert library_score([]).score == 5.0 and library_score([]).level == "excellent"
    assert library_score([], "seven").level == "perfect"
    # worst level 2 → c = 90 - 40 = 50 → 1 + 4 · 0.5 = 3 "fair"; a second distortion → 40.
    assert (library_score([2]).score, library_score([2]).level) == (3.0, "fair")
    assert library_score([1, 2]).score == pytest.approx(2.6)
    assert library_score([5, 5]).score == 1.0 and library_score([5]).level == "bad"
    combos = [[]] + [[a] for a in range(1, 6)] + [[a, b] for a in range(1, 6)
                                                for b in range(1, 6)]
    for x in combos:  # one more distortion, or one level up, never scores higher
        for extra in range(1, 6):
            assert library_common(x + [extra]) <= library_common(x), (x, extra)
        if x and x[0] < 5:
            assert library_common([x[0] + 1] + x[1:]) <= library_common(x), x
    q = library_score([3])
    assert q.score_source == "library" and q.protocol.method is None
    assert "no human ratings" in q.protocol.original_scale


def test_mos_scores_name_their_source_and_protocol():
    kadid = [MosEntry("kadid10k", Path("r.png"), Path(f"d{i}.png"), s, True)
             for i, s in enumerate((1.0, 2.0, 3.0))]
    std = fit_standards(kadid)["kadid10k"]
    q = mos_score(kadid[2], std, "kadid10k", observed=(1.0, 3.0))
    assert q.score_source == "mos:kadid10k" and q.level == "good"
    assert q.protocol.method == "double_stimulus" and q.protocol.raters == 30
    assert q.protocol.original_scale.endswith("higher is better, 1 to 3 in this data")
    labelled = [MosEntry("labels", Path(f"i{i}.png"), Path(f"i{i}.png"), s, True, None, None,
                         answers)
                for i, (s, answers) in enumerate([(3.0, (3, 3, 2, 3)), (5.0, (5, 5, 5, 5))])]
    std = fit_standards(labelled)["labels"]
    q = mos_score(labelled[0], std, "labeller", scale="seven")
    assert q.score_source == "labeller" and q.protocol.method == "model"
    assert q.protocol.raters == 4 and q.instability == pytest.approx(0.25)
    assert len(q.distribution) == 7 and sum(q.distribution) == pytest.approx(1)


# -- builds ----------------------------------------------------------------------------------------

def _rows(out: Path, task: str = "quality_scoring") -> list[dict]:
    return [row for p in sorted((out / "data").rglob("*.parquet"))
            for row in pq.read_table(p).to_pylist() if row["task"] == task]


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_demo_style_build_has_scores_in_both_settings_and_exports(tmp_path):
    import datasets

    from iqa_datagen.flows import build_dataset
    from iqa_datagen.storage import dataset_stats, export_dataset

    out = tmp_path / "ds"
    build_dataset(out=str(out), config=tiny(tasks={"identification": 0, "instant_rating": 0,
                                                   "assessment": 0, "comparison": 0,
                                                   "quality_scoring": 3}))
    rows = _rows(out)
    assert {r["setting"] for r in rows} == {"full_reference", "no_reference"}
    for r in rows:
        q = r["quality"]
        assert q["score_source"] == "library" and q["scale"] == "five"
        assert q["level"] in FIVE
        assert q["level"] in r["response"].lower()
        expected = library_score([d["level"] for d in r["distortions_a"]])
        assert (q["level"], q["score"]) == (expected.level, pytest.approx(expected.score))
    ds = datasets.load_dataset("parquet", data_files=str(out / "data/*/*.parquet"),
                               split="train")
    got = [x for x in ds if x["task"] == "quality_scoring"]
    assert len(got) == len(rows) and got[0]["quality"]["level"] in FIVE
    for fmt in ("llava", "depictqa"):
        export_dataset(out, fmt, tmp_path / fmt)
        items = [json.loads(p.read_text()) for p in (tmp_path / fmt).rglob("*.json")]
        flat = [i for group in items for i in (group if isinstance(group, list) else [])]
        ids = {i["id"] for i in flat}
        assert {r["id"] for r in rows} <= ids, fmt
    stats = dataset_stats(out)
    assert stats["quality_scores"]["library"]["records"] == len(rows)
    card = (out / "README.md").read_text()
    assert "## Quality scores" in card and "monotone in distortion severity" in card
    assert (out / "stats" / "quality_scores.png").is_file()


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_mos_and_labeller_sources_score_their_own_images(tmp_path):
    from PIL import Image

    from iqa_datagen.flows import build_dataset

    def write_image(path: Path, value: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((48, 48, 3), value, np.uint8)).save(path)

    root = tmp_path / "mos"
    rows = []
    for r in range(2):  # two references, three rated versions each; lower is better (DMOS)
        write_image(root / f"ref{r}.png", 200)
        for k, dmos in enumerate((10.0, 20.0, 30.0)):
            write_image(root / f"d{r}_{k}.png", 200 - 40 * k)
            rows.append(f"ref{r}.png,d{r}_{k}.png,{dmos},false")
    (root / "mos.csv").write_text("reference,distorted,score,higher_is_better\n"
                                  + "\n".join(rows) + "\n")
    labels = tmp_path / "labels"
    for i in range(3):
        write_image(labels / f"img{i}.png", 60 + 60 * i)
    (labels / "labels.csv").write_text(
        "image,score,score_std,answers,unstable\n"
        "img0.png,2.0,0.0,2 2 2 2,false\nimg1.png,4.0,0.5,4 4 5 4,false\n"
        "img2.png,6.0,0.0,6 6 6 6,false\n")
    out = tmp_path / "ds"
    config = tiny(
        references={"limit": 2, "short_side": 64},
        tasks={"identification": 0, "instant_rating": 0, "assessment": 0, "comparison": 0,
               "quality_scoring": 1, "score_scale": "seven"},
        mos=[{"kind": "csv", "root": str(root)},
             {"kind": "labeller", "root": str(labels / "labels.csv")}])
    build_dataset(out=str(out), config=config)
    rows = _rows(out)
    # --dry-run's plan counts the same records: the rated images, no library scores
    from iqa_datagen.config import BuildConfig
    from iqa_datagen.pipeline.plan import build_plan

    built: dict = {}
    for path in (out / "data").rglob("*.parquet"):
        for r in pq.read_table(path, columns=["task", "setting"]).to_pylist():
            per_task = built.setdefault(r["task"], {"full_reference": 0, "no_reference": 0})
            per_task[r["setting"]] += 1
    plan = build_plan(BuildConfig.model_validate(config))
    assert plan.records == built  # rated images score; MOS pairs rate; no library records
    assert plan.mos_pairs == built["instant_rating"]["full_reference"]
    by_source = {}
    for r in rows:
        by_source.setdefault(r["quality"]["score_source"], []).append(r)
    # No library scores when MOS sources rate images; every rated image scored once per setting.
    assert set(by_source) == {"mos:mos", "labeller"}
    assert len(by_source["mos:mos"]) == 6 * 2 and len(by_source["labeller"]) == 3
    assert {r["setting"] for r in by_source["labeller"]} == {"no_reference"}
    # DMOS 10 / 20 / 30 in each reference → z = +1.118, 0, -1.118 (sample std √80 over six)
    # → flipped, the smallest DMOS scores highest on the seven-level scale.
    scores = {r["image_a"]["path"]: r["quality"]["score"] for r in by_source["mos:mos"]
              if r["setting"] == "no_reference"}
    ordered = [scores[k] for k in sorted(scores)]
    assert ordered[0] > ordered[1] > ordered[2] and ordered[3] > ordered[4] > ordered[5]
    assert ordered[1] == pytest.approx(4.0)  # the dataset mean sits mid-scale
    top = by_source["labeller"]
    inst = sorted(r["quality"]["instability"] for r in top)
    assert inst == [0.0, 0.0, pytest.approx(0.25)]
    assert all(r["quality"]["protocol"]["method"] == "model" for r in top)
    for r in rows:
        assert r["quality"]["level"] in r["response"].lower()
    # Each record says where its image came from, relative to its source, and how it was rated.
    for r in by_source["mos:mos"]:
        ctx = r["context"]
        assert ctx["source"] == "mos:mos" and ctx["path"] in ("ref0.png", "ref1.png")
        assert len(ctx["distorted_paths"]) == 1 and ctx["distorted_paths"][0].startswith("d")
        assert ctx["rating"]["higher_is_better"] is False and ctx["width"] == 48
    for r in top:  # no reference: the rated image is its own context
        ctx = r["context"]
        assert ctx["source"] == r["provenance"]["source"] and ctx["source"].startswith("mos:")
        assert ctx["distorted_paths"] == [ctx["path"]]
