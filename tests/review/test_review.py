"""The review app: filters and paging against a brute-force scan, optional columns, images,
escaping, path traversal, marks (HTTP and concurrent appends) and ``filter --drop-marked`` on a
real build (manifest, card and resplit afterwards)."""

from __future__ import annotations

import functools
import io
import json
import multiprocessing
import re
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image
from starlette.testclient import TestClient

from iqa_datagen import storage
from iqa_datagen.review import DatasetView, Query, append_mark, latest_marks, read_marks
from iqa_datagen.review.app import create_app, safe_file
from iqa_datagen.schemas import (DistortionLabel, ImageField, Provenance, Record, Turn, Verdict,
                                 arrow_schema)
from iqa_datagen.storage import StorageError

TASKS = ("distortion_identification", "assessment_reasoning", "instant_rating",
         "comparison_reasoning", "qa_expansion")
CATEGORIES = ("blur", "noise", "compression", "darken")
SCRIPT = "<script>window.pwned = 1</script>"


def _png(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (12, 20, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return buf.getvalue()


def _record(i: int) -> Record:
    """Record i: task, setting, split, labels and words vary with i (deterministically)."""
    task = TASKS[i % 5]
    setting = ("full_reference", "no_reference")[(i // 5) % 2]
    paired = task in ("instant_rating", "comparison_reasoning")
    labels = [DistortionLabel(category=CATEGORIES[(i + j) % 4], name=f"{CATEGORIES[(i + j) % 4]}_x",
                              level=1 + (i * 7 + j) % 5, grade="moderate")
              for j in range(1 + i % 2)]
    labels_b = [DistortionLabel(category=CATEGORIES[(i + 3) % 4], name="b", level=1 + i % 5,
                                grade="slight")] if paired else []
    words = ["grain", "soft edges", "blocky", "dim"][i % 4]
    response = f"Record {i}: the image shows {words}." + (f" {SCRIPT}" if i == 3 else "")
    question = "How is the quality?" + (" <b>bold?</b>" if i == 3 else "")
    return Record(
        id=f"rec-{i:04d}", task=task, setting=setting, split=("train", "test")[i % 3 == 0],
        response_kind="templated" if task in ("distortion_identification", "instant_rating")
        else "detailed", reference_id=f"ref{i % 7}",
        image_ref=ImageField(bytes=_png(3 * i), path=f"ref{i}.png")
        if setting == "full_reference" else None,
        image_a=ImageField(bytes=_png(3 * i + 1), path=f"a{i}.png"),
        image_b=ImageField(bytes=_png(3 * i + 2), path=f"b{i}.png") if paired else None,
        question=question, response=response,
        conversations=[Turn(**{"from": "human", "value": question}),
                       Turn(**{"from": "gpt", "value": response})],
        distortions_a=labels, distortions_b=labels_b, multi_distortion=len(labels) > 1,
        verdict=Verdict(winner="AB"[i % 2], confidence=0.8,
                        source=("library_levels", "assistant")[i % 2]) if paired else None,
        provenance=Provenance(source="builtin", generator="offline", generator_version="1",
                              package_version="0.1.0", seed=0),
    )


N = 157


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    """N records in two parts, small files and row groups (pages cross file boundaries)."""
    root = tmp_path_factory.mktemp("review-ds")
    rows = [_record(i) for i in range(N)]
    storage.write_part(root, "p0", rows[:90], rows_per_file=25, row_group_rows=7)
    storage.write_part(root, "p1", rows[90:], rows_per_file=25, row_group_rows=7)
    (root / "stats").mkdir()
    (root / "stats" / "plot.png").write_bytes(_png(1))
    (root / "secret.txt").write_text("outside stats")
    return root


@functools.lru_cache(maxsize=4)
def _rows(dataset: Path) -> list[dict]:
    columns = [c for c in arrow_schema().names if not c.startswith("image")]
    return list(storage.read_records(dataset, columns=columns))


def _brute(dataset: Path, q: Query, marks: dict | None = None) -> list[str]:
    """Ids matching q by reading every record in file order (the reference answer)."""
    out = []
    for row in _rows(dataset):
        labels = row["distortions_a"] + row["distortions_b"]
        if any(getattr(q, k) is not None and row[k] != getattr(q, k)
               for k in ("task", "setting", "split", "response_kind")):
            continue
        if q.verdict_source and (row["verdict"] or {}).get("source") != q.verdict_source:
            continue
        if (q.category or q.level) and not any(
                (q.category is None or d["category"] == q.category)
                and (q.level is None or d["level"] == q.level) for d in labels):
            continue
        if q.text and q.text.lower() not in row["response"].lower():
            continue
        mark = (marks or {}).get(row["id"])
        if q.mark and (mark != q.mark if q.mark != "unmarked" else mark is not None):
            continue
        out.append(row["id"])
    return out


QUERIES = [
    {}, {"task": "comparison_reasoning"}, {"task": "instant_rating", "setting": "no_reference"},
    {"split": "test", "response_kind": "detailed"}, {"category": "blur"},
    {"category": "noise", "level": "3"}, {"level": "5"}, {"verdict_source": "assistant"},
    {"text": "SOFT EDGES"}, {"text": "blocky", "category": "noise", "split": "train"},
    {"task": "qa_expansion", "text": "no such words"}, {"mark": "bad"}, {"mark": "unmarked"},
]


@pytest.mark.parametrize("params", QUERIES)
def test_pages_and_counts_equal_a_brute_force_scan(dataset, params):
    view = DatasetView(dataset)
    marks = {"rec-0004": "bad", "rec-0100": "bad", "rec-0005": "good"}
    for size in (6, 100):
        q = Query.from_params({**params, "page_size": str(size)})
        want = _brute(dataset, q, marks)
        got, page_no = [], 0
        while True:
            page = view.page(Query.from_params({**params, "page_size": str(size),
                                                "page": str(page_no)}), marks)
            got += [r["id"] for r in page.records]
            assert len(page.records) <= size
            if not page.has_next:
                break
            page_no += 1
        assert got == want, (params, size)
        assert view.count(q, marks) == len(want)
    assert want or params.get("text") == "no such words"


def test_page_records_carry_text_but_no_image_bytes(dataset):
    view = DatasetView(dataset)
    page = view.page(Query(task="comparison_reasoning", setting="full_reference"))
    row = page.records[0]
    assert set(row["image_names"]) == {"image_ref", "image_a", "image_b"}
    assert not any(isinstance(v, (bytes, dict)) and "bytes" in str(v)[:20]
                   for k, v in row.items() if k.startswith("image"))
    stored = next(r for r in storage.read_records(dataset) if r["id"] == row["id"])
    assert view.image(row["file_index"], row["id"], "image_b") == stored["image_b"]["bytes"]
    assert view.image(row["file_index"], row["id"], "provenance") is None
    assert view.image(99, row["id"], "image_a") is None


@pytest.mark.parametrize("params, message", [
    ({"level": "6"}, "level"), ({"level": "x"}, "level"), ({"page": "-1"}, "page"),
    ({"page_size": "1000"}, "page_size"), ({"mark": "meh"}, "mark"), ({"zoom": "3"}, "zoom"),
])
def test_invalid_query_parameters_are_named(params, message):
    with pytest.raises(StorageError, match=message):
        Query.from_params(params)


def _with_columns(src: Path, dst: Path, extra: dict) -> None:
    """A copy of src's record files with extra columns (what newer schemas add) or a column's
    values replaced."""
    for path in storage.list_data_files(src):
        table = pq.read_table(path)
        for name, make in extra.items():
            if name in table.column_names:
                table = table.set_column(table.column_names.index(name), name, make(table))
            else:
                table = table.append_column(name, make(table))
        out = dst / path.relative_to(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, out)


def test_stage_and_score_level_filters_follow_the_columns_present(dataset, tmp_path):
    view = DatasetView(dataset)
    q = Query(score_level="good", task="qa_expansion")
    page = view.page(q)
    assert page.ignored == ["score_level"]  # no score-level column in these files
    assert [r["id"] for r in page.records] == _brute(dataset, Query(task="qa_expansion"))[:10]
    assert view.count(Query(stage="perception")) == 0  # a stage column, all one-stage records

    def stage(t):
        return pa.array(["perception" if int(i[-4:]) % 2 else "inference"
                         for i in t.column("id").to_pylist()])

    def score(t):
        return pa.array([{"value": 3.5, "level": ("good", "poor")[int(i[-4:]) % 3 == 0]}
                         for i in t.column("id").to_pylist()])

    _with_columns(dataset, tmp_path, {"stage": stage, "score": score})
    view = DatasetView(tmp_path)
    assert view.optional == {"stage": ("stage",), "score_level": ("score", "level")}
    got = [r["id"] for r in view.page(Query(stage="perception", score_level="poor",
                                            page_size=100)).records]
    want = [f"rec-{i:04d}" for i in range(N) if i % 2 and i % 3 == 0]
    assert sorted(got) == want and view.count(Query(stage="inference")) == (N + 1) // 2
    assert view.facets()["values"]["stage"] == ["inference", "perception"]


@pytest.fixture()
def client(dataset):
    shutil.rmtree(dataset / "review", ignore_errors=True)  # each test starts without marks
    app = create_app(dataset, allowed_hosts=["testserver"])
    with TestClient(app) as c:
        c.token = app.state.review.token
        yield c


def test_records_page_shows_cards_and_serves_their_images(client, dataset):
    r = client.get("/", params={"task": "comparison_reasoning", "setting": "full_reference"})
    assert r.status_code == 200
    cards = re.findall(r'<article class="card[^"]*" id="r-([^"]+)"', r.text)
    assert cards == _brute(dataset, Query(task="comparison_reasoning",
                                          setting="full_reference"))[:10]
    urls = re.findall(r'<img class="record-image" src="([^"]+)"', r.text)
    assert len(urls) == 3 * len(cards)
    stored = {row["id"]: row for row in storage.read_records(dataset)}
    for url in urls[:6]:
        _, _, _, rid, col = url.split("/")
        img = client.get(url)
        assert img.status_code == 200 and img.headers["content-type"] == "image/png"
        assert img.content == stored[rid][col]["bytes"]
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert client.get("/image/0/rec-0000/image_x").status_code == 404
    assert client.get("/image/0/no-such-id/image_a").status_code == 404
    assert client.get("/?level=9").status_code == 400


def test_dataset_text_is_escaped(client):
    r = client.get("/", params={"text": "pwned"})
    assert 'id="r-rec-0003"' in r.text
    assert SCRIPT not in r.text and "<b>bold?</b>" not in r.text
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in r.text
    assert "&lt;b&gt;bold?&lt;/b&gt;" in r.text


@pytest.mark.parametrize("url", [
    "/files/stats/../secret.txt", "/files/stats/..%2Fsecret.txt", "/files/stats/%2e%2e/secret.txt",
    "/files/stats/..%2F..%2F..%2F..%2Fetc%2Fpasswd", "/files/stats/%2Fetc%2Fpasswd",
    "/files/stats/../../../../etc/passwd", "/files/stats/..%5Csecret.txt",
    "/files/stats/link.png", "/files/stats/.hidden", "/static/../app.py",
    "/static/%2e%2e/app.py", "/files/stats/plot.png%00.txt",
])
def test_path_traversal_is_refused(client, dataset, url):
    link = dataset / "stats" / "link.png"
    if not link.exists():
        link.symlink_to(dataset / "secret.txt")
    (dataset / "stats" / ".hidden").write_text("hidden")
    r = client.get(url)
    assert r.status_code in (400, 404), url
    assert "outside stats" not in r.text and "root:" not in r.text and "import" not in r.text


def test_only_files_under_stats_are_served(client, dataset):
    r = client.get("/files/stats/plot.png")
    assert r.status_code == 200 and r.content == (dataset / "stats" / "plot.png").read_bytes()
    assert safe_file(dataset, "plot.png") == (dataset / "stats" / "plot.png").resolve()
    for bad in ("../secret.txt", "/etc/passwd", "", "a/../../secret.txt"):
        assert safe_file(dataset, bad) is None


def test_marking_appends_to_marks_jsonl(client, dataset):
    form = {"token": client.token, "id": "rec-0007", "mark": "bad", "reason": "wrong level",
            "next": "/?task=comparison_reasoning"}
    r = client.post("/mark", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/?task=comparison_reasoning#r-rec-0007"
    entries = [json.loads(line) for line in
               (dataset / "review" / "marks.jsonl").read_text().splitlines()]
    assert entries[-1]["id"] == "rec-0007" and entries[-1]["mark"] == "bad"
    assert entries[-1]["reason"] == "wrong level" and entries[-1]["time"].endswith("+00:00")
    page = client.get("/", params={"mark": "bad"})
    assert re.findall(r'id="r-([^"]+)"', page.text) == ["rec-0007"]
    assert "marked bad: wrong level" in page.text

    before = (dataset / "review" / "marks.jsonl").read_text()
    assert client.post("/mark", data={**form, "token": "forged"}).status_code == 403
    assert client.post("/mark", data={**form, "id": "nope"}).status_code == 404
    assert client.post("/mark", data={**form, "mark": "ugly"}).status_code == 400
    assert (dataset / "review" / "marks.jsonl").read_text() == before
    r = client.post("/mark", data={**form, "mark": "good", "next": "//evil.example/x"},
                    follow_redirects=False)
    assert r.headers["location"].startswith("/#")
    assert latest_marks(dataset)["rec-0007"]["mark"] == "good"
    data_files = {p: p.stat().st_mtime_ns for p in storage.list_data_files(dataset)}
    assert {p: p.stat().st_mtime_ns for p in storage.list_data_files(dataset)} == data_files


def test_summary_page_and_host_check(client, dataset):
    r = client.get("/summary")
    assert r.status_code == 200 and "/files/stats/plot.png" in r.text
    assert f"{N} records" in r.text
    assert client.get("/api/count", params={"task": "qa_expansion"}).json() == {
        "count": len(_brute(dataset, Query(task="qa_expansion")))}
    assert client.get("/", headers={"host": "evil.example"}).status_code == 400


def test_filter_choices_before_and_after_the_background_scan(dataset):
    review = create_app(dataset).state.review
    review._facet_scan.join()
    scanned = review.choices(Query())
    assert scanned["category"] == sorted(CATEGORIES)
    assert scanned["verdict_source"] == ["assistant", "library_levels"]
    review._facets = None  # as while the scan still runs
    fallback = review.choices(Query(verdict_source="mos:x"))
    assert "comparison_reasoning" in fallback["task"] and fallback["split"] == ["test", "train"]
    assert fallback["verdict_source"] == ["mos:x"] and fallback["stage"] == []


def _append_many(args) -> None:
    folder, worker = args
    for i in range(40):
        append_mark(folder, f"id-{worker}-{i}", "bad", "x" * (500 + worker))


def test_concurrent_appends_never_tear_lines(tmp_path):
    with multiprocessing.get_context("fork").Pool(4) as pool:
        pool.map(_append_many, [(tmp_path, w) for w in range(4)])
    lines = (tmp_path / "review" / "marks.jsonl").read_text().splitlines()
    assert len(lines) == 160 and all(json.loads(line)["mark"] == "bad" for line in lines)
    with open(tmp_path / "review" / "marks.jsonl", "a") as f:
        f.write('{"id": "torn", "ma')  # a crash mid-write
    assert len(read_marks(tmp_path)) == 160
    with pytest.raises(StorageError, match="mark"):
        append_mark(tmp_path, "x", "maybe")


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_filter_drop_marked_rewrites_manifest_card_and_keeps_resplit_working(tmp_path):
    from flowkit import tiny
    from iqa_datagen.cli import main
    import contextlib
    import yaml

    def cli(*args):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            code = main(list(args))
        return code, buf.getvalue()

    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(yaml.safe_dump(tiny()))
    out = tmp_path / "ds"
    assert cli("build", "--config", str(cfg), "--out", str(out), "--no-progress")[0] == 0
    rows = list(storage.read_records(out, columns=["id", "task"]))
    before = len(rows)
    bad = [r["id"] for r in rows if r["task"] == "comparison_reasoning"][:2] + [rows[0]["id"]]
    append_mark(out, bad[0], "bad", "response contradicts the labels")
    append_mark(out, bad[1], "bad", "response contradicts the labels")
    append_mark(out, bad[2], "bad")
    append_mark(out, rows[1]["id"], "bad")
    append_mark(out, rows[1]["id"], "good", "changed my mind")
    append_mark(out, "gone-already", "bad")

    code, stdout = cli("filter", str(out), "--drop-marked", "bad", "--dry-run", "--json")
    assert code == 0 and json.loads(stdout.splitlines()[-1])["dropped"] == 3
    assert storage.count_rows(out) == before

    code, stdout = cli("filter", str(out), "--drop-marked", "bad", "--json")
    summary = json.loads(stdout.splitlines()[-1])
    assert code == 0 and summary["dropped"] == 3 and summary["not_in_dataset"] == 1
    assert summary["reasons"] == {"response contradicts the labels": 2, "(no reason given)": 1}
    ids = {r["id"] for r in storage.read_records(out, columns=["id"])}
    assert len(ids) == before - 3 and not ids & set(bad) and rows[1]["id"] in ids
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["totals"]["rows"] == before - 3
    assert manifest["review_filters"][0]["dropped"] == 3
    assert storage.verify_manifest(out) == []
    assert f"**{before - 3:,}**" in (out / "README.md").read_text()

    code, stdout = cli("filter", str(out), "--drop-marked", "bad")
    assert code == 0 and "dropped 0 record(s)" in stdout
    code, stdout = cli("resplit", str(out), "--seed", "9", "--no-progress", "--json")
    assert code == 0
    assert storage.count_rows(out) == before - 3  # brief records are re-worded, none come back
    after = {r["id"] for r in storage.read_records(out, columns=["id"])}
    assert not after & set(bad[:2])  # detailed records keep their ids through a resplit
    assert json.loads((out / "manifest.json").read_text())["review_filters"][0]["dropped"] == 3
    assert cli("stats", str(out), "--verify")[0] == 0


def test_files_with_and_without_a_new_column_scan_together(dataset, tmp_path):
    files = storage.list_data_files(dataset)
    for path in files:  # only the first file has the newer 'score_level' column
        table = pq.read_table(path)
        if path == files[0]:
            table = table.append_column("score_level", pa.array(["good"] * table.num_rows))
        out = tmp_path / path.relative_to(dataset)
        out.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, out)
    view = DatasetView(tmp_path)
    assert view.optional == {"stage": ("stage",), "score_level": ("score_level",)}
    first = pq.read_table(files[0], columns=["id"]).column("id").to_pylist()
    got = view.page(Query(score_level="good", page_size=100)).records
    assert [r["id"] for r in got] == first and got[0]["score_level"] == "good"
    assert view.page(Query(page_size=100, page=1)).records[0].get("score_level") is None


def test_browse_refuses_a_missing_folder_or_a_busy_port_in_one_line(dataset, tmp_path, capsys):
    """No banner for an app that never starts, and a port in use is exit 2 naming --port
    (uvicorn would exit with its own code 3, which means something else here)."""
    import socket

    from iqa_datagen.cli import main

    assert main(["browse", str(tmp_path / "nowhere")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "dataset folder does not exist" in err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["browse", str(dataset), "--port", str(port)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and f"--port {port}: cannot listen there" in err
    assert len(err.strip().splitlines()) == 1
