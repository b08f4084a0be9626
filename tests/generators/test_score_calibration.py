"""The library's calibrated quality scores: the isotonic map from assistant full-reference
scores to the common scale (hand-computed fits), the scores and card notes it gives, and a real
build whose library records are scored through a map fitted on a miniature MOS source."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from flowkit import tiny
from iqa_datagen.generators.quality import (LIBRARY_SCALE, ScoreCalibration, calibrated_score,
                                            common_of, library_score)
from iqa_datagen.storage.quality_stats import CALIBRATED_NOTE, LIBRARY_NOTE, library_notes


def test_isotonic_fit_pools_violators_by_hand():
    # 10, 30, 20, 40, 35 at 1..5: (30, 20) pool to 25 and (40, 35) to 37.5.
    cal = ScoreCalibration.fit([1, 2, 3, 4, 5], [10, 30, 20, 40, 35], ["a"] * 5)
    assert cal.knots == (1, 2, 3, 4, 5)
    assert cal.values == pytest.approx((10, 25, 25, 37.5, 37.5))
    assert cal(1) == 10 and cal(2.5) == 25 and cal(3.5) == pytest.approx(31.25)
    assert cal(-7) == 10 and cal(99) == 37.5  # flat beyond the ends
    assert (cal.datasets, cal.pairs) == (("a",), 5)


def test_equal_assistant_scores_pool_first_weighted_by_count():
    # x = 1 twice (0, 20 → 10, weight 2), x = 2 once (5): violators → (2·10 + 5) / 3.
    cal = ScoreCalibration.fit([1, 2, 1], [0, 5, 20], ["b", "a", "b"])
    assert cal.knots == (1, 2)
    assert cal.values == pytest.approx((25 / 3, 25 / 3))
    assert cal.datasets == ("a", "b") and cal.pairs == 3


def test_fit_is_monotone_and_order_free_on_noisy_scores():
    rng = np.random.default_rng(3)
    x = rng.normal(size=200)
    y = np.clip(50 + 15 * x + rng.normal(scale=10, size=200), 0, 100)
    cal = ScoreCalibration.fit(x, y, ["d"] * 200)
    grid = np.linspace(-4, 4, 101)
    mapped = [cal(v) for v in grid]
    assert all(b >= a for a, b in zip(mapped, mapped[1:]))
    assert all(0 <= v <= 100 for v in mapped)
    order = rng.permutation(200)
    assert ScoreCalibration.fit(x[order], y[order], ["d"] * 200) == cal
    assert ScoreCalibration.from_dict(json.loads(json.dumps(cal.to_dict()))) == cal


def test_fit_refuses_too_few_or_bad_pairs():
    with pytest.raises(ValueError, match="at least two"):
        ScoreCalibration.fit([1.0], [50.0], ["a"])
    with pytest.raises(ValueError, match="finite"):
        ScoreCalibration.fit([1.0, float("nan")], [50.0, 60.0], ["a", "a"])


def test_calibrated_scores_name_the_source_and_put_pristine_on_top():
    cal = ScoreCalibration.fit([0, 1, 2], [10, 50, 90], ["kadid10k", "kadid10k", "csiq"])
    q = calibrated_score(1.5, cal)  # common 70 → 3.8 on five levels, "good" (60..80)
    assert (q.score, q.level, q.score_source) == (pytest.approx(3.8), "good", "library")
    assert q.protocol.original_scale.startswith(
        "assistant full-reference score calibrated on csiq, kadid10k")
    assert common_of(q) == pytest.approx(70)
    top = calibrated_score(None, cal, "seven")
    assert (top.score, top.level) == (7.0, "perfect")
    assert calibrated_score(-5, cal, cuts=[5, 20, 40, 60]).level == "poor"  # common 10


def test_card_notes_say_how_library_scores_were_made():
    plain = library_score([2]).protocol.original_scale
    assert plain == LIBRARY_SCALE
    assert library_notes({"records": 3}) == [LIBRARY_NOTE]  # older summaries: no scales kept
    cal = ScoreCalibration.fit([0, 1], [20, 80], ["mos"])
    notes = library_notes({"records": 5, "original_scales": {cal.original_scale: 5}})
    assert notes == [CALIBRATED_NOTE.format(scales=cal.original_scale)]
    both = library_notes({"records": 5, "original_scales": {cal.original_scale: 2, plain: 3}})
    assert both[0] == LIBRARY_NOTE and "calibrated on mos" in both[1]


def _write(path: Path, image: np.ndarray) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(path)


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_build_scores_library_images_through_the_calibration_fitted_on_mos(tmp_path):
    from PIL import Image

    from iqa_datagen.assistant import load_assistant
    from iqa_datagen.flows import build_dataset

    root = tmp_path / "mos"
    rows = []
    rng = np.random.default_rng(0)
    for r in range(2):  # two textured references, three noisier versions each (DMOS rises)
        ref = rng.integers(0, 256, (48, 48, 3)).astype(np.uint8)
        _write(root / f"ref{r}.png", ref)
        for k, dmos in enumerate((10.0, 20.0, 30.0)):
            noise = rng.normal(scale=40 * k, size=ref.shape)
            _write(root / f"d{r}_{k}.png", np.clip(ref + noise, 0, 255).astype(np.uint8))
            rows.append(f"ref{r}.png,d{r}_{k}.png,{dmos},false")
    (root / "mos.csv").write_text("reference,distorted,score,higher_is_better\n"
                                  + "\n".join(rows) + "\n")
    out = tmp_path / "ds"
    config = tiny(
        references={"limit": 3, "short_side": 64},
        tasks={"identification": 0, "instant_rating": 0, "assessment": 0, "comparison": 1,
               "quality_scoring": 2, "pristine_share": 0.3},
        assistant={"enabled": True, "epochs": 1, "pairs_per_reference": 4,
                   "cross_pairs_per_reference": 0},
        expansion={"mode": "off"},
        mos=[{"kind": "csv", "root": str(root), "split": "train"}])
    summary = build_dataset(out=str(out), config=config)
    fitted = summary["assistant"]["score_calibration"]
    assert fitted["datasets"] == ["mos"] and fitted["pairs"] == 6
    cal = ScoreCalibration.from_dict(json.loads(Path(fitted["file"]).read_text()))
    assert all(b >= a for a, b in zip(cal.values, cal.values[1:]))
    rows = [r for p in (out / "data").rglob("*.parquet") for r in pq.read_table(p).to_pylist()
            if r["task"] == "quality_scoring"]
    library = [r for r in rows if r["quality"]["score_source"] == "library"]
    assert {r["quality"]["score_source"] for r in rows} == {"library", "mos:mos"}
    assert len(rows) - len(library) == 6 * 2  # every rated image, in both settings
    # --dry-run's plan counts them too: library records next to the rated images (exact in
    # full reference; no reference is an upper bound, its filter may drop some)
    from iqa_datagen.config import BuildConfig
    from iqa_datagen.pipeline.plan import build_plan

    planned = build_plan(BuildConfig.model_validate(config)).records["quality_scoring"]
    assert planned["full_reference"] == sum(r["setting"] == "full_reference" for r in rows)
    assert planned["no_reference"] >= sum(r["setting"] == "no_reference" for r in rows)
    # Every library score is the fitted map of the assistant's score, which the build's
    # assistant/ folder reproduces from the record's own images.
    model = load_assistant(out / "assistant")
    decode = lambda f: np.asarray(Image.open(io.BytesIO(f["bytes"])).convert("RGB"))  # noqa
    distorted = [r for r in library if r["distortions_a"] and r["setting"] == "full_reference"]
    pristine = [r for r in library if not r["distortions_a"]]
    assert distorted and pristine
    fr = model.scores([(decode(r["image_ref"]), decode(r["image_a"])) for r in distorted])
    for r, s in zip(distorted, fr):
        q = r["quality"]
        assert q["score"] == pytest.approx(calibrated_score(float(s), cal).score, abs=1e-4)
        assert q["protocol"]["original_scale"] == cal.original_scale
        assert "calibrated on mos" in r["provenance"]["notes"]
    assert all(r["quality"]["score"] == 5.0 and r["quality"]["level"] == "excellent"
               for r in pristine)
    card = (out / "README.md").read_text()
    assert "isotonic fit on rated MOS images" in card and LIBRARY_NOTE not in card


def test_no_rated_training_images_means_no_calibration_and_no_stale_file(tmp_path):
    from iqa_datagen.config import BuildConfig
    from iqa_datagen.pipeline.calibration import (CALIBRATION_FILE, fit_for_build,
                                                  load_calibration)

    checkpoint = tmp_path / "best.pt"  # never loaded: there is nothing to fit on
    stale = tmp_path / CALIBRATION_FILE
    stale.write_text(json.dumps(ScoreCalibration.fit([0, 1], [0, 100], ["old"]).to_dict()))
    assert load_calibration(checkpoint).datasets == ("old",)
    assert fit_for_build(BuildConfig(), [], checkpoint) is None
    assert not stale.exists() and load_calibration(checkpoint) is None
