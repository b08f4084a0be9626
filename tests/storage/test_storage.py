"""Storage: Parquet record files round trip, Hugging Face loading, schema versions, atomic parts,
manifest (counts, checksums, no secrets), dataset card, LLaVA / DepictQA exports, memory bound.

Records are built by hand for every task × setting × single/multi distortion × split, with small
real PNG images (skimage's coffee and astronaut, downsized, with numpy-made distortions).
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import re
import secrets
import subprocess
import sys
import textwrap
import tracemalloc
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from PIL import Image

from iqa_datagen.distortions.images import builtin_reference
from iqa_datagen.generators import image_stats
from iqa_datagen import storage
from iqa_datagen.seeding import rng_for
from iqa_datagen.tasks import TASKS
from iqa_datagen.schemas import (SCHEMA_VERSION, SETTINGS, DistortionLabel, ImageField,
                                 Provenance, QualityScore, Record, SchemaVersionError,
                                 ScoreProtocol, Turn, Verdict, arrow_schema)

SPLITS = ("train", "test")
SIZE = (40, 56)  # height, width of the test images
PAIRED = {"instant_rating", "comparison_reasoning"}
TEMPLATED = {"distortion_identification", "instant_rating"}


def png(image: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return buf.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def flatten_counts(nested) -> Counter:
    """(split, task, setting, multi) → rows, from the nested counts of a manifest or part."""
    return Counter({(split, task, setting, multi): cell["multi" if multi else "single"]
                    for split, tasks in nested.items() for task, settings in tasks.items()
                    for setting, cell in settings.items() for multi in (False, True)
                    if cell.get("multi" if multi else "single")})


def mean_words(stats: dict, task: str, distortion: str = "all") -> float:
    """The mean response length of ``task`` (and ``distortion``) in ``dataset_stats`` output."""
    (mean,) = [row["mean"] for row in stats["response_words"]
               if row["task"] == task and row["distortion"] == distortion]
    return mean


@pytest.fixture(scope="module")
def images() -> dict[str, list[np.ndarray]]:
    """Two references and, for each, a noisy A and a blurred B (all SIZE, uint8 RGB)."""
    out = {"ref": [], "a": [], "b": []}
    for k, name in enumerate(("coffee", "astronaut")):
        ref = cv2.resize(builtin_reference(name), SIZE[::-1], interpolation=cv2.INTER_AREA)
        rng = rng_for(0, "test-storage", name)
        noisy = np.clip(ref + rng.normal(0, 12 + 6 * k, ref.shape), 0, 255).astype(np.uint8)
        blurred = cv2.GaussianBlur(ref, (5, 5), 1.5 + k)
        out["ref"].append(ref)
        out["a"].append(noisy)
        out["b"].append(blurred)
    return out


def make_record(task: str, setting: str, split: str, multi: bool, k: int,
                images: dict) -> Record:
    """A valid record of ``task``; k picks the reference (0 or 1)."""
    labels_a = [DistortionLabel(category="noise", name="noise_gaussian_rgb", level=2 + k,
                                grade="moderate")]
    labels_b = [DistortionLabel(category="blur", name="blur_gaussian", level=3, grade="moderate")]
    if multi:
        labels_a = [DistortionLabel(category="noise", name="noise_gaussian_rgb", level=2,
                                    grade="obvious"),
                    DistortionLabel(category="compression", name="compression_jpeg", level=1,
                                    grade="slight")]
        labels_b = labels_b + [DistortionLabel(category="darken", name="darken_shift_rgb",
                                               level=3, grade="serious")]
    paired = task in PAIRED
    question = f"<image> What is wrong with this image? ({task}, {setting}, {k})"
    response = ("Noise." if task == "distortion_identification" else "Image B." if
                task == "instant_rating" else
                " ".join(["The picture shows grain and the detail suffers."] * (3 + 2 * multi)))
    turns = [Turn(**{"from": "human", "value": question}),
             Turn(**{"from": "gpt", "value": response})]
    if task == "qa_expansion":
        turns += [Turn(**{"from": "human", "value": "Is it blurry?"}),
                  Turn(**{"from": "gpt", "value": "No."})]
    rid = f"{task[:4]}-{setting[:2]}-{split}-{'md' if multi else 'sd'}-{k}"
    return Record(
        id=rid, task=task, setting=setting, split=split,
        response_kind="templated" if task in TEMPLATED else "detailed",
        reference_id=f"ref{k}",
        image_ref=(ImageField(bytes=png(images["ref"][k]), path=f"ref{k}.png")
                   if setting == "full_reference" else None),
        image_a=ImageField(bytes=png(images["a"][k]), path=f"a{k}.png"),
        image_b=ImageField(bytes=png(images["b"][k]), path=f"b{k}.png") if paired else None,
        question=question, response=response, conversations=turns,
        distortions_a=labels_a, distortions_b=labels_b if paired else [],
        multi_distortion=multi,
        verdict=Verdict(winner="B", confidence=0.7, source="mos:kadid10k") if paired else None,
        quality=QualityScore(scale="five", score=2.5 + k, level="fair", score_std=0.25,
                             distribution=[0.0, 0.25, 0.5, 0.25, 0.0], score_source="raw_ratings",
                             protocol=ScoreProtocol(method="single_stimulus", raters=4,
                                                    original_scale="1-5, higher is better"))
        if task == "quality_scoring" else None,
        source_record_id="asse-fu-train-sd-0" if task == "qa_expansion" else None,
        provenance=Provenance(source="builtin", generator="offline", generator_version="1",
                              prompt_version="p3" if task not in TEMPLATED else None,
                              package_version="0.1.0", seed=7, reference_name=f"ref{k}"),
    )


@pytest.fixture(scope="module")
def records(images) -> list[Record]:
    return [make_record(task, setting, split, multi, k, images)
            for split in SPLITS for task in TASKS.record_tasks() for setting in SETTINGS
            for multi in (False, True) for k in (0, 1)]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory, records) -> Path:
    """A dataset folder written with small files and row groups (several files per group)."""
    root = tmp_path_factory.mktemp("ds")
    storage.write_records(root, iter(records), rows_per_file=3, row_group_rows=2)
    return root


def assert_same_row(row: dict, record: Record) -> None:
    expected = record.to_row()
    assert set(row) == set(expected)
    for key, value in expected.items():
        if key == "verdict" and value is not None:
            got = dict(row[key])
            assert got.pop("confidence") == pytest.approx(value["confidence"], abs=1e-6)
            assert got == {k: v for k, v in value.items() if k != "confidence"}
        else:
            assert row[key] == value, key


# -- writing and reading -----------------------------------------------------------------------

def test_round_trip_field_by_field_with_pyarrow(dataset, records):
    by_id = {r.id: r for r in records}
    files = storage.list_data_files(dataset)
    # 2 splits × 12 task-settings, 4 records each, 3 rows per file → 2 files per group
    assert len(files) == 48
    seen = []
    for path in files:
        assert re.fullmatch(r"[a-z_]+-(full|no)_reference-0000[01]\.parquet", path.name)
        meta = pq.ParquetFile(path).metadata
        assert meta.num_rows <= 3
        assert all(meta.row_group(i).num_rows <= 2 for i in range(meta.num_row_groups))
        assert meta.row_group(0).column(0).compression == "ZSTD"
        assert (pq.read_schema(path).metadata[b"iqa_datagen.schema_version"]
                == SCHEMA_VERSION.encode())
        for row in pq.read_table(path).to_pylist():
            assert row["split"] == path.parent.name
            assert path.name.startswith(f"{row['task']}-{row['setting']}-")
            assert_same_row(row, by_id[row["id"]])
            seen.append(row["id"])
    assert sorted(seen) == sorted(by_id)


def test_read_records_models_columns_and_filters(dataset, records):
    back = list(storage.read_records(dataset, as_models=True))
    assert len(back) == len(records)
    originals = {r.id: r for r in records}
    for rec in back:
        assert isinstance(rec, Record)
        want = originals[rec.id]
        assert rec.image_a.bytes == want.image_a.bytes
        assert rec.conversations == want.conversations
        assert rec.distortions_b == want.distortions_b
    rows = list(storage.read_records(dataset, columns=["id", "task"],
                                     filters=[("task", "==", "instant_rating"),
                                              ("setting", "==", "no_reference")]))
    assert len(rows) == 8 and all(set(r) == {"id", "task"} for r in rows)
    assert {r["task"] for r in rows} == {"instant_rating"}
    table = storage.read_table(dataset, ["split"], splits=["test"])
    assert table.num_rows == len(records) // 2 and set(table.column("split").to_pylist()) == {
        "test"}
    assert storage.count_rows(dataset) == len(records)
    assert storage.open_dataset(dataset).count_rows() == len(records)


def test_rewriting_a_group_drops_its_stale_files(tmp_path, records):
    group = [r for r in records if r.task == "assessment_reasoning" and r.split == "train"
             and r.setting == "full_reference"]
    storage.write_records(tmp_path, group, rows_per_file=1)
    assert len(storage.list_data_files(tmp_path)) == 4
    storage.write_records(tmp_path, group[:2], rows_per_file=1)
    assert [p.name for p in storage.list_data_files(tmp_path)] == [
        "assessment_reasoning-full_reference-00000.parquet",
        "assessment_reasoning-full_reference-00001.parquet"]


def test_bad_input_is_named(tmp_path, records):
    row = records[0].to_row()
    row["setting"] = "no_reference"  # keeps image_ref: invalid
    with pytest.raises(storage.StorageError, match=row["id"]):
        storage.write_records(tmp_path, [row])
    bad_split = records[0].model_copy(update={"split": "../x"})
    with pytest.raises(storage.StorageError, match=r"split '\.\./x'"):
        storage.write_records(tmp_path, [bad_split])
    with pytest.raises(storage.StorageError, match="part name"):
        storage.write_part(tmp_path, "../escape", [])
    with pytest.raises(storage.StorageError, match="expected a schemas.Record"):
        storage.write_records(tmp_path, ["not a record"])
    assert storage.list_data_files(tmp_path) == []
    assert not list(tmp_path.rglob(".*tmp-*"))


def test_schema_version_mismatch_names_the_file(tmp_path, records):
    storage.write_records(tmp_path, records[:4])
    schema = arrow_schema()
    old = schema.with_metadata({**schema.metadata, b"iqa_datagen.schema_version": b"0.9"})
    table = pa.Table.from_pylist([records[5].to_row()], schema=old)
    bad = tmp_path / "data" / "train" / "legacy-00000.parquet"
    pq.write_table(table, bad)
    with pytest.raises(SchemaVersionError, match=re.escape(str(bad)) + ".*'0.9'"):
        list(storage.read_records(tmp_path))
    with pytest.raises(SchemaVersionError, match="legacy-00000.parquet"):
        storage.open_dataset(tmp_path)


def test_previous_schema_version_still_reads_without_context(tmp_path, records):
    """A file written by schema 1.0 (no context column) reads back, its context null."""
    schema = arrow_schema()
    old_fields = [f for f in schema if f.name != "context"]
    old = pa.schema(old_fields, metadata={**schema.metadata,
                                          b"iqa_datagen.schema_version": b"1.0"})
    rows = [{k: v for k, v in r.to_row().items() if k != "context"} for r in records[:3]]
    path = tmp_path / "data" / "train" / "legacy-00000.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=old), path)
    back = list(storage.read_records(tmp_path, as_models=True))
    assert [r.id for r in back] == [r.id for r in records[:3]]
    assert all(r.context is None for r in back)
    assert storage.read_table(tmp_path, columns=["id", "context"]).num_rows == 3


# -- Hugging Face datasets ---------------------------------------------------------------------

def test_hugging_face_datasets_loads_and_decodes(dataset, records, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    import datasets

    files = {s: str(dataset / "data" / s / "*.parquet") for s in SPLITS}
    ds = datasets.load_dataset("parquet", data_files=files, split="train",
                               cache_dir=str(tmp_path / "cache"))
    assert ds.num_rows == len(records) // 2
    assert isinstance(ds.features["image_a"], datasets.Image)
    first = ds[0]
    assert isinstance(first["image_a"], Image.Image)
    assert first["image_a"].size == (SIZE[1], SIZE[0])
    wanted = {r.id: r for r in records}[first["id"]]
    assert np.array_equal(np.asarray(first["image_a"].convert("RGB")),
                          np.asarray(Image.open(io.BytesIO(wanted.image_a.bytes))))
    no_ref = ds.filter(lambda r: r["setting"] == "no_reference")
    assert all(img is None for img in no_ref["image_ref"])

    # by folder: default inference from data/{split}/ ...
    by_folder = datasets.load_dataset(str(dataset), split="test",
                                      cache_dir=str(tmp_path / "cache2"))
    assert by_folder.num_rows == len(records) // 2
    # ... and through the card's YAML configs
    storage.write_card(dataset, image_cap=50)
    by_card = datasets.load_dataset(str(dataset), cache_dir=str(tmp_path / "cache3"))
    assert set(by_card) == set(SPLITS)
    assert by_card["train"][3]["image_b"] is None or isinstance(by_card["train"][3]["image_b"],
                                                                Image.Image)


# -- parts and crashes -------------------------------------------------------------------------

def test_write_part_lists_counts_and_replaces(tmp_path, records):
    info = storage.write_part(tmp_path, "refs-0000", records[:10], meta={"refs": [0, 1]})
    assert info.rows == 10
    assert {Path(p).parent.name for p in info.paths} == {"train"}
    for f in info.files:
        assert storage.layout.sha256_file(tmp_path / f.path) == f.sha256
        assert (tmp_path / f.path).stat().st_size == f.bytes
    expected = Counter((r.split, r.task, r.setting, r.multi_distortion) for r in records[:10])
    assert flatten_counts(info.counts) == expected
    mixed = records[:2] + records[-2:]  # train and test rows in one part → one file per split
    info2 = storage.write_part(tmp_path, "refs-0001", mixed)
    assert sorted(Path(p).parent.name for p in info2.paths) == ["test", "train"]
    assert list(storage.list_parts(tmp_path)) == ["refs-0000", "refs-0001"]
    assert storage.list_parts(tmp_path)["refs-0000"].meta == {"refs": [0, 1]}
    assert storage.part_done(tmp_path, "refs-0001", verify=True)
    # re-running a part replaces its files (no stale test-split file left behind)
    storage.write_part(tmp_path, "refs-0001", records[:1])
    assert storage.read_part(tmp_path, "refs-0001").rows == 1
    assert storage.count_rows(tmp_path) == 11
    # a damaged file makes the part not done
    target = tmp_path / storage.read_part(tmp_path, "refs-0000").paths[0]
    target.write_bytes(target.read_bytes()[:-10])
    assert not storage.part_done(tmp_path, "refs-0000")


def test_failure_mid_write_leaves_no_partial_file(tmp_path, records):
    def failing():
        yield from records[:5]
        raise RuntimeError("generator died")

    with pytest.raises(RuntimeError, match="generator died"):
        storage.write_part(tmp_path, "unit-7", failing(), row_group_rows=2)
    assert storage.list_data_files(tmp_path) == []
    assert not storage.part_done(tmp_path, "unit-7")
    assert storage.list_parts(tmp_path) == {}
    assert not list(tmp_path.rglob(".*tmp-*"))
    with pytest.raises(RuntimeError):
        storage.write_records(tmp_path, failing(), row_group_rows=2)
    assert storage.list_data_files(tmp_path) == []


def test_killed_process_leaves_only_hidden_temporaries(tmp_path, records):
    """A hard crash (os._exit mid-write, no cleanup) never leaves a file under a final name."""
    rows = tmp_path / "rows.pickle"
    rows.write_bytes(pickle.dumps([r.to_row() for r in records[:6]]))
    script = textwrap.dedent(f"""
        import os, pickle
        from iqa_datagen import storage
        rows = pickle.loads(open({str(rows)!r}, "rb").read())
        def dying():
            yield from rows
            os._exit(3)  # killed after rows were flushed into the temporary file
        storage.write_part({str(tmp_path / 'ds')!r}, "unit-1", dying(), row_group_rows=2)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 3, proc.stderr
    ds_dir = tmp_path / "ds"
    temps = list(ds_dir.rglob(".*tmp-*"))
    assert temps and all(t.stat().st_size > 0 for t in temps)
    assert storage.list_data_files(ds_dir) == []
    assert not storage.part_done(ds_dir, "unit-1")
    removed = storage.clean_incomplete(ds_dir)
    assert set(temps) <= set(removed)
    assert not list(ds_dir.rglob(".*tmp-*")) and not list(ds_dir.rglob("*.pending"))
    info = storage.write_part(ds_dir, "unit-1", records[:6])  # resume
    assert info.rows == 6 and storage.part_done(ds_dir, "unit-1")


