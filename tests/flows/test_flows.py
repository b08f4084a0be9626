"""The Prefect flows end to end on a tiny config, through real flow runs on a test server."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from flowkit import file_digests, fingerprint, tiny

pytestmark = [pytest.mark.usefixtures("prefect_server"), pytest.mark.slow]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict]:
    """One tiny build shared by the tests that only read it (or copy it first)."""
    from iqa_datagen.flows import build_dataset

    out = tmp_path_factory.mktemp("built") / "ds"
    summary = build_dataset(out=str(out), config=tiny())
    return out, summary


def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "copy"
    shutil.copytree(src, dst)
    return dst


# -- build -----------------------------------------------------------------------------------------

def test_build_makes_every_task_and_setting_with_manifest_and_card(built):
    out, summary = built
    counts = json.loads((out / "manifest.json").read_text())["counts"]
    made = {(task, setting) for split in counts.values() for task, settings in split.items()
            for setting, c in settings.items() if c["total"] > 0}
    tasks = ("distortion_identification", "instant_rating", "assessment_reasoning",
             "comparison_reasoning", "quality_scoring", "qa_expansion")
    assert made == {(t, s) for t in tasks for s in ("full_reference", "no_reference")}
    for setting in ("full_reference", "no_reference"):  # single and paired distortions
        for kind in ("single", "multi"):
            assert sum(counts[split]["distortion_identification"][setting][kind]
                       for split in counts) > 0, (setting, kind)
    assert summary["references"] == 8 and summary["shards"] == 3
    assert summary["records_total"] == summary["rows"]["rows"] > 100
    card = (out / "README.md").read_text()
    assert card.count("Distortion identification") >= 2
    assert "## Context" in card and "skimage.data (8)" in card
    contexts = [c for p in (out / "data").rglob("*.parquet")
                for c in pq.read_table(p, columns=["context"]).column("context").to_pylist()]
    assert len(contexts) == summary["rows"]["rows"] and all(contexts)  # every record has one
    assert {c["source"] for c in contexts} == {"skimage.data"}
    from iqa_datagen.storage import verify_manifest

    assert verify_manifest(out) == []


def test_build_loads_with_hf_datasets_and_images_decode(built):
    import datasets

    out, _ = built
    ds = datasets.load_dataset("parquet", data_files={
        "train": str(out / "data/train/*.parquet"), "test": str(out / "data/test/*.parquet")})
    row = ds["train"][0]
    assert row["image_a"].size[0] > 0 and min(row["image_a"].size) == 96
    assert ds["train"].num_rows + ds["test"].num_rows == built[1]["records_total"]


def test_plain_python_build_gives_the_flows_dataset(built, tmp_path):
    """pipeline.build runs the same steps without Prefect: the same records, the same summary."""
    from iqa_datagen import pipeline

    out, summary = built
    plain = pipeline.build(tiny(), out=str(tmp_path / "plain"))
    assert fingerprint(tmp_path / "plain") == fingerprint(out)
    assert plain["records_total"] == summary["records_total"]
    assert plain["rows"] == summary["rows"] and plain["shards"] == summary["shards"]


def test_no_reference_group_in_two_splits(built):
    out, _ = built
    splits_of = defaultdict(set)
    for path in (out / "data").rglob("*.parquet"):
        t = pq.read_table(path, columns=["reference_group", "split"]).to_pylist()
        for r in t:
            splits_of[r["reference_group"]].add(r["split"])
    assert splits_of and all(len(s) == 1 for s in splits_of.values())
    assert {s for v in splits_of.values() for s in v} == {"train", "test"}


def test_same_config_gives_same_dataset_whatever_the_shard_size(built, tmp_path):
    from iqa_datagen.flows import build_dataset

    out, _ = built
    other = tmp_path / "again"
    build_dataset(out=str(other), config=tiny(run={"shard_size": 5}))
    assert fingerprint(other) == fingerprint(out)


def test_rerun_of_a_finished_build_redoes_nothing(built, tmp_path):
    from iqa_datagen.flows import build_dataset

    out = _copy(built[0], tmp_path)
    before = file_digests(out)
    summary = build_dataset(out=str(out), config=tiny())
    assert summary["shards_resumed"] == summary["shards"] == 3
    assert file_digests(out) == before


def test_reusing_a_folder_with_another_config_is_refused(built, tmp_path):
    from iqa_datagen.flows import build_dataset
    from iqa_datagen.config import ConfigError

    out = _copy(built[0], tmp_path)
    with pytest.raises(ConfigError, match="tasks.identification"):
        build_dataset(out=str(out), config=tiny(tasks={"identification": 3}))


def test_dask_runner_gives_the_same_dataset(built, tmp_path):
    from iqa_datagen.flows import build_dataset

    out = tmp_path / "dask"
    summary = build_dataset(out=str(out), config=tiny(run={"executor": "dask",
                                                            "dask_workers": 2}))
    assert summary["shards"] == 3
    assert fingerprint(out) == fingerprint(built[0])


# -- two-stage chains ------------------------------------------------------------------------------

def _rows(out: Path) -> list[dict]:
    return [row for p in sorted((out / "data").rglob("*.parquet"))
            for row in pq.read_table(p).to_pylist()]


def _chains(rows: list[dict]) -> dict[str, dict[str, dict]]:
    """chain_id → {stage: row} for the two-stage records."""
    chains: dict[str, dict[str, dict]] = defaultdict(dict)
    for row in rows:
        if row["stage"]:
            assert row["stage"] not in chains[row["chain_id"]]
            chains[row["chain_id"]][row["stage"]] = row
    return chains


def test_demo_has_linked_chains_whose_inference_follows_from_the_perception(built):
    """Both settings, both tasks; each inference is text only, points at its perception, and
    concludes what the labels say from a description that names every distortion."""
    from iqa_datagen.generators import two_stage
    from iqa_datagen.generators.llm.validation import mentions_category
    from iqa_datagen.schemas import DistortionLabel, Verdict

    rows = _rows(built[0])
    chains = _chains(rows)
    by_id = {r["id"]: r for r in rows}
    kinds = {(c["perception"]["task"], c["perception"]["setting"]) for c in chains.values()}
    assert kinds == {(t, s) for t in ("assessment_reasoning", "comparison_reasoning")
                     for s in ("full_reference", "no_reference")}
    for chain in chains.values():
        perception, inference = chain["perception"], chain["inference"]
        assert inference["source_record_id"] == perception["id"]
        assert by_id[perception["id"]] is perception
        assert inference["image_ref"] is inference["image_a"] is inference["image_b"] is None
        assert perception["image_a"] is not None
        assert (perception["image_ref"] is not None) == (perception["setting"] == "full_reference")
        for key in ("task", "setting", "split", "reference_group", "distortions_a",
                    "distortions_b", "verdict", "context"):
            assert inference[key] == perception[key], key
        assert perception["response"] in inference["question"]
        labels_a = [DistortionLabel(**d) for d in perception["distortions_a"]]
        labels_b = [DistortionLabel(**d) for d in perception["distortions_b"]]
        for label in labels_a + labels_b:  # the perception names each distortion ...
            assert mentions_category(perception["response"], label.category), label
        assert two_stage.verdict_words(perception["response"]) == []  # ... and no verdict
        verdict = Verdict(**perception["verdict"]) if perception["verdict"] else None
        # the inference level fits the strongest grade; the winner is the verdict's
        assert two_stage.inference_reasons(inference["response"], inference["task"], labels_a,
                                           labels_b, verdict) == [], inference["response"]
        if verdict is None:
            word = two_stage.QUALITY_WORD[two_stage.severity_score(labels_a)]
            assert inference["response"].rstrip(".").endswith(word) or f"{word} quality" in \
                inference["response"], (word, inference["response"])
    one_stage = [r for r in rows if r["task"] in ("assessment_reasoning", "comparison_reasoning")
                 and not r["stage"]]
    assert len(chains) >= 0.8 * len(one_stage)  # chains for (almost) every detailed record


def test_exports_keep_each_stage_a_separate_conversation(built, tmp_path):
    from iqa_datagen.storage import export_dataset

    out, _ = built
    rows = {r["id"]: r for r in _rows(out)}
    export_dataset(out, "llava", tmp_path / "llava")
    items = [item for f in (tmp_path / "llava").glob("llava_*.json")
             for item in json.loads(f.read_text())]
    assert len(items) == len(rows)
    for item in items:
        row = rows[item["id"]]
        assert ("image" in item) is (row["stage"] != "inference")
        if row["stage"] == "inference":
            assert item["stage"] == "inference" and item["source_id"] == row["source_record_id"]
            assert "<image>" not in json.dumps(item["conversations"])
            assert rows[item["source_id"]]["chain_id"] == item["chain_id"]
    export_dataset(out, "depictqa", tmp_path / "dq")
    staged = [item for f in (tmp_path / "dq").rglob("*_inference.json")
              for item in json.loads(f.read_text())]
    assert staged and all(not {"image_ref", "image_A", "image_B"} & set(i) for i in staged)
    assert {i["task_type"] for i in staged} <= {"quality_single_text", "quality_compare_text"}
    perceived = [item for f in (tmp_path / "dq").rglob("*_perception.json")
                 for item in json.loads(f.read_text())]
    assert len(perceived) == len(staged) and all(i["image_A"] for i in perceived)


# -- resplit ---------------------------------------------------------------------------------------

def test_resplit_equals_a_fresh_build_and_distorts_nothing(built, tmp_path, monkeypatch):
    from iqa_datagen.distortions.sampler import SamplePlan
    from iqa_datagen.flows import build_dataset, regenerate_splits
    from iqa_datagen.pipeline import shard

    out = _copy(built[0], tmp_path)

    def forbidden(*args, **kwargs):
        raise AssertionError("resplit must not distort images or generate responses")

    monkeypatch.setattr(SamplePlan, "apply", forbidden)
    monkeypatch.setattr(shard.ShardRunner, "__init__", forbidden)
    summary = regenerate_splits(str(out), seed=7)
    monkeypatch.undo()
    assert summary["moved"] > 0 and summary["rows_rewritten"] == built[1]["records_total"]

    fresh = tmp_path / "fresh"
    build_dataset(out=str(fresh), config=tiny(split={"seed": 7}))
    assert fingerprint(out) == fingerprint(fresh)
    chains = _chains(_rows(out))  # each chain stays whole, in one split
    assert chains and all(len(c) == 2 and c["perception"]["split"] == c["inference"]["split"]
                          for c in chains.values())
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["split"]["seed"] == 7
    from iqa_datagen.storage import verify_manifest

    assert verify_manifest(out) == []


def test_resplit_with_ood_keeps_held_out_distortions_in_test_only(built, tmp_path):
    from iqa_datagen.flows import regenerate_splits
    from iqa_datagen.pipeline.resplit import OOD_EVAL_NAMES

    out = _copy(built[0], tmp_path)
    summary = regenerate_splits(str(out), ood=True)
    assert summary["dropped_ood"] > 0
    for path in (out / "data").rglob("*.parquet"):
        for r in pq.read_table(path).to_pylist():
            names = {d["name"] for d in r["distortions_a"] + r["distortions_b"]}
            if r["split"] == "train":
                assert not names & OOD_EVAL_NAMES
            elif r["verdict"] is None or not r["verdict"]["source"].startswith("mos:"):
                assert names <= OOD_EVAL_NAMES
    chains = _chains(_rows(out))  # a chain is kept or dropped whole
    assert all(len(c) == 2 for c in chains.values())


# -- extend ----------------------------------------------------------------------------------------

def test_extend_appends_only_samples_of_the_new_distortions(built, tmp_path):
    from iqa_datagen.flows import extend_catalogue

    out = _copy(built[0], tmp_path)
    before = file_digests(out)
    summary = extend_catalogue(str(out), plugins=["iqa_test_plugin"])
    new_names = set(summary["names"])
    assert new_names == {"vignette_radial", "noise_sparkle"}
    after = file_digests(out)
    assert {k: after[k] for k in before} == before  # existing files untouched
    added = [k for k in after if k not in before]
    assert added and all(Path(k).name.startswith("ext-") for k in added)
    for rel in added:
        for r in pq.read_table(out / rel).to_pylist():
            names = {d["name"] for d in r["distortions_a"] + r["distortions_b"]}
            assert names and names <= new_names, (r["task"], names)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["totals"]["rows"] == built[1]["records_total"] + summary["records_total"]
    assert manifest["extensions"][0]["names"] == sorted(new_names)

    again = extend_catalogue(str(out), plugins=["iqa_test_plugin"])
    assert again["shards_resumed"] == again["shards"]
    assert again["records_added"] == 0 and summary["records_added"] == summary["records_total"]
    assert file_digests(out) == after

    # By default each new distortion is about as frequent as a built-in one: a share
    # (1 - pristine_share)·k/N of the samples the task counts ask for is made.
    existing = json.loads((out / ".build.json").read_text())["catalogue"]
    assert summary["share"] == round(0.95 * 2 / len(existing), 4)
    # --share 1: every sample the task counts ask for; the smaller extension's parts replaced.
    full = extend_catalogue(str(out), plugins=["iqa_test_plugin"], share=1.0)
    assert full["share"] == 1.0 and full["records_added"] == full["records_total"]
    # about 5% of the samples by default (a seeded draw per sample: loose bound on 8 refs)
    assert 0 < summary["records_total"] <= 0.25 * full["records_total"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["totals"]["rows"] == built[1]["records_total"] + full["records_total"]
    after = file_digests(out)

    # The extended dataset can still be re-split (its new categories are known).
    from iqa_datagen.flows import regenerate_splits

    resplit = regenerate_splits(str(out), seed=11)
    assert resplit["rows_rewritten"] == manifest["totals"]["rows"]


def test_extend_with_nothing_new_is_an_error(built, tmp_path):
    from iqa_datagen.flows import extend_catalogue
    from iqa_datagen.config import ConfigError

    out = _copy(built[0], tmp_path)
    with pytest.raises(ConfigError, match="add no distortion"):
        extend_catalogue(str(out), plugins=[])


# -- assistant -------------------------------------------------------------------------------------

def test_train_assistant_flow_beats_chance(tmp_path):
    from iqa_datagen.flows import train_assistant

    metrics = train_assistant(out=str(tmp_path / "a"), config={
        "distortions": ["blur_gaussian", "noise_gaussian_rgb", "compression_jpeg"],
        "epochs": 3, "pairs_per_reference": 24})
    assert metrics["evaluation"]["test"]["accuracy"] > 0.7
    assert (tmp_path / "a" / "best.pt").is_file() and (tmp_path / "a" / "MODEL_CARD.md").is_file()


def test_instant_rating_judged_by_the_assistant_where_no_mos_exists(tmp_path):
    import io

    import numpy as np
    from PIL import Image

    from iqa_datagen.assistant import load_assistant
    from iqa_datagen.flows import build_dataset

    out = tmp_path / "judged"
    summary = build_dataset(out=str(out), config=tiny(
        tasks={"rating_source": "assistant", "comparison": 0, "assessment": 0,
               "identification": 0, "instant_rating": 3, "quality_scoring": 0},
        assistant={"enabled": True, "epochs": 1, "pairs_per_reference": 4,
                   "cross_pairs_per_reference": 6, "confidence_threshold": 0.6},
        expansion={"mode": "off"}))
    assistant = summary["assistant"]
    assert assistant["trained"] and assistant["no_reference_checkpoint"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["build"]["assistant"]["no_reference_checkpoint"] == assistant["no_reference_checkpoint"]
    rows = [r for p in (out / "data").rglob("*.parquet") for r in pq.read_table(p).to_pylist()]
    assert rows and {r["task"] for r in rows} == {"instant_rating"}
    kept = len({r["id"] for r in rows if r["setting"] == "full_reference"})
    assert kept + summary["dropped_low_confidence"] == 8 * 3
    full, nr = {}, {}
    for r in rows:
        v = r["verdict"]
        full_reference = r["setting"] == "full_reference"
        # the threshold applies to the full-reference verdict, the one both settings state
        assert (0.6 if full_reference else 0.5) <= v["confidence"] <= 1
        assert v["source"] == ("assistant" if full_reference else "assistant_no_reference")
        assert r["response"].endswith(f"Image {v['winner']}") or f"Image {v['winner']}" in r["response"]
        assert "winner by assistant" in r["provenance"]["notes"]
        (full if r["setting"] == "full_reference" else nr)[r["image_a"]["path"]] = r
    # A no-reference record exists only where the no-reference model backs the verdict.
    assert set(nr) <= set(full)
    assert len(nr) + summary["no_reference_disagreed"] <= len(full)
    for path, r in nr.items():
        assert r["verdict"]["winner"] == full[path]["verdict"]["winner"]
    # The build's assistant/ folder reproduces exactly the verdicts the records state.
    decode = lambda f: np.asarray(Image.open(io.BytesIO(f["bytes"])).convert("RGB"))
    fr = list(full.values())
    verdicts = load_assistant(out / "assistant").label(
        [(decode(r["image_ref"]), decode(r["image_a"]), decode(r["image_b"])) for r in fr])
    for r, (winner, conf) in zip(fr, verdicts):
        assert (winner, conf) == (r["verdict"]["winner"], pytest.approx(r["verdict"]["confidence"]))
    nr_model = load_assistant(out / "assistant", setting="no_reference")
    nr_rows = list(nr.values())
    for r, (winner, conf) in zip(nr_rows, nr_model.label(
            [(None, decode(r["image_a"]), decode(r["image_b"])) for r in nr_rows])):
        assert (winner, conf) == (r["verdict"]["winner"], pytest.approx(r["verdict"]["confidence"]))
    card = (out / "README.md").read_text()
    assert "| instant_rating | full_reference | `assistant` |" in card
