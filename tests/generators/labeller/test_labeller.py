"""The zero-shot labeller end to end against the local fake OpenAI server (real HTTP).

The fake server scores an image by its brightness, ``1 + round(6 * mean / 255)``, so every
expected number below is worked out by hand from images made of flat blocks.
"""

from __future__ import annotations

import csv
import json
import secrets
from pathlib import Path

import cv2
import numpy as np
import pytest

from iqa_datagen.cli import main as cli_main
from iqa_datagen.generators.labeller import (LabelConfig, instability, label_images,
                                             read_score, run_report, segment,
                                             write_labels_csv)
from iqa_datagen.generators.llm import LLMConfig
from iqa_datagen.generators.mos import load_mos
from iqa_datagen.testing import Behaviour, FakeOpenAIServer

KEY = "sk-label-" + secrets.token_hex(8)


@pytest.fixture(scope="module")
def server():
    with FakeOpenAIServer(api_key=KEY) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _clean(server):
    server.reset_counts()
    yield
    assert server.pending_script == 0, "a scripted behaviour was not consumed"


def _write(path: Path, image: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    return path


def halves() -> np.ndarray:
    """96×128: the left quarter at 51 (fake score 2), the rest at 204 (score 6); whole image
    mean 165.75 → 1 + round(3.9) = 5."""
    img = np.full((96, 128, 3), 204, np.uint8)
    img[:, :32] = 51
    return img


def flat(value: int) -> np.ndarray:
    return np.full((96, 128, 3), value, np.uint8)


def llm(server, tmp_path, **kw) -> LLMConfig:
    options = {"model": "fake", "max_tokens": 16, "cache_dir": str(tmp_path / "cache"), **kw}
    return LLMConfig(base_url=server.base_url, api_key=server.api_key, **options)


def rows(path: Path) -> dict[str, dict]:
    with open(path, newline="") as f:
        return {r["image"]: r for r in csv.DictReader(f)}


def test_segments_cover_the_image_and_crops_keep_original_pixels():
    seg = segment(halves(), min_area=0.05, min_crop=32)
    assert seg.regions == 2
    assert sorted(u.area for u in seg.units) == [0.25, 0.75]
    assert sorted(u.box for u in seg.units) == [(0, 96, 0, 32), (0, 96, 32, 128)]
    # A 32 px wide region widened to 64 px takes the image's own pixels, never black.
    narrow = next(u for u in segment(halves(), min_crop=64).units if u.area == 0.25)
    crop = narrow.crop(halves())
    assert crop.shape == (96, 64, 3)
    assert set(np.unique(crop)) == {51, 204}


def test_read_score_accepts_only_a_score():
    assert read_score("5")[0] == 5
    assert read_score("Score: 6/7")[0] == 6
    assert read_score("4 - Fair")[0] == 4
    assert read_score("Very bad.")[0] == 1
    for text in ("I'm sorry, I can't rate images.", "9", "5: Poor", "between 3 and 4", ""):
        score, reasons = read_score(text)
        assert score is None and reasons, text
    assert read_score("5", "length")[0] is None


def test_instability_by_hand():
    assert instability([5, 5, 4, 5, 3]) == pytest.approx(0.4)
    assert instability([2, 2, 2]) == 0.0
    assert instability([1, 2]) == 0.5


def test_aggregation_by_hand_and_rerun_sends_nothing(server, tmp_path):
    images = tmp_path / "images"
    _write(images / "halves.png", halves())
    _write(images / "flat.png", flat(100))  # 6 * 100 / 255 = 2.35 → score 3; one region
    out = tmp_path / "labels.csv"
    config = LabelConfig(asks=2, min_crop=32, segment_weight=0.5)
    result = label_images(images, llm(server, tmp_path), config)
    write_labels_csv(result["labels"], out)
    got = rows(out)
    h, f = got["images/halves.png"], got["images/flat.png"]
    # halves: global 5; local 0.25 * 2 + 0.75 * 6 = 5; two regions of at most two → + 0.5.
    assert float(h["global_score"]) == 5 and float(h["local_score"]) == 5
    assert float(h["score"]) == pytest.approx(5 + 0.5 * 2 / 2)
    assert (h["regions"], h["answers"], h["unstable"]) == ("2", "5 5", "false")
    # flat: its one region is the whole image, asked about once: global = local = 3.
    assert float(f["score"]) == pytest.approx(3 + 0.5 * 1 / 2, abs=1e-4)
    # Requests: halves 3 crops (whole, left, right) × 2 asks; flat 1 crop × 2 asks.
    assert server.counts["chat.completions"] == 8
    first = out.read_text()
    server.reset_counts()
    # chunking (how many images are prepared and asked about together) changes nothing
    again = label_images(images, llm(server, tmp_path), config.model_copy(update={"chunk": 1}))
    write_labels_csv(again["labels"], out)
    assert server.counts.get("chat.completions", 0) == 0
    assert again["usage"].cache_hits == 8
    assert out.read_text() == first
    # The CSV is a MOS source.
    entries = {e.distorted.name: e for e in load_mos("labeller", out)}
    assert entries["halves.png"].score == pytest.approx(5.5)
    assert entries["halves.png"].ratings == (5.0, 5.0)
    assert not entries["flat.png"].has_reference


def test_refusal_and_non_numeric_replies_are_retried_then_rejected(server, tmp_path):
    images = tmp_path / "images"
    _write(images / "a.png", flat(100))
    server.script(["refusal", Behaviour("text", text="It looks quite nice.")])
    result = label_images(images, llm(server, tmp_path, max_attempts=3), LabelConfig(asks=1))
    (label,) = result["labels"]
    assert label.score == pytest.approx(3 + 0.5) and label.answers == [3]
    assert server.counts["chat.completions"] == 3 and result["usage"].rejected == 2

    bad = tmp_path / "bad"
    _write(bad / "b.png", flat(100))
    server.script(["refusal", Behaviour("text", text="9"),
                   Behaviour("text", text="Somewhere between 4 and 5.")])
    result = label_images(bad, llm(server, tmp_path, max_attempts=3), LabelConfig(asks=1))
    (label,) = result["labels"]
    assert label.score is None
    assert "no usable score for the whole image" in label.error
    assert "outside 1..7" in label.error and "not a score" in label.error
    report = run_report(result, LabelConfig(asks=1), "fake")
    assert report["labelled"] == 0 and report["rejected"][0]["image"] == "b.png"


def test_instability_is_reported_and_flagged(server, tmp_path):
    images = tmp_path / "images"
    _write(images / "a.png", flat(100))
    server.script([Behaviour("text", text=t) for t in ("5", "5", "4", "5", "3")])
    result = label_images(images, llm(server, tmp_path, concurrency=1), LabelConfig(asks=5))
    (label,) = result["labels"]
    assert sorted(label.answers) == [3, 4, 5, 5, 5]
    assert label.instability == pytest.approx(0.4) and label.unstable
    assert label.global_score == pytest.approx(4.4)
    assert label.score_std == pytest.approx(np.std([5, 5, 4, 5, 3], ddof=1))
    report = run_report(result, LabelConfig(asks=5), "fake")
    assert report["unstable"] == ["a.png"] and report["instability"]["mean"] == 0.4


def test_cli_writes_csv_and_report(server, tmp_path, monkeypatch, capsys):
    images = tmp_path / "images"
    _write(images / "halves.png", halves())
    monkeypatch.setenv("OPENAI_API_KEY", server.api_key)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    out = tmp_path / "out" / "labels.csv"
    code = cli_main(["label", "--images", str(images), "--out", str(out), "--asks", "2",
                     "--model", "fake", "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["labelled"] == 1 and summary["rows"] == 1
    report = json.loads((tmp_path / "out" / "labels.report.json").read_text())
    assert report["llm"]["requests"] == summary["llm"]["requests"] > 0
    assert server.api_key not in out.read_text() + json.dumps(report)
    assert (tmp_path / "out" / "labels.cache").is_dir()


def test_cli_exits_6_when_an_image_gets_no_score(server, tmp_path, monkeypatch, capsys):
    """An image without a usable answer is a missing result (exit 6, as a build's missing
    samples), not a crash (exit 1 means a bug)."""
    _write(tmp_path / "images" / "a.png", flat(100))
    monkeypatch.setenv("OPENAI_API_KEY", server.api_key)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    server.script(["refusal", Behaviour("text", text="9"), Behaviour("text", text="no idea")])
    code = cli_main(["label", "--images", str(tmp_path / "images"), "--out",
                     str(tmp_path / "labels.csv"), "--asks", "1", "--model", "fake"])
    err = capsys.readouterr().err
    assert code == 6 and "1 image(s) could not be scored" in err and "rerun" in err


def test_cli_without_a_model_is_a_clear_error(tmp_path, monkeypatch, capsys):
    _write(tmp_path / "images" / "a.png", flat(100))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    code = cli_main(["label", "--images", str(tmp_path / "images"),
                     "--out", str(tmp_path / "labels.csv")])
    err = capsys.readouterr().err
    assert code == 2 and "no offline mode" in err and "OPENAI_API_KEY" in err
    assert not (tmp_path / "labels.csv").exists()