# -- manifest ----------------------------------------------------------------------------------

# Made at run time so that no key-like literal sits in the repository.
SECRET = "sk-test-" + secrets.token_hex(8) + "SECRET"


def test_manifest_counts_checksums_and_no_secrets(dataset, records):
    config = {"seed": 7, "name": "demo",
              "llm": {"api_key": SECRET, "model": "gpt-4o", "max_tokens": 400,
                      "base_url": "http://localhost:8000/v1"},
              "hub": {"token": "hf_" + secrets.token_hex(4) + "SECRET",
                      "password": "pw" + secrets.token_hex(4) + "SECRET",
                      "sources": [{"root": "/data",
                                   "access_key": "AK" + secrets.token_hex(4) + "SECRET"}]},
              "webhook": "https://user:pwSECRET@example.com/x", "note": SECRET}
    usage = {"llm": {"prompt_tokens": 1234, "completion_tokens": 567, "requests": 12}}
    manifest = storage.write_manifest(dataset, config, {"usage": usage})
    text = (dataset / "manifest.json").read_text()
    assert "SECRET" not in text
    assert manifest["config"]["llm"] == {"model": "gpt-4o", "max_tokens": 400,
                                         "base_url": "http://localhost:8000/v1"}
    assert manifest["config"]["hub"] == {"sources": [{"root": "/data"}]}
    assert "config.llm.api_key" in manifest["redacted_keys"]
    assert manifest["usage"] == usage
    assert storage.read_manifest(dataset) == manifest

    expected = Counter((r.split, r.task, r.setting, r.multi_distortion) for r in records)
    assert flatten_counts(manifest["counts"]) == expected
    cell = manifest["counts"]["train"]["comparison_reasoning"]["no_reference"]
    assert cell == {"single": 2, "multi": 2, "total": 4}
    assert manifest["totals"]["rows"] == len(records)
    assert manifest["totals"]["by_distortion_count"] == {"single": 48, "multi": 48}
    v = manifest["versions"]
    assert v["schema"] == SCHEMA_VERSION and v["prompt_versions"] == ["p3"]
    assert v["generators"] == {"offline": {"1": len(records)}} and "pyarrow" in v["libraries"]
    listed = {f["path"]: f for f in manifest["files"]}
    files = storage.list_data_files(dataset)
    assert set(listed) == {p.relative_to(dataset).as_posix() for p in files}
    for p in files:
        entry = listed[p.relative_to(dataset).as_posix()]
        assert entry["sha256"] == sha(p.read_bytes())
        assert entry["rows"] == pq.ParquetFile(p).metadata.num_rows
    assert storage.verify_manifest(dataset) == []
    with pytest.raises(storage.StorageError, match="reserved"):
        storage.build_manifest(dataset, {}, {"counts": 1})


def test_verify_manifest_notices_changes(tmp_path, records):
    storage.write_records(tmp_path, records[:6])
    storage.write_manifest(tmp_path, {"seed": 1})
    victim = storage.list_data_files(tmp_path)[0]
    victim.write_bytes(victim.read_bytes() + b"\0")
    problems = storage.verify_manifest(tmp_path)
    assert len(problems) == 1 and victim.name in problems[0] and "sha256" in problems[0]


# -- card and statistics -----------------------------------------------------------------------

def test_card_counts_plots_and_image_statistics(dataset, records, images):
    storage.write_manifest(dataset, {"seed": 7})
    card = storage.write_card(dataset, image_cap=1000)
    text = card.read_text()
    front = yaml.safe_load(text.split("---\n")[1])
    files = {d["split"]: d["path"] for d in front["configs"][0]["data_files"]}
    assert files == {"train": "data/train/*.parquet", "test": "data/test/*.parquet"}
    # counts table: header columns are the splits; identification FR: 2 sd / 2 md per split
    assert "| task | setting | train | test | total |" in text
    assert "| Distortion identification | full-reference | 2 / 2 | 2 / 2 | 4 / 4 |" in text
    assert f"| **all** | | **{len(records) // 2}** | **{len(records) // 2}** | **{len(records)}** |" in text
    # the two grade scales get a table each: pairs have three grade columns, singles five
    assert "| category | 1 slight | 2 obvious | 3 serious | total |" in text
    assert "| category | 1 slight | 2 moderate | 3 obvious | 4 serious | 5 catastrophic | total |" \
        in text
    assert "| darken | 0 | 0 | 16 | 16 |" in text
    for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
        with Image.open(dataset / link) as im:
            assert im.format == "PNG" and im.size[0] > 100
    plots = {p.name for p in (dataset / "stats").glob("*.png")}
    assert plots == {f"image_{n}.png" for n in image_stats.CARD_STATS} | {
        "distortions.png", "response_words.png", "quality_scores.png"}

    stats = storage.dataset_stats(dataset, image_cap=1000)
    assert stats == json.loads((dataset / "stats" / "stats.json").read_text())
    # Quality scores per source: 2 splits × 2 settings × 2 distortion counts × 2 references.
    scores = stats["quality_scores"]["raw_ratings"]
    assert scores["records"] == 16 and scores["levels"] == {"fair": 16}
    assert scores["mean_score"] == 3.0 and scores["records_with_distribution"] == 16
    assert "## Quality scores" in text and "| raw_ratings | 16 | five | 3.00 |" in text
    # every record sampled (cap > rows); two distinct images A → exact statistics
    assert stats["images"]["rows_sampled"] == len(records)
    assert stats["images"]["distinct_images"] == 2
    for name in image_stats.CARD_STATS:
        direct = [getattr(image_stats, name)(a) for a in images["a"]]
        assert stats["images"]["stats"][name]["mean"] == pytest.approx(np.mean(direct), rel=1e-3)
    # response lengths: identification answers are one word; detailed ones 8 words per sentence
    assert mean_words(stats, "distortion_identification") == 1.0
    assert mean_words(stats, "assessment_reasoning", "multi") == 40.0
    # distortion distribution: noise appears in every record's image A
    assert stats["distortions"]["per_category"]["noise"] == len(records)
    # B of paired md records: level 3 on the pair scale ("serious"), never mixed with single ones
    per_scale = stats["distortions"]["per_scale_category_level"]
    assert per_scale["pair"]["darken"] == {"3": 16} and "darken" not in per_scale["single"]
    assert stats["distortions"]["grade_scales"]["pair"] == ["slight", "obvious", "serious"]
    assert stats["references"] == {"test": 2, "train": 2}


def test_image_sample_is_capped_and_seeded(dataset):
    a = storage.dataset_stats(dataset, image_cap=5, seed=1)["images"]
    b = storage.dataset_stats(dataset, image_cap=5, seed=1)["images"]
    assert a == b and a["rows_sampled"] == 5


# -- exports -----------------------------------------------------------------------------------

def _check_image_paths(out: Path, paths: list[str]) -> None:
    for p in paths:
        assert not Path(p).is_absolute()
        with Image.open(out / p) as im:
            assert im.size == (SIZE[1], SIZE[0])


def test_llava_export(dataset, records, tmp_path):
    out = tmp_path / "llava"
    summary = storage.export_dataset(dataset, "llava", out)
    assert summary["files"] == {"llava_test.json": 48, "llava_train.json": 48}
    by_id = {r.id: r for r in records}
    distinct = {sha(b) for r in records
                for b in (r.image_ref and r.image_ref.bytes, r.image_a.bytes,
                          r.image_b and r.image_b.bytes) if b}
    assert len(list((out / "images").glob("*.png"))) == len(distinct) == summary["images"]
    for split in SPLITS:
        items = json.loads((out / f"llava_{split}.json").read_text())
        for item in items:
            rec = by_id[item["id"]]
            paths = item["image"] if isinstance(item["image"], list) else [item["image"]]
            expected = [f.bytes for f in (rec.image_ref, rec.image_a, rec.image_b) if f]
            assert [(out / p).read_bytes() for p in paths] == expected  # ref, A, B order
            _check_image_paths(out, paths)
            first = item["conversations"][0]["value"]
            assert first.count("<image>") == len(paths)
            assert sum(t["value"].count("<image>") for t in item["conversations"]) == len(paths)
            assert first.endswith(rec.question.replace("<image>", "").strip())
            assert [t["from"] for t in item["conversations"]] == [
                t.from_ for t in rec.conversations]


def test_depictqa_export(dataset, records, tmp_path):
    out = tmp_path / "depictqa"
    summary = storage.export_dataset(dataset, "depictqa", out)
    assert len(summary["files"]) == 2 * len(TASKS.record_tasks()) * 2
    expected_type = {
        ("distortion_identification", "full_reference"): "quality_single_A",
        ("assessment_reasoning", "no_reference"): "quality_single_A_noref",
        ("instant_rating", "full_reference"): "quality_compare",
        ("comparison_reasoning", "no_reference"): "quality_compare_noref",
        ("qa_expansion", "no_reference"): "quality_single_A_noref",
    }
    by_id = {r.id: r for r in records}
    for rel, n in summary["files"].items():
        split, name = rel.split("/")
        task, setting = name[:-len(".json")].rsplit("_", 2)[0], "_".join(
            name[:-len(".json")].rsplit("_", 2)[1:])
        items = json.loads((out / rel).read_text())
        assert len(items) == n == 4
        for item in items:
            rec = by_id[item["id"]]
            assert (rec.split, rec.task, rec.setting) == (split, task, setting)
            assert set(item) == {"id", "image_ref", "image_A", "image_B", "task_type",
                                 "conversations"}
            if (task, setting) in expected_type:
                assert item["task_type"] == expected_type[(task, setting)]
            assert (item["image_ref"] is None) == (setting == "no_reference")
            assert (item["image_B"] is None) == (task not in PAIRED)
            paths = [p for p in (item["image_ref"], item["image_A"], item["image_B"]) if p]
            _check_image_paths(out, paths)
            assert (out / item["image_A"]).read_bytes() == rec.image_a.bytes
            assert not any("<image>" in t["value"] for t in item["conversations"])


def test_export_rejects_unknown_format(dataset, tmp_path):
    with pytest.raises(storage.StorageError, match="'sharegpt'"):
        storage.export_dataset(dataset, "sharegpt", tmp_path)


def test_export_to_a_file_is_a_clear_error(dataset, tmp_path):
    taken = tmp_path / "taken.json"
    taken.write_text("{}")
    with pytest.raises(storage.StorageError, match="taken.json: the export folder exists"):
        storage.export_dataset(dataset, "llava", taken)
    with pytest.raises(storage.StorageError, match="a file is in its path"):
        storage.export_dataset(dataset, "llava", taken / "inside")
    assert taken.read_text() == "{}"


# -- streaming memory --------------------------------------------------------------------------

def _big_records(n: int, base: Record, blob: bytes):
    for i in range(n):  # fresh ~50 KB bytes per record, as a generator would produce them
        image = ImageField(bytes=blob + i.to_bytes(4, "little"), path=f"a{i}.png")
        yield base.model_copy(update={"id": f"big-{i}", "image_a": image})


def _peak_while_writing(path: Path, n: int, base: Record, blob: bytes) -> tuple[int, int]:
    pool = pa.proxy_memory_pool(pa.default_memory_pool())
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pool)
    tracemalloc.start()
    try:
        storage.write_records(path, _big_records(n, base, blob), row_group_rows=16,
                              rows_per_file=10_000, durable=False)
        _, py_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        pa.set_memory_pool(previous)
    return py_peak, pool.max_memory()


def test_streaming_write_memory_does_not_grow_with_record_count(tmp_path, records):
    rng = rng_for(0, "test-storage", "noise-png")
    blob = png(rng.integers(0, 256, (128, 128, 3), dtype=np.uint8))
    assert 45_000 < len(blob) < 60_000
    base = next(r for r in records if r.setting == "no_reference" and r.task == "assessment_reasoning")
    n = 64
    py_small, arrow_small = _peak_while_writing(tmp_path / "small", n, base, blob)
    py_big, arrow_big = _peak_while_writing(tmp_path / "big", 8 * n, base, blob)
    assert storage.count_rows(tmp_path / "big") == 8 * n
    total_big_data = 8 * n * len(blob)  # 26 MB passed through
    assert py_big < 1.5 * py_small + 1_000_000, (py_small, py_big)
    assert arrow_big < 1.5 * arrow_small + 1_000_000, (arrow_small, arrow_big)
    assert py_big + arrow_big < total_big_data / 4


def test_card_has_license_citation_no_reference_note_and_an_hf_extra(tmp_path, records):
    """The card's license comes from the caller (``output.license``), it cites, says why
    no-reference counts are lower, and `datasets` installs through a user-facing extra."""
    import tomllib

    from iqa_datagen import storage
    from iqa_datagen.config import BuildConfig

    dataset = tmp_path / "ds"
    storage.write_records(dataset, records)
    card = storage.write_card(dataset, image_cap=10, license="cc-by-4.0").read_text()
    meta = yaml.safe_load(card.split("---")[1])
    assert meta["license"] == "cc-by-4.0"
    assert "## Citation" in card and "@article{you2024depictqawild" in card
    assert "No-reference records are fewer" in card
    assert BuildConfig().output.license == "unknown"
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert any(d.startswith("datasets") for d in project["project"]["optional-dependencies"]["hf"])


def test_response_length_plot_axis_covers_the_longest_and_clipped_responses(tmp_path,
                                                                             monkeypatch):
    from iqa_datagen.storage import card
    from iqa_datagen.storage.stats import MAX_HIST_WORDS

    figures = []
    monkeypatch.setattr(card, "_save", lambda fig, path: figures.append(fig) or path.name)
    short, clipped = np.zeros(MAX_HIST_WORDS + 1), np.zeros(MAX_HIST_WORDS + 1)
    short[[3, 7]] = 5
    clipped[[60, MAX_HIST_WORDS]] = [4, 1]  # one response of MAX_HIST_WORDS words or more
    card.plot_response_lengths({("instant_rating", "templated", "all"): short,
                                ("assessment_reasoning", "detailed", "all"): clipped}, tmp_path)
    ax = figures[0].axes[0]
    assert ax.get_xlim()[1] > MAX_HIST_WORDS
    for line in ax.get_lines():  # every bin drawn with its right edge, last one back to 0
        x, y = line.get_data()
        assert y[-1] == 0 and x[-1] <= ax.get_xlim()[1]
